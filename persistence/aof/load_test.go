package aof

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"

	"redis-fast/persistence/memfs"
)

// recorder is a LoadConfig.Exec that records the commands it is given.
type recorder struct{ cmds []string }

func (r *recorder) exec(argv [][]byte) error {
	r.cmds = append(r.cmds, string(bytes.Join(argv, []byte(" "))))
	return nil
}

const twoFiles = "file appendonly.aof.1.base.aof seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n"

func loadRecorded(fsys *memfs.FS, truncated bool) ([]string, error) {
	var r recorder
	var notes []string
	_, err := Load(LoadConfig{
		FS: fsys, Dir: testDir, Prefix: testPrefix, Exec: r.exec, Truncated: truncated,
		LoadRDB: func(io.Reader) error { return errors.New("no RDB here") },
		Logf:    func(format string, args ...any) { notes = append(notes, fmt.Sprintf(format, args...)) },
	})
	return r.cmds, err
}

// TestLoadTruncatedAtEveryOffset cuts the last file inside its last command
// at every byte: with aof-load-truncated yes each load drops exactly that
// command and truncates the file where it began; with no, each is refused.
func TestLoadTruncatedAtEveryOffset(t *testing.T) {
	base := frames([]string{"SELECT", "0"}, []string{"SET", "base", "1"})
	head := frames([]string{"SET", "a", "1"}, []string{"RPUSH", "l", "x", "y"})
	last := frame("HSET", "h", "field", "a value\r\nwith a line break")
	want := []string{"SELECT 0", "SET base 1", "SET a 1", "RPUSH l x y"}
	for cut := 1; cut < len(last); cut++ {
		incr := append(append([]byte(nil), head...), last[:cut]...)
		name := fmt.Sprintf("cut=%d/%d", cut, len(last))
		t.Run(name, func(t *testing.T) {
			fsys := memfs.New(1)
			writeAOF(t, fsys, twoFiles, map[string][]byte{
				"appendonly.aof.1.base.aof": base,
				"appendonly.aof.1.incr.aof": incr,
			})
			got, err := loadRecorded(fsys, true /* truncated */)
			if err != nil {
				t.Fatalf("aof-load-truncated yes: %v", err)
			}
			if strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("ran %q, want %q", got, want)
			}
			after, _ := fsys.ReadFile(filepath.Join(testDir, "appendonly.aof.1.incr.aof"))
			if !bytes.Equal(after, head) {
				t.Errorf("the file was left at %d bytes, want it cut to %d", len(after), len(head))
			}

			fsys = memfs.New(1)
			writeAOF(t, fsys, twoFiles, map[string][]byte{
				"appendonly.aof.1.base.aof": base,
				"appendonly.aof.1.incr.aof": incr,
			})
			_, err = loadRecorded(fsys, false /* truncated */)
			if !errors.Is(err, ErrTruncated) || !IsCorrupt(err) {
				t.Fatalf("aof-load-truncated no: err = %v, want ErrTruncated", err)
			}
			if !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") || !strings.Contains(err.Error(), fmt.Sprint(len(head))) {
				t.Errorf("the error %q names neither the file nor the offset %d", err, len(head))
			}
			if after, _ := fsys.ReadFile(filepath.Join(testDir, "appendonly.aof.1.incr.aof")); !bytes.Equal(after, incr) {
				t.Errorf("a refused load changed the file")
			}
		})
	}
}

// TestLoadTruncatedNotLast: only the last file may be cut short; a base cut
// short before the incremental files is refused even with
// aof-load-truncated yes, as in Redis.
func TestLoadTruncatedNotLast(t *testing.T) {
	base := frames([]string{"SET", "a", "1"}, []string{"SET", "b", "2"})
	fsys := memfs.New(1)
	writeAOF(t, fsys, twoFiles, map[string][]byte{
		"appendonly.aof.1.base.aof": base[:len(base)-3],
		"appendonly.aof.1.incr.aof": frame("SET", "c", "3"),
	})
	_, err := loadRecorded(fsys, true /* truncated */)
	if !errors.Is(err, ErrTruncated) || !strings.Contains(err.Error(), "appendonly.aof.1.base.aof") {
		t.Fatalf("err = %v, want ErrTruncated naming the base", err)
	}
}

