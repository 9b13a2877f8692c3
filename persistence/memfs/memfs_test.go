package memfs

import (
	"bytes"
	"errors"
	"flag"
	"io"
	"math/rand/v2"
	"os"
	"testing"

	"redis-fast/persistence"
)

var seedFlag = flag.Uint64("seed", 0, "random seed (0: a new one each run)")

func seed(t *testing.T) uint64 {
	t.Helper()
	s := *seedFlag
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (rerun with -seed %d)", s, s)
	return s
}

func mustWrite(t *testing.T, f persistence.File, s string) {
	t.Helper()
	if _, err := f.Write([]byte(s)); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, m *FS, name string) (string, bool) {
	t.Helper()
	r, err := m.Open(name)
	if errors.Is(err, os.ErrNotExist) {
		return "", false
	}
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b), true
}

func TestCrashKeepsSyncedAndAPrefixOfTheRest(t *testing.T) {
	s := seed(t)
	for i := range 200 {
		m := New(s + uint64(i))
		m.MkdirAll("/d")
		f, _ := m.Append("/d/f")
		mustWrite(t, f, "synced|")
		f.Sync()
		m.SyncDir("/d")
		mustWrite(t, f, "not synced")
		got, ok := read(t, m.Crash(), "/d/f")
		if !ok {
			t.Fatalf("iteration %d: the file is gone", i)
		}
		if !bytes.HasPrefix([]byte("synced|not synced"), []byte(got)) || len(got) < len("synced|") {
			t.Fatalf("iteration %d: the crash left %q", i, got)
		}
	}
}

func TestCrashForgetsUnsyncedDirectoryEntries(t *testing.T) {
	m := New(seed(t))
	m.MkdirAll("/d")
	for _, name := range []string{"/d/old", "/d/gone"} {
		f, _ := m.Create(name)
		mustWrite(t, f, name)
		f.Sync()
		f.Close()
	}
	m.SyncDir("/d")
	f, _ := m.Create("/d/new.tmp")
	mustWrite(t, f, "new")
	f.Sync()
	f.Close()
	m.Rename("/d/new.tmp", "/d/old")
	m.Remove("/d/gone")

	c := m.Crash()
	if got, _ := read(t, c, "/d/old"); got != "/d/old" {
		t.Errorf("before SyncDir: /d/old holds %q, want the old contents", got)
	}
	if _, ok := read(t, c, "/d/gone"); !ok {
		t.Errorf("before SyncDir: the removal of /d/gone survived the crash")
	}
	if _, ok := read(t, c, "/d/new.tmp"); ok {
		t.Errorf("before SyncDir: /d/new.tmp, never made durable, survived the crash")
	}

	m.SyncDir("/d")
	c = m.Crash()
	if got, _ := read(t, c, "/d/old"); got != "new" {
		t.Errorf("after SyncDir: /d/old holds %q, want %q", got, "new")
	}
	if _, ok := read(t, c, "/d/gone"); ok {
		t.Errorf("after SyncDir: /d/gone is back")
	}
}

func TestCrashOfACrash(t *testing.T) {
	m := New(seed(t))
	if err := m.WriteFile("/d/f", []byte("abc")); err != nil {
		t.Fatal(err)
	}
	c := m.Crash().Crash()
	if got, _ := read(t, c, "/d/f"); got != "abc" {
		t.Errorf("got %q, want abc", got)
	}
	// The copy is a file system of its own.
	f, _ := c.Append("/d/f")
	mustWrite(t, f, "def")
	if got, _ := read(t, m, "/d/f"); got != "abc" {
		t.Errorf("writing the copy changed the original: %q", got)
	}
}

func TestInject(t *testing.T) {
	m := New(seed(t))
	m.MkdirAll("/d")
	boom := errors.New("boom")
	m.Inject(OpWrite, 2, boom)
	m.Inject(OpSync, 1, boom)
	m.Inject(OpRename, 1, boom)
	f, _ := m.Create("/d/f")
	if _, err := f.Write([]byte("one")); err != nil {
		t.Errorf("first write: %v", err)
	}
	if n, err := f.Write([]byte("two")); !errors.Is(err, boom) || n > 3 {
		t.Errorf("second write: n=%d err=%v, want the injected error", n, err)
	}
	if _, err := f.Write([]byte("three")); err != nil {
		t.Errorf("third write: %v", err)
	}
	if err := f.Sync(); !errors.Is(err, boom) {
		t.Errorf("sync: %v, want the injected error", err)
	}
	if err := f.Sync(); err != nil {
		t.Errorf("second sync: %v", err)
	}
	if err := m.Rename("/d/f", "/d/g"); !errors.Is(err, boom) {
		t.Errorf("rename: %v, want the injected error", err)
	}
	if _, ok := read(t, m, "/d/f"); !ok {
		t.Errorf("a failed rename moved the file")
	}
	if got := m.Count(OpWrite); got != 3 {
		t.Errorf("Count(OpWrite) = %d, want 3", got)
	}
}

func TestClosedFile(t *testing.T) {
	m := New(seed(t))
	m.MkdirAll("/d")
	f, _ := m.Create("/d/f")
	f.Close()
	if _, err := f.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after close: %v, want os.ErrClosed", err)
	}
	if err := f.Sync(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("sync after close: %v, want os.ErrClosed", err)
	}
}

func TestMissing(t *testing.T) {
	m := New(seed(t))
	if _, err := m.Open("/nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Open: %v", err)
	}
	if _, err := m.Size("/nope"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Size: %v", err)
	}
	if _, err := m.Create("/no/dir/f"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Create in a missing directory: %v", err)
	}
	m.MkdirAll("/a/b")
	if _, err := m.Create("/a/b/f"); err != nil {
		t.Errorf("Create after MkdirAll: %v", err)
	}
}
