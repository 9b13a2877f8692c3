package integration

import (
	"bufio"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

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
// and these, which change the state of the script:
//
//	# conn N        send what follows on connection N (1, the default, to 9)
//	# resp3 / # resp2  switch the current connection's protocol with HELLO
//
// Each script starts on empty servers.
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

type diffPair struct{ oracle, fast *rawConn }

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
			conns[n] = &diffPair{dialRaw(t, oracleAddr), dialRaw(t, fastAddr)}
		}
		return conns[n]
	}
	cur := conn(1)
	for _, c := range []*rawConn{cur.oracle, cur.fast} {
		c.Do("FLUSHALL")
	}
	mode := ""
	compared := 0
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
		want, err := cur.oracle.Exchange(frame)
		if err != nil {
			t.Fatalf("%s:%d: %s: redis-server: %v", file, lineNo, line, err)
		}
		got, err := cur.fast.Exchange(frame)
		if err != nil {
			t.Fatalf("%s:%d: %s: redis-fast: %v (redis replied %q)", file, lineNo, line, err, want)
		}
		compared++
		if !sameReply(mode, want, got) {
			t.Errorf("%s:%d: %s\n  redis:      %q\n  redis-fast: %q", file, lineNo, line, want, got)
		}
		mode = ""
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
