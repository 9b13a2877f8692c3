package integration

import (
	"bufio"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"redis-fast/proto"
)

// TestDiff runs every script in testdata/diff against redis-fast and a real
// redis-server and compares the raw replies byte for byte.
//
// A script has one command per line, quoted as redis-cli quotes. Lines
// starting with '#' are comments, except these directives, which apply to
// the next command:
//
//	# sort          compare the reply as an unordered array
//	# error-prefix  compare only the error code (the first word) of an error
//	# ignore        run the command on both but compare nothing
//	# length        compare only the reply's type and length line
//	# inline        send the line as it is, as an inline command, instead
//	                of splitting it into a multibulk frame
//
//	# frames N      the command answers with N frames (SUBSCRIBE a b c):
//	                read and compare them all
//
// these, which act at once on the current connection:
//
//	# read          read one more frame (a message pushed to the connection)
//	                and compare it
//	# drain         send PING with a marker and compare everything that
//	                arrives before its answer: the messages published to the
//	                connection so far, however many (redis-fast delivers
//	                them from other reactors, so they are read up to a
//	                marker rather than counted)
//
// and these, which change the state of the script:
//
//	# conn N        send what follows on connection N (1, the default, to 9)
//	# resp3 / # resp2  switch the current connection's protocol with HELLO
//	# sync / # nosync  on the current connection, drain after every command,
//	                so a command's reply and every message it caused to be
//	                pushed to this connection (keyspace notifications to a
//	                subscribed RESP3 client) are compared together, in order
//
// Each script starts on empty servers, with notify-keyspace-events off.
func TestDiff(t *testing.T) {
	files, err := filepath.Glob("testdata/diff/*.txt")
	if err != nil || len(files) == 0 {
		t.Fatalf("no scripts in testdata/diff: %v", err)
	}
	redis := startRedis(t)
	fast := startServer(t, "--enable-debug-command", "yes")
	total := 0
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".txt"), func(t *testing.T) {
			total += runScript(t, file, redis.Addr(), fast.Addr())
		})
	}
	t.Logf("%d commands compared across %d scripts", total, len(files))
}

type diffPair struct {
	oracle, fast *rawConn
	sync         bool // drain after every command
	// inMulti: a sync connection is between MULTI and EXEC, where a PING
	// would be queued: its commands are read one reply each, and EXEC
	// drains.
	inMulti bool
}

// syncMarker is the PING argument whose answer ends a drain.
const syncMarker = "__diff_sync__"

// isSyncReply reports whether reply answers PING syncMarker, in RESP2,
// RESP3 or a RESP2 pub/sub context.
func isSyncReply(reply string) bool {
	bulk := "$" + strconv.Itoa(len(syncMarker)) + "\r\n" + syncMarker + "\r\n"
	return reply == bulk || reply == "*2\r\n$4\r\npong\r\n"+bulk
}

// readFrames reads n replies from c and returns them.
func readFrames(c *rawConn, n int) ([]string, error) {
	var out []string
	for i := 0; i < n; i++ {
		c.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
		r, err := readReply(c.r)
		if err != nil {
			return out, err
		}
		out = append(out, string(r))
	}
	return out, nil
}

// drainFrames sends PING syncMarker and returns every reply that arrives
// before its answer.
func drainFrames(c *rawConn) ([]string, error) {
	c.conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := c.conn.Write(encodeCommand("PING", syncMarker)); err != nil {
		return nil, err
	}
	var out []string
	for {
		r, err := readReply(c.r)
		if err != nil {
			return out, err
		}
		if isSyncReply(string(r)) {
			return out, nil
		}
		out = append(out, string(r))
	}
}

// sameFrames compares two lists of replies pairwise under mode; under
// "sort", several frames compare as a multiset (messages that several
// patterns match arrive in the order of Redis's hash table of patterns).
func sameFrames(mode string, want, got []string) bool {
	if mode == "ignore" {
		return true
	}
	if len(want) != len(got) {
		return false
	}
	if mode == "sort" && len(want) > 1 {
		want, got = slices.Clone(want), slices.Clone(got)
		sort.Strings(want)
		sort.Strings(got)
		mode = ""
	}
	for i := range want {
		if !sameReply(mode, want[i], got[i]) {
			return false
		}
	}
	return true
}

