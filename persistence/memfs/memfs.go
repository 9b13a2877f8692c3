package memfs

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"sync"

	"redis-fast/persistence"
)

// inode is one file's contents: what is there now, and what a crash is
// sure to keep.
type inode struct {
	data    []byte
	durable []byte // the contents at the last Sync
}

// FS is the in-memory file system. Create one with New.
type FS struct {
	mu      sync.Mutex
	rnd     *rand.Rand
	dirs    map[string]bool
	entries map[string]*inode // path -> file, as it is now
	// durable is the namespace as of each directory's last SyncDir:
	// directory -> path -> file.
	durable map[string]map[string]*inode
	faults  []*fault
	counts  [numOps]int
	hook    func()
	before  func(Op)
}

// New returns an empty file system whose crashes draw from seed.
func New(seed uint64) *FS {
	return &FS{
		rnd:     rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)),
		dirs:    map[string]bool{"/": true, ".": true},
		entries: map[string]*inode{},
		durable: map[string]map[string]*inode{},
	}
}

// Op names an operation errors can be injected into.
type Op int

// The operations Inject can make fail.
const (
	OpWrite Op = iota
	OpSync
	OpRename
	OpCreate // Create and Append
	OpSyncDir
	numOps
)

func (op Op) String() string {
	return [...]string{"write", "sync", "rename", "create", "syncdir"}[op]
}

// fault is an injected error: the nth operation of its kind from the time
// it was injected fails with err.
type fault struct {
	op  Op
	at  int // the count of op at which it fires
	err error
}

// Inject makes the nth call of op from now on (1 for the next one) fail
// with err. A failing write writes a prefix of its bytes first, as a full
// disk may; the others change nothing.
func (m *FS) Inject(op Op, n int, err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.faults = append(m.faults, &fault{op: op, at: m.counts[op] + n, err: err})
}

// Count returns how many times op has been called.
func (m *FS) Count(op Op) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.counts[op]
}

// SetHook makes fn run after every operation that changes the file system
// (a write, a sync, a creation, a rename, a removal, a truncation, a
// directory sync), with no lock held: a test can take a Crash there, at
// every step of the code under test. nil removes it.
func (m *FS) SetHook(fn func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.hook = fn
}

// SetBefore makes fn run before every write, sync, creation, rename and
// directory sync, with no lock held and the operation named: a test can
// hold the code under test at a chosen step (a slow disk). nil removes it.
func (m *FS) SetBefore(fn func(Op)) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.before = fn
}

// starting runs the before hook, if any; m.mu must not be held.
func (m *FS) starting(op Op) {
	m.mu.Lock()
	fn := m.before
	m.mu.Unlock()
	if fn != nil {
		fn(op)
	}
}

// changed runs the hook, if any; m.mu must not be held.
func (m *FS) changed() {
	m.mu.Lock()
	fn := m.hook
	m.mu.Unlock()
	if fn != nil {
		fn()
	}
}

// step counts one call of op and returns the error injected for it, if
// any. m.mu must be held.
func (m *FS) step(op Op) error {
	m.counts[op]++
	for i, f := range m.faults {
		if f.op == op && f.at == m.counts[op] {
			m.faults = append(m.faults[:i], m.faults[i+1:]...)
			return f.err
		}
	}
	return nil
}

func clean(name string) string { return filepath.Clean(name) }

func pathErr(op, name string, err error) error {
	return &fs.PathError{Op: op, Path: name, Err: err}
}

// parentExists reports whether name's directory exists. m.mu must be held.
func (m *FS) parentExists(name string) bool { return m.dirs[filepath.Dir(name)] }

// Create creates or truncates a file for writing.
func (m *FS) Create(name string) (persistence.File, error) {
	return m.open("create", clean(name), true /* truncate */)
}

// Append opens a file for appending, creating it if needed.
func (m *FS) Append(name string) (persistence.File, error) {
	return m.open("append", clean(name), false /* truncate */)
}