func TestLoadCorruptInTheMiddle(t *testing.T) {
	good := frames([]string{"SET", "a", "1"}, []string{"SET", "b", "2"})
	tail := frame("SET", "c", "3")
	tests := []struct {
		name    string
		garbage string
	}{
		{name: "a line that is not a command", garbage: "hello world\r\n"},
		{name: "an empty line", garbage: "\r\n"},
		{name: "a bad multibulk count", garbage: "*x\r\n"},
		{name: "a bulk without its dollar", garbage: "*1\r\n:3\r\nfoo\r\n"},
		{name: "a bad bulk length", garbage: "*1\r\n$-5\r\n"},
	}
	for _, tt := range tests {
		for _, truncated := range []bool{true, false} {
			t.Run(fmt.Sprintf("%s/truncated=%v", tt.name, truncated), func(t *testing.T) {
				fsys := memfs.New(1)
				incr := append(append(append([]byte(nil), good...), tt.garbage...), tail...)
				writeAOF(t, fsys, twoFiles, map[string][]byte{
					"appendonly.aof.1.base.aof": frame("SET", "base", "0"),
					"appendonly.aof.1.incr.aof": incr,
				})
				_, err := loadRecorded(fsys, truncated)
				if !errors.Is(err, ErrCorrupt) || !IsCorrupt(err) {
					t.Fatalf("err = %v, want ErrCorrupt", err)
				}
				at := fmt.Sprintf("offset %d", len(good))
				if !strings.Contains(err.Error(), at) || !strings.Contains(err.Error(), "appendonly.aof.1.incr.aof") {
					t.Errorf("the error %q does not name the file and %q", err, at)
				}
				if after, _ := fsys.ReadFile(filepath.Join(testDir, "appendonly.aof.1.incr.aof")); !bytes.Equal(after, incr) {
					t.Errorf("a refused load changed the file")
				}
			})
		}
	}
}

func TestLoadIncompleteMultiIsReverted(t *testing.T) {
	head := frames([]string{"SET", "a", "1"}, []string{"MULTI"}, []string{"SET", "b", "2"}, []string{"EXEC"})
	open := frames([]string{"MULTI"}, []string{"SET", "c", "3"}, []string{"INCR", "n"})
	for _, cut := range []int{len(open), len(open) - 2} {
		t.Run(fmt.Sprintf("cut=%d", cut), func(t *testing.T) {
			fsys := memfs.New(1)
			incr := append(append([]byte(nil), head...), open[:cut]...)
			writeAOF(t, fsys, twoFiles, map[string][]byte{
				"appendonly.aof.1.base.aof": nil,
				"appendonly.aof.1.incr.aof": incr,
			})
			ks, _, err := loadInto(fsys, true /* truncated */)
			if err != nil {
				t.Fatal(err)
			}
			if got := dump(t, ks); strings.Contains(got, " c ") || strings.Contains(got, " n ") || !strings.Contains(got, " b ") {
				t.Errorf("after the load:\n%s\nwant a and b, and nothing of the open transaction", got)
			}
			if after, _ := fsys.ReadFile(filepath.Join(testDir, "appendonly.aof.1.incr.aof")); !bytes.Equal(after, head) {
				t.Errorf("the file was left at %d bytes, want it cut to %d, before the MULTI", len(after), len(head))
			}

			fsys = memfs.New(1)
			writeAOF(t, fsys, twoFiles, map[string][]byte{
				"appendonly.aof.1.base.aof": nil,
				"appendonly.aof.1.incr.aof": incr,
			})
			if _, _, err := loadInto(fsys, false /* truncated */); !errors.Is(err, ErrTruncated) {
				t.Errorf("aof-load-truncated no: err = %v, want ErrTruncated", err)
			}
		})
	}
}

func TestLoadSkipsAnnotations(t *testing.T) {
	incr := []byte("#TS:1700000000\r\n")
	incr = append(incr, frame("SET", "a", "1")...)
	incr = append(incr, "#TS:1700000001\r\n"...)
	incr = append(incr, frame("SET", "b", "2")...)
	incr = append(incr, "#TS:1700000002\r\n"...)
	fsys := memfs.New(1)
	writeAOF(t, fsys, twoFiles, map[string][]byte{
		"appendonly.aof.1.base.aof": frame("SET", "base", "0"),
		"appendonly.aof.1.incr.aof": incr,
	})
	got, err := loadRecorded(fsys, false /* truncated */)
	if err != nil {
		t.Fatal(err)
	}
	if want := "SET base 0|SET a 1|SET b 2"; strings.Join(got, "|") != want {
		t.Errorf("ran %q, want %q", strings.Join(got, "|"), want)
	}
}

