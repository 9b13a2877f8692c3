package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"redis-fast/persistence"
	"redis-fast/proto"
)

// Load errors. A load that fails leaves a half-loaded keyspace, which the
// caller must throw away.
var (
	// ErrTruncated: the last command of the last file is cut short and
	// aof-load-truncated is no.
	ErrTruncated = errors.New("aof: the AOF is truncated")
	// ErrCorrupt: a file holds bytes that are not RESP commands.
	ErrCorrupt = errors.New("aof: the AOF is corrupt")
	// ErrMissing: the manifest names a file that does not exist.
	ErrMissing = errors.New("aof: a file the manifest names is missing")
)

// IsCorrupt reports whether err is one of the load errors that mean the
// files are damaged (rather than unreadable).
func IsCorrupt(err error) bool {
	return errors.Is(err, ErrTruncated) || errors.Is(err, ErrCorrupt) || errors.Is(err, ErrMissing) || errors.Is(err, ErrManifest)
}

// LoadConfig is what Load needs.
type LoadConfig struct {
	FS     persistence.FS
	Dir    string // dir/appenddirname
	Prefix string // appendfilename
	// Exec runs one command; an error stops the load.
	Exec func(argv [][]byte) error
	// LoadRDB loads an RDB base file.
	LoadRDB func(r io.Reader) error
	// Truncated allows dropping a last command cut short
	// (aof-load-truncated yes).
	Truncated bool
	// Logf reports what happened, at notice level.
	Logf func(format string, args ...any)
}

// Load replays the AOF in cfg.Dir: the base, then the incremental files in
// order. It returns the manifest, or nil and no error when the directory
// holds no AOF.
func Load(cfg LoadConfig) (*Manifest, error) {
	data, err := readAll(cfg.FS, filepath.Join(cfg.Dir, manifestName(cfg.Prefix)))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("aof: reading the manifest: %w", err)
	}
	man, err := parseManifest(data)
	if err != nil {
		return nil, err
	}
	files := man.incrs
	if man.base != nil {
		files = append([]fileInfo{*man.base}, files...)
	}
	for i, fi := range files {
		last := i == len(files)-1
		if err := loadFile(cfg, fi, last); err != nil {
			return nil, err
		}
	}
	return man, nil
}

func readAll(fsys persistence.FS, name string) ([]byte, error) {
	f, err := fsys.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(f)
}

// loadFile replays one file of the AOF.
func loadFile(cfg LoadConfig, fi fileInfo, last bool) error {
	path := filepath.Join(cfg.Dir, fi.name)
	f, err := cfg.FS.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w: %s", ErrMissing, fi.name)
	}
	if err != nil {
		return fmt.Errorf("aof: %w", err)
	}
	defer f.Close()
	if fi.kind == typeBase && filepath.Ext(fi.name) == ".rdb" {
		if err := cfg.LoadRDB(f); err != nil {
			return fmt.Errorf("aof: loading %s: %w", fi.name, err)
		}
		return nil
	}
	good, err := replay(f, cfg.Exec)
	if err == nil {
		return nil
	}
	var cut *cutShort
	if !errors.As(err, &cut) {
		return fmt.Errorf("aof: %s: %w", fi.name, err)
	}
	if !last || !cfg.Truncated {
		return fmt.Errorf("%w: %s ends with an incomplete command at offset %d", ErrTruncated, fi.name, good)
	}
	if cfg.Logf != nil {
		cfg.Logf("!!! Warning: short read while loading the AOF file %s!!!", fi.name)
		cfg.Logf("AOF %s loaded anyway because aof-load-truncated is enabled; truncating it at %d", fi.name, good)
	}
	if err := cfg.FS.Truncate(path, good); err != nil {
		return fmt.Errorf("aof: truncating %s: %w", fi.name, err)
	}
	return nil
}

// cutShort is replay's error for input that ends inside a command (or a
// transaction): the file was cut while being written.
type cutShort struct{ at int64 }

func (c *cutShort) Error() string { return fmt.Sprintf("unexpected end of file at %d", c.at) }

// replay runs every command of r through exec, reading in chunks and
// cutting commands with the server's own parser. It returns the offset of
// the end of the last complete command (outside a transaction) before an
// error: a *cutShort when the input ends early, an error wrapping
// ErrCorrupt for bytes that are not commands.
func replay(r io.Reader, exec func(argv [][]byte) error) (int64, error) {
	var p proto.Parser
	buf := make([]byte, 0, 1<<20)
	var base int64 // file offset of buf[0]
	var good int64 // end of the last complete command outside MULTI
	var multiAt int64 = -1
	eof := false
	for {
		if !eof {
			if cap(buf)-len(buf) < 64<<10 {
				grown := make([]byte, len(buf), 2*cap(buf)+64<<10)
				copy(grown, buf)
				buf = grown
			}
			n, err := r.Read(buf[len(buf):cap(buf)])
			buf = buf[:len(buf)+n]
			if err == io.EOF {
				eof = true
			} else if err != nil {
				return good, err
			}
		}
		off := 0
		for off < len(buf) {
			if buf[off] == '#' {
				// An annotation (#TS:<unix seconds>), as Redis skips it.
				nl := bytes.IndexByte(buf[off:], '\n')
				if nl < 0 {
					break
				}
				off += nl + 1
				continue
			}
			args, n, _, err := p.Parse(buf[off:])
			if err != nil {
				return good, fmt.Errorf("%w: bad command at offset %d: %v", ErrCorrupt, base+int64(off), err)
			}
			if n == 0 {
				break
			}
			if buf[off] != '*' {
				return good, fmt.Errorf("%w: bad file format at offset %d", ErrCorrupt, base+int64(off))
			}
			at := base + int64(off)
			off += n
			if len(args) == 0 {
				continue
			}
			switch {
			case proto.EqualFold(args[0], "MULTI"):
				multiAt = at
			case proto.EqualFold(args[0], "EXEC"):
				multiAt = -1
			}
			if err := exec(args); err != nil {
				return good, fmt.Errorf("%w: at offset %d: %v", ErrCorrupt, at, err)
			}
			if multiAt < 0 {
				good = base + int64(off)
			}
		}
		buf = append(buf[:0], buf[off:]...)
		base += int64(off)
		if eof {
			if len(bytes.TrimSpace(buf)) > 0 || multiAt >= 0 {
				// A command or a transaction cut short: Redis reverts an
				// incomplete MULTI too.
				return good, &cutShort{at: good}
			}
			return good, nil
		}
	}
}