func (m *FS) open(op, name string, truncate bool) (persistence.File, error) {
	m.starting(OpCreate)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(OpCreate); err != nil {
		return nil, pathErr(op, name, err)
	}
	if !m.parentExists(name) {
		return nil, pathErr(op, name, fs.ErrNotExist)
	}
	if m.dirs[name] {
		return nil, pathErr(op, name, errors.New("is a directory"))
	}
	n := m.entries[name]
	if n == nil {
		n = &inode{}
		m.entries[name] = n
	} else if truncate {
		n.data = nil
	}
	return &file{fs: m, node: n, name: name}, nil
}

// Open opens a file for reading; it reads the contents as they are when
// opened.
func (m *FS) Open(name string) (io.ReadCloser, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.entries[name]
	if n == nil {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	return io.NopCloser(bytes.NewReader(bytes.Clone(n.data))), nil
}

// Rename moves a file to another name, replacing what was there.
func (m *FS) Rename(from, to string) error {
	from, to = clean(from), clean(to)
	m.starting(OpRename)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(OpRename); err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	n := m.entries[from]
	if n == nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: fs.ErrNotExist}
	}
	if !m.parentExists(to) {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: fs.ErrNotExist}
	}
	delete(m.entries, from)
	m.entries[to] = n
	return nil
}

// Remove removes a file.
func (m *FS) Remove(name string) error {
	name = clean(name)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.entries[name] == nil {
		return pathErr("remove", name, fs.ErrNotExist)
	}
	delete(m.entries, name)
	return nil
}

// Size returns a file's size.
func (m *FS) Size(name string) (int64, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.entries[name]
	if n == nil {
		return 0, pathErr("stat", name, fs.ErrNotExist)
	}
	return int64(len(n.data)), nil
}

// Truncate cuts a file to size bytes (or extends it with zeros).
func (m *FS) Truncate(name string, size int64) error {
	name = clean(name)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.entries[name]
	if n == nil {
		return pathErr("truncate", name, fs.ErrNotExist)
	}
	if size < 0 {
		return pathErr("truncate", name, fs.ErrInvalid)
	}
	if int(size) <= len(n.data) {
		n.data = n.data[:size:size]
	} else {
		n.data = append(n.data[:len(n.data):len(n.data)], make([]byte, int(size)-len(n.data))...)
	}
	return nil
}

// MkdirAll makes a directory and its parents; they are durable at once.
func (m *FS) MkdirAll(dir string) error {
	dir = clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	for d := dir; !m.dirs[d]; d = filepath.Dir(d) {
		if m.entries[d] != nil {
			return pathErr("mkdir", d, errors.New("not a directory"))
		}
		m.dirs[d] = true
	}
	return nil
}

// SyncDir makes the entries of dir (creations, renames, removals) durable.
func (m *FS) SyncDir(dir string) error {
	dir = clean(dir)
	m.starting(OpSyncDir)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if err := m.step(OpSyncDir); err != nil {
		return pathErr("sync", dir, err)
	}
	if !m.dirs[dir] {
		return pathErr("sync", dir, fs.ErrNotExist)
	}
	saved := map[string]*inode{}
	for name, n := range m.entries {
		if filepath.Dir(name) == dir {
			saved[name] = n
		}
	}
	m.durable[dir] = saved
	return nil
}

// Crash returns the file system as a power cut now could leave it: the
// durable namespace, each file holding its synced bytes plus a random
// prefix of what was written after (see the package comment). m itself is
// unchanged; the copy draws its own randomness from m's.
func (m *FS) Crash() *FS {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := New(m.rnd.Uint64())
	for d := range m.dirs {
		c.dirs[d] = true
	}
	// Files reached through several durable names (a rename not yet made
	// durable) keep one content.
	kept := map[*inode]*inode{}
	for _, dir := range sortedKeys(m.durable) {
		for _, name := range sortedKeys(m.durable[dir]) {
			n := m.durable[dir][name]
			if kept[n] == nil {
				data := m.crashContents(n)
				kept[n] = &inode{data: data, durable: bytes.Clone(data)}
			}
			c.entries[name] = kept[n]
		}
		c.durable[dir] = map[string]*inode{}
		for name := range m.durable[dir] {
			c.durable[dir][name] = c.entries[name]
		}
	}
	return c
}