// runScript runs one script and returns the number of commands compared.
func runScript(t *testing.T, file, oracleAddr, fastAddr string) int {
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	conns := map[int]*diffPair{}
	conn := func(n int) *diffPair {
		if conns[n] == nil {
			conns[n] = &diffPair{oracle: dialRaw(t, oracleAddr), fast: dialRaw(t, fastAddr)}
		}
		return conns[n]
	}
	cur := conn(1)
	for _, c := range []*rawConn{cur.oracle, cur.fast} {
		c.Do("FLUSHALL")
		c.Do("CONFIG", "SET", "notify-keyspace-events", "")
	}
	mode := ""
	frames := 1
	compared := 0
	// exchange reads the answer of one step on both servers and compares.
	exchange := func(lineNo int, line string, read func(c *rawConn) ([]string, error)) {
		want, err := read(cur.oracle)
		if err != nil {
			t.Fatalf("%s:%d: %s: redis-server: %v (so far %q)", file, lineNo, line, err, want)
		}
		got, err := read(cur.fast)
		if err != nil {
			t.Fatalf("%s:%d: %s: redis-fast: %v (so far %q; redis replied %q)", file, lineNo, line, err, got, want)
		}
		if !sameFrames(mode, want, got) {
			t.Errorf("%s:%d: %s\n  redis:      %q\n  redis-fast: %q", file, lineNo, line, want, got)
		}
	}
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for lineNo := 1; sc.Scan(); lineNo++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "#") {
			word := strings.TrimSpace(strings.TrimPrefix(line, "#"))
			switch {
			case word == "sort" || word == "error-prefix" || word == "ignore" || word == "length" || word == "inline":
				mode = word
			case strings.HasPrefix(word, "conn "):
				n, err := strconv.Atoi(strings.TrimPrefix(word, "conn "))
				if err != nil {
					t.Fatalf("%s:%d: bad directive %q", file, lineNo, line)
				}
				cur = conn(n)
			case strings.HasPrefix(word, "frames "):
				n, err := strconv.Atoi(strings.TrimPrefix(word, "frames "))
				if err != nil || n < 1 {
					t.Fatalf("%s:%d: bad directive %q", file, lineNo, line)
				}
				frames = n
			case word == "read":
				exchange(lineNo, line, func(c *rawConn) ([]string, error) { return readFrames(c, 1) })
				compared++
				mode = ""
			case word == "drain":
				exchange(lineNo, line, drainFrames)
				compared++
				mode = ""
			case word == "sync" || word == "nosync":
				cur.sync = word == "sync"
			case word == "resp3" || word == "resp2":
				cur.oracle.Do("HELLO", word[4:])
				cur.fast.Do("HELLO", word[4:])
			}
			continue
		}
		frame := []byte(line + "\r\n")
		if mode != "inline" {
			frame = encodeCommand(splitLine(t, file, lineNo, line)...)
		}
		n, drain := frames, cur.sync
		if cur.sync {
			name := strings.ToUpper(strings.Fields(line)[0])
			switch {
			case name == "MULTI" || cur.inMulti && name != "EXEC" && name != "DISCARD":
				drain, cur.inMulti = false, true
			case name == "EXEC" || name == "DISCARD":
				cur.inMulti = false
			}
		}
		exchange(lineNo, line, func(c *rawConn) ([]string, error) {
			c.conn.SetWriteDeadline(time.Now().Add(10 * time.Second))
			if _, err := c.conn.Write(frame); err != nil {
				return nil, err
			}
			if drain {
				return drainFrames(c)
			}
			return readFrames(c, n)
		})
		compared++
		mode, frames = "", 1
	}
	return compared
}

// splitLine splits a script line into arguments with redis-cli's quoting.
func splitLine(t *testing.T, file string, lineNo int, line string) []string {
	var p proto.Parser
	args, _, _, err := p.Parse([]byte(line + "\n"))
	if err != nil || len(args) == 0 {
		t.Fatalf("%s:%d: cannot split %q: %v", file, lineNo, line, err)
	}
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = string(a)
	}
	return out
}

func sameReply(mode, want, got string) bool {
	switch mode {
	case "ignore":
		return true
	case "sort":
		return sortedReply(want) == sortedReply(got)
	case "error-prefix":
		return strings.HasPrefix(want, "-") && strings.HasPrefix(got, "-") &&
			strings.Fields(want)[0] == strings.Fields(got)[0]
	case "length":
		return firstLine(want) == firstLine(got)
	}
	return want == got
}

func firstLine(s string) string {
	if i := strings.Index(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// sortedReply returns an array reply with its elements sorted, so two
// replies that hold the same elements in another order compare equal.
func sortedReply(reply string) string {
	if reply == "" || (reply[0] != '*' && reply[0] != '~') {
		return reply
	}
	r := bufio.NewReader(strings.NewReader(reply))
	header, _ := r.ReadString('\n')
	n, _ := strconv.Atoi(strings.TrimSpace(header[1:]))
	elems := make([]string, 0, n)
	for i := 0; i < n; i++ {
		e, err := readReply(r)
		if err != nil {
			return reply
		}
		elems = append(elems, string(e))
	}
	sort.Strings(elems)
	return header + strings.Join(elems, "")
}