// TestReplayChunks feeds replay its input in pieces of every kind (one
// byte at a time, half reads, a value bigger than its 1 MiB buffer) and
// checks that it runs the same commands as from one read.
func TestReplayChunks(t *testing.T) {
	small := frames([]string{"SELECT", "3"}, []string{"SET", "a", "1"})
	small = append(small, "#TS:1\r\n"...)
	small = append(small, frames([]string{"MULTI"}, []string{"RPUSH", "l", "a", "b"}, []string{"EXEC"})...)
	for i := range 200 {
		small = append(small, frame("INCR", fmt.Sprint("n", i%7))...)
	}
	large := append(frame("SET", "big", strings.Repeat("v", 3<<20)), small...)
	for i := range 20000 {
		large = append(large, frame("INCR", fmt.Sprint("n", i%7))...)
	}
	tests := []struct {
		name  string
		input []byte
		r     func([]byte) io.Reader
	}{
		{name: "one byte at a time", input: small, r: func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		{name: "half reads", input: small, r: func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
		{name: "data with EOF", input: small, r: func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
		{name: "large, half reads", input: large, r: func(b []byte) io.Reader { return iotest.HalfReader(bytes.NewReader(b)) }},
		{name: "large, data with EOF", input: large, r: func(b []byte) io.Reader { return iotest.DataErrReader(bytes.NewReader(b)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var whole, pieces recorder
			if _, err := replay(bytes.NewReader(tt.input), whole.exec); err != nil {
				t.Fatal(err)
			}
			n, err := replay(tt.r(tt.input), pieces.exec)
			if err != nil {
				t.Fatal(err)
			}
			if n != int64(len(tt.input)) {
				t.Errorf("replay consumed %d bytes, want %d", n, len(tt.input))
			}
			if strings.Join(pieces.cmds, "|") != strings.Join(whole.cmds, "|") {
				t.Errorf("ran %d commands, not those of a whole read (%d)", len(pieces.cmds), len(whole.cmds))
			}
		})
	}
}

func TestLoadErrorFromExecStops(t *testing.T) {
	fsys := memfs.New(1)
	writeAOF(t, fsys, twoFiles, map[string][]byte{
		"appendonly.aof.1.base.aof": frame("SET", "a", "1"),
		"appendonly.aof.1.incr.aof": frames([]string{"SET", "b", "2"}, []string{"NOSUCHCOMMAND", "x"}, []string{"SET", "c", "3"}),
	})
	ks, _, err := loadInto(fsys, true /* truncated */)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "NOSUCHCOMMAND") {
		t.Fatalf("err = %v, want ErrCorrupt naming the unknown command", err)
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("offset %d", len(frame("SET", "b", "2")))) {
		t.Errorf("the error %q does not name the command's offset", err)
	}
	_ = ks
}

func TestLoadMissingFiles(t *testing.T) {
	t.Run("no manifest: no AOF", func(t *testing.T) {
		fsys := memfs.New(1)
		fsys.MkdirAll(testDir)
		man, err := loadRecorded(fsys, true)
		if err != nil || man != nil {
			t.Errorf("Load = %v, %v; want nothing and no error", man, err)
		}
	})
	for _, missing := range []string{"appendonly.aof.1.base.aof", "appendonly.aof.1.incr.aof"} {
		t.Run("missing "+missing, func(t *testing.T) {
			fsys := memfs.New(1)
			files := map[string][]byte{
				"appendonly.aof.1.base.aof": frame("SET", "a", "1"),
				"appendonly.aof.1.incr.aof": frame("SET", "b", "2"),
			}
			delete(files, missing)
			writeAOF(t, fsys, twoFiles, files)
			_, err := loadRecorded(fsys, true)
			if !errors.Is(err, ErrMissing) || !IsCorrupt(err) || !strings.Contains(err.Error(), missing) {
				t.Errorf("err = %v, want ErrMissing naming %s", err, missing)
			}
		})
	}
	t.Run("bad manifest", func(t *testing.T) {
		fsys := memfs.New(1)
		writeAOF(t, fsys, "file x seq 1 type z\n", nil)
		_, err := loadRecorded(fsys, true)
		if !errors.Is(err, ErrManifest) {
			t.Errorf("err = %v, want ErrManifest", err)
		}
	})
}

func TestLoadRDBBase(t *testing.T) {
	fsys := memfs.New(1)
	writeAOF(t, fsys, "file appendonly.aof.1.base.rdb seq 1 type b\nfile appendonly.aof.1.incr.aof seq 1 type i\n",
		map[string][]byte{
			"appendonly.aof.1.base.rdb": []byte("REDIS0010..."),
			"appendonly.aof.1.incr.aof": frame("SET", "b", "2"),
		})
	var gotRDB []byte
	var rec recorder
	_, err := Load(LoadConfig{
		FS: fsys, Dir: testDir, Prefix: testPrefix, Exec: rec.exec,
		LoadRDB: func(r io.Reader) error { gotRDB, _ = io.ReadAll(r); return nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(gotRDB) != "REDIS0010..." || strings.Join(rec.cmds, "|") != "SET b 2" {
		t.Errorf("the RDB loader got %q and the commands were %q", gotRDB, rec.cmds)
	}
}
