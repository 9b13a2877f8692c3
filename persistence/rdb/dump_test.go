package rdb

import (
	"encoding/binary"
	"strconv"
	"strings"
	"testing"

	"redis-fast/persistence/crc64"
	"redis-fast/proto"
)

// logged returns the write log's commands since the last call, each as its
// arguments joined by spaces.
func (x *tester) logged() []string {
	x.t.Helper()
	raw, _ := x.ks.Log.Drain(nil)
	var out []string
	var p proto.Parser
	for off := 0; off < len(raw); {
		args, n, _, err := p.Parse(raw[off:])
		if err != nil || n == 0 {
			x.t.Fatalf("write log does not parse at %d: %q", off, raw[off:])
		}
		words := make([]string, len(args))
		for i, a := range args {
			words[i] = string(a)
		}
		if words[0] != "SELECT" {
			out = append(out, strings.Join(words, " "))
		}
		off += n
	}
	return out
}

func (x *tester) expect(args []string, want string) {
	x.t.Helper()
	if got := x.do(0, args...); got != want {
		x.t.Errorf("%q\n  got  %q\n  want %q", args, got, want)
	}
}

func TestDumpRestore(t *testing.T) {
	x := newTester(t)
	x.ks.Log.Enable()
	x.do(0, "SET", "s", "value")
	x.do(0, "RPUSH", "l", "a", "b")
	x.logged()
	payload, ok := x.query(0, "DUMP", "s").(string)
	if !ok {
		t.Fatal("DUMP returned no payload")
	}
	// The payload: type 0, the string, version 10, CRC64 of the rest.
	body := payload[:len(payload)-10]
	if body != "\x00\x05value" || binary.LittleEndian.Uint16([]byte(payload[len(body):])) != 10 ||
		binary.LittleEndian.Uint64([]byte(payload[len(payload)-8:])) != crc64.Checksum([]byte(payload[:len(payload)-8])) {
		t.Fatalf("DUMP payload % x", payload)
	}
	x.expect([]string{"DUMP", "missing"}, "$-1\r\n")
	listPayload := x.query(0, "DUMP", "l").(string)

	badSum := payload[:len(payload)-1] + string(payload[len(payload)-1]^1)
	v11 := []byte(payload)
	v11[len(body)] = 11
	binary.LittleEndian.PutUint64(v11[len(v11)-8:], crc64.Checksum(v11[:len(v11)-8]))
	badData := []byte("\x00\x3fval") // 63 bytes promised: more than the payload, footer included
	badData = binary.LittleEndian.AppendUint16(badData, 10)
	badData = binary.LittleEndian.AppendUint64(badData, crc64.Checksum(badData))
	badType := []byte("\x08\x05value")
	badType = binary.LittleEndian.AppendUint16(badType, 10)
	badType = binary.LittleEndian.AppendUint64(badType, crc64.Checksum(badType))

	cases := []struct {
		name string
		args []string
		want string
	}{
		{name: "busy key", args: []string{"RESTORE", "s", "0", payload}, want: "-BUSYKEY Target key name already exists.\r\n"},
		{name: "negative ttl", args: []string{"RESTORE", "new", "-1", payload}, want: "-ERR Invalid TTL value, must be >= 0\r\n"},
		{name: "ttl not a number", args: []string{"RESTORE", "new", "abc", payload}, want: "-ERR value is not an integer or out of range\r\n"},
		{name: "short payload", args: []string{"RESTORE", "new", "0", "x"}, want: "-ERR DUMP payload version or checksum are wrong\r\n"},
		{name: "bad checksum", args: []string{"RESTORE", "new", "0", badSum}, want: "-ERR DUMP payload version or checksum are wrong\r\n"},
		{name: "newer version", args: []string{"RESTORE", "new", "0", string(v11)}, want: "-ERR DUMP payload version or checksum are wrong\r\n"},
		{name: "bad data", args: []string{"RESTORE", "new", "0", string(badData)}, want: "-ERR Bad data format\r\n"},
		{name: "bad type", args: []string{"RESTORE", "new", "0", string(badType)}, want: "-ERR Bad data format\r\n"},
		{name: "unknown option", args: []string{"RESTORE", "new", "0", payload, "NOPE"}, want: "-ERR syntax error\r\n"},
		{name: "option before busy check", args: []string{"RESTORE", "s", "0", payload, "REPLACE", "junk"}, want: "-ERR syntax error\r\n"},
		{name: "idletime without value", args: []string{"RESTORE", "new", "0", payload, "IDLETIME"}, want: "-ERR syntax error\r\n"},
		{name: "idletime negative", args: []string{"RESTORE", "new", "0", payload, "IDLETIME", "-1"}, want: "-ERR Invalid IDLETIME value, must be >= 0\r\n"},
		{name: "idletime not a number", args: []string{"RESTORE", "new", "0", payload, "IDLETIME", "x"}, want: "-ERR value is not an integer or out of range\r\n"},
		{name: "freq too big", args: []string{"RESTORE", "new", "0", payload, "FREQ", "256"}, want: "-ERR Invalid FREQ value, must be >= 0 and <= 255\r\n"},
		{name: "idletime and freq", args: []string{"RESTORE", "new", "0", payload, "IDLETIME", "1", "FREQ", "1"}, want: "-ERR syntax error\r\n"},
		{name: "arity", args: []string{"RESTORE", "new", "0"}, want: "-ERR wrong number of arguments for 'restore' command\r\n"},
	}
	for _, tc := range cases {
		if got := x.do(0, tc.args...); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
	if got := x.logged(); len(got) != 0 {
		t.Errorf("refused RESTOREs logged %q", got)
	}

	// Success, with a relative TTL propagated as an absolute one.
	x.expect([]string{"RESTORE", "copy", "5000", payload}, "+OK\r\n")
	x.expect([]string{"GET", "copy"}, "$5\r\nvalue\r\n")
	x.expect([]string{"PEXPIRETIME", "copy"}, ":"+strconv.FormatInt(testNow+5000, 10)+"\r\n")
	if got := x.logged(); len(got) != 1 || got[0] != "RESTORE copy "+strconv.FormatInt(testNow+5000, 10)+" "+payload+" ABSTTL" {
		t.Errorf("logged %q", got)
	}
	// REPLACE of another type; ABSTTL kept as given.
	x.expect([]string{"RESTORE", "s", strconv.FormatInt(testNow+9000, 10), listPayload, "REPLACE", "ABSTTL"}, "+OK\r\n")
	x.expect([]string{"LRANGE", "s", "0", "-1"}, "*2\r\n$1\r\na\r\n$1\r\nb\r\n")
	x.expect([]string{"PEXPIRETIME", "s"}, ":"+strconv.FormatInt(testNow+9000, 10)+"\r\n")
	x.logged()
	// A TTL already in the past: the replaced key is deleted, as DEL.
	x.expect([]string{"RESTORE", "s", "1000", payload, "REPLACE", "ABSTTL"}, "+OK\r\n")
	x.expect([]string{"EXISTS", "s"}, ":0\r\n")
	if got := x.logged(); len(got) != 1 || got[0] != "DEL s" {
		t.Errorf("expired RESTORE logged %q", got)
	}
	// ... and nothing at all when there was no key.
	x.expect([]string{"RESTORE", "s", "1000", payload, "ABSTTL"}, "+OK\r\n")
	x.expect([]string{"EXISTS", "s"}, ":0\r\n")
	if got := x.logged(); len(got) != 0 {
		t.Errorf("expired RESTORE of a new key logged %q", got)
	}
	// IDLETIME sets the access time; FREQ is accepted and has no effect.
	x.expect([]string{"RESTORE", "idle", "0", payload, "IDLETIME", "120"}, "+OK\r\n")
	x.expect([]string{"OBJECT", "IDLETIME", "idle"}, ":120\r\n")
	x.expect([]string{"RESTORE", "freq", "0", payload, "freq", "10"}, "+OK\r\n")
	x.expect([]string{"GET", "freq"}, "$5\r\nvalue\r\n")
}

// TestDumpPayloadVersions: payloads of RDB 10 and older are accepted (an
// older Redis's DUMP), newer ones refused, as Redis 7.0 does.
func TestDumpPayloadVersions(t *testing.T) {
	x := newTester(t)
	for v := uint16(1); v <= 11; v++ {
		p := binary.LittleEndian.AppendUint16([]byte("\x00\x02hi"), v)
		p = binary.LittleEndian.AppendUint64(p, crc64.Checksum(p))
		_, err := DecodeDump(p, x.ks)
		if (v <= 10) != (err == nil) {
			t.Errorf("version %d: %v", v, err)
		}
	}
}
