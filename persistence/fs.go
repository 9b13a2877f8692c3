package persistence

import (
	"io"
	"os"
	"path/filepath"
)

// FS is the file system the persistence code uses: the operating system's
// in production, a fake in tests that can lose what was not synced.
type FS interface {
	// Create creates (or truncates) a file for writing.
	Create(name string) (File, error)
	// Append opens a file for appending, creating it if needed.
	Append(name string) (File, error)
	// Open opens a file for reading.
	Open(name string) (io.ReadCloser, error)
	Rename(from, to string) error
	Remove(name string) error
	// Size returns a file's size.
	Size(name string) (int64, error)
	// Truncate cuts a file to size bytes.
	Truncate(name string, size int64) error
	MkdirAll(dir string) error
	// SyncDir makes a directory's entries (creations, renames) durable.
	SyncDir(dir string) error
}

// File is a file open for writing.
type File interface {
	io.Writer
	Sync() error
	Close() error
}

// OS is the FS of the operating system.
type OS struct{}

func (OS) Create(name string) (File, error) { return os.Create(name) }

func (OS) Append(name string) (File, error) {
	return os.OpenFile(name, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
}

func (OS) Open(name string) (io.ReadCloser, error) { return os.Open(name) }
func (OS) Rename(from, to string) error            { return os.Rename(from, to) }
func (OS) Remove(name string) error                { return os.Remove(name) }
func (OS) MkdirAll(dir string) error               { return os.MkdirAll(dir, 0o755) }
func (OS) Truncate(name string, size int64) error  { return os.Truncate(name, size) }

func (OS) Size(name string) (int64, error) {
	fi, err := os.Stat(name)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}

func (OS) SyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// WriteAtomic writes data to name through a temporary file: write, fsync,
// rename, fsync the directory.
func WriteAtomic(fsys FS, name string, data []byte) error {
	tmp := name + ".tmp"
	f, err := fsys.Create(tmp)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := fsys.Rename(tmp, name); err != nil {
		return err
	}
	return fsys.SyncDir(filepath.Dir(name))
}