// crashContents is what a crash leaves of n: its synced bytes, and a random
// prefix of the bytes written after them. When the file was truncated or
// rewritten since its last sync, the bytes it still shares with its synced
// contents are kept, and then either the rest of the synced contents (the
// truncation did not reach the disk) or a random prefix of the new bytes.
// m.mu must be held.
func (m *FS) crashContents(n *inode) []byte {
	common := 0
	for common < len(n.data) && common < len(n.durable) && n.data[common] == n.durable[common] {
		common++
	}
	if common < len(n.durable) && m.rnd.IntN(2) == 0 {
		return bytes.Clone(n.durable)
	}
	return bytes.Clone(n.data[:common+m.rnd.IntN(len(n.data)-common+1)])
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// ReadFile returns a file's contents as they are now.
func (m *FS) ReadFile(name string) ([]byte, error) {
	name = clean(name)
	m.mu.Lock()
	defer m.mu.Unlock()
	n := m.entries[name]
	if n == nil {
		return nil, pathErr("open", name, fs.ErrNotExist)
	}
	return bytes.Clone(n.data), nil
}

// WriteFile creates name holding data, synced, and makes its directory
// entry durable: a file that was on disk before the test began.
func (m *FS) WriteFile(name string, data []byte) error {
	name = clean(name)
	if err := m.MkdirAll(filepath.Dir(name)); err != nil {
		return err
	}
	m.mu.Lock()
	n := &inode{data: bytes.Clone(data), durable: bytes.Clone(data)}
	m.entries[name] = n
	m.mu.Unlock()
	return m.SyncDir(filepath.Dir(name))
}

// List returns the names of the files in dir, sorted.
func (m *FS) List(dir string) []string {
	dir = clean(dir)
	m.mu.Lock()
	defer m.mu.Unlock()
	var names []string
	for name := range m.entries {
		if filepath.Dir(name) == dir {
			names = append(names, filepath.Base(name))
		}
	}
	sort.Strings(names)
	return names
}

// file is an open file; writes go to the end of its inode.
type file struct {
	fs     *FS
	node   *inode
	name   string
	closed bool
}

func (f *file) Write(p []byte) (int, error) {
	m := f.fs
	m.starting(OpWrite)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return 0, pathErr("write", f.name, os.ErrClosed)
	}
	if err := m.step(OpWrite); err != nil {
		n := m.rnd.IntN(len(p) + 1)
		f.node.data = append(f.node.data, p[:n]...)
		return n, pathErr("write", f.name, err)
	}
	f.node.data = append(f.node.data, p...)
	return len(p), nil
}

func (f *file) Sync() error {
	m := f.fs
	m.starting(OpSync)
	defer m.changed()
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return pathErr("sync", f.name, os.ErrClosed)
	}
	if err := m.step(OpSync); err != nil {
		return pathErr("sync", f.name, err)
	}
	// No operation changes bytes already written (writes append, a
	// truncation reslices), so the synced contents can share the array.
	f.node.durable = f.node.data[:len(f.node.data):len(f.node.data)]
	return nil
}

func (f *file) Close() error {
	m := f.fs
	m.mu.Lock()
	defer m.mu.Unlock()
	if f.closed {
		return pathErr("close", f.name, os.ErrClosed)
	}
	f.closed = true
	return nil
}

// String describes the file system, for failure messages.
func (m *FS) String() string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var b bytes.Buffer
	for _, name := range sortedKeys(m.entries) {
		n := m.entries[name]
		fmt.Fprintf(&b, "%s: %d bytes (%d synced)\n", name, len(n.data), len(n.durable))
	}
	return b.String()
}

var _ persistence.FS = (*FS)(nil)
