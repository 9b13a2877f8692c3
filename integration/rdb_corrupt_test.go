package integration

import (
	"bytes"
	"hash/crc64"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Damaged dumps: redis-fast refuses to start on a file that a real
// redis-server refuses too (a flipped byte, a cut, another version,
// garbage, a malformed value under a good checksum), with an error that
// names the file and the problem, never a panic, and leaves the file as it
// was. The files are built here byte by byte.

// redisCRC64 is Redis's CRC-64: Jones polynomial, reflected, no final xor.
func redisCRC64(b []byte) uint64 {
	return ^crc64.Update(^uint64(0), crc64.MakeTable(0x95AC9329AC4BC9B5), b)
}

// appendLE appends the n low bytes of v, little-endian.
func appendLE(b []byte, v uint64, n int) []byte {
	for i := 0; i < n; i++ {
		b = append(b, byte(v>>(8*i)))
	}
	return b
}

// rdbFile is an RDB 10 file of body (what follows the header, up to the
// EOF opcode), with its checksum.
func rdbFile(body string) []byte {
	b := append([]byte("REDIS0010"+body), 0xff)
	return appendLE(b, redisCRC64(b), 8)
}

// refusedStart runs redis-fast on dir, which must refuse to start: it exits
// with an error before accepting connections, without a panic, and its log
// says each of want. The save points would write the dump at a shutdown
// that followed a half load; the caller checks the file is untouched.
func refusedStart(t *testing.T, dir string, want ...string) {
	t.Helper()
	out, err := runBinary(t, "--port", strconv.Itoa(freePort(t)), "--dir", dir, "--save", "3600 1")
	if err == nil {
		t.Fatalf("redis-fast started (or did not exit) on the damaged dump:\n%s", out)
	}
	if strings.Contains(out, "Ready to accept connections") {
		t.Errorf("redis-fast accepted connections before failing:\n%s", out)
	}
	if strings.Contains(out, "panic") || strings.Contains(out, "goroutine ") {
		t.Errorf("redis-fast panicked on the damaged dump:\n%s", out)
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("the log does not say %q:\n%s", w, out)
		}
	}
}

// redisRefuses checks that a real redis-server refuses dir/dump.rdb too, so
// the case is a damaged file by Redis's own standard.
func redisRefuses(t *testing.T, dir string) {
	t.Helper()
	cmd := exec.Command(redisServerPath(t), "--port", strconv.Itoa(freePort(t)), "--bind", "127.0.0.1",
		"--dir", dir, "--dbfilename", "dump.rdb", "--save", "", "--appendonly", "no")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err == nil {
			t.Errorf("redis-server exited cleanly on the file:\n%s", out.String())
		}
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		<-done
		t.Errorf("redis-server accepted the file: it is no damaged dump by Redis's standard:\n%s", out.String())
	}
}

// TestRDBCorruptAtStartup: a damaged dump (a flipped byte, a cut, another
// version, garbage, a malformed value under a good checksum) stops
// redis-fast at start-up with an error in the log that names the file and
// the problem, never a panic, and the file is left as it was. A real
// redis-server refuses each file too.
func TestRDBCorruptAtStartup(t *testing.T) {
	redisServerPath(t)
	dir := t.TempDir()
	p := startServerIn(t, dir, "--save", "")
	fillFixture(t, p.Addr(), fixtureDeadline())
	if got := dialRaw(t, p.Addr()).Do("SAVE"); got != "+OK\r\n" {
		t.Fatalf("SAVE: %q", got)
	}
	p.Stop()
	good, err := os.ReadFile(dumpPath(dir))
	if err != nil {
		t.Fatal(err)
	}
	canary := bytes.Index(good, []byte("canary-0123456789"))
	if canary < 0 {
		t.Fatal("the dump does not hold the canary string verbatim")
	}
	flip := func(i int) []byte {
		b := bytes.Clone(good)
		b[i] ^= 0x01
		return b
	}
	rng := rand.New(rand.NewPCG(1, 2))
	noise := make([]byte, 4096)
	for i := range noise {
		noise[i] = byte(rng.IntN(256))
	}
	noise[0] = 'X' // never "REDIS"
	db0 := "\xfe\x00\xfb"
	for _, tc := range []struct {
		name string
		data []byte
		want []string
	}{
		{"flipped_byte_in_a_value", flip(canary + 3), []string{"checksum"}},
		{"flipped_byte_in_the_checksum", flip(len(good) - 1), []string{"checksum"}},
		{"empty", []byte{}, []string{"end of file"}},
		{"cut_inside_the_header", good[:5], []string{"end of file"}},
		{"cut_after_the_header", good[:9], []string{"end of file"}},
		{"cut_in_the_middle", good[:len(good)/2], []string{"end of file"}},
		{"cut_before_the_checksum", good[:len(good)-8], []string{"end of file"}},
		{"cut_one_byte_short", good[:len(good)-1], []string{"end of file"}},
		{"version_99", append([]byte("REDIS0099"), good[9:]...), []string{"version"}},
		{"version_12", append([]byte("REDIS0012"), good[9:]...), []string{"version"}},
		{"garbage", noise, []string{"not an RDB file"}},
		{"garbage_after_the_header", append([]byte("REDIS0010"), noise...), nil},
		{"unknown_value_type", rdbFile(db0 + "\x01\x00" + "\x3f\x01k\x01v"), []string{"type"}},
		{"duplicated_key", rdbFile(db0 + "\x02\x00" + "\x00\x01k\x01v" + "\x00\x01k\x01w"), []string{"duplicate"}},
		{"listpack_of_the_wrong_size", rdbFile(db0 + "\x01\x00" + "\x10\x01h" + "\x07\x63\x00\x00\x00\x00\x00\xff"), []string{"listpack"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := os.WriteFile(dumpPath(dir), tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			refusedStart(t, dir, append([]string{"dump.rdb"}, tc.want...)...)
			if now, _ := os.ReadFile(dumpPath(dir)); !bytes.Equal(now, tc.data) {
				t.Errorf("the refused start changed dump.rdb")
			}
			if tmp, _ := filepath.Glob(filepath.Join(dir, "temp-*.rdb")); len(tmp) > 0 {
				t.Errorf("the refused start wrote %v", tmp)
			}
			redisRefuses(t, dir)
		})
	}
}
