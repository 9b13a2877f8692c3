package main

import (
	"fmt"
	"strconv"
	"strings"
)

// test is one row family of the matrix: one of redis-benchmark's default
// tests, selected with -t, or a command line redis-benchmark sends as is.
type test struct {
	key     string                  // lower-case name for -tests
	name    string                  // the name the report shows
	flag    string                  // redis-benchmark -t name, or ""
	command func(size int) []string // the command line when flag is ""
	cost    cost                    // how much heavier than SET it is
	sized   bool                    // whether it runs once per value size
}

// cost is a test's cost relative to SET, which sets how many requests a cell
// gets so that every cell runs for about the same time. The numbers are
// Redis's measured throughput ratios, rounded; only their rough size
// matters, and every server runs the same count.
type cost struct{ p1, p1Large, pipelined, pipelinedLarge float64 }

// light is the cost of the cheap commands.
var light = cost{1, 1, 1, 1}

// judged is SET's and GET's cost: light, except that their pipelined
// cells, where the CPU-per-request targets are judged, get four times the
// requests (a quarter of the cost), most of a second on Redis. CPU time over
// a quarter of a second is noisy: two identical Redis servers' CPU per
// request differed by a ratio of 0.72 to 1.04 per round at 250,000 SETs,
// and of 0.94 to 1.04 at 1,000,000.
var judged = cost{1, 1, 0.25, 0.25}

// tests is the matrix in redis-benchmark's own order, so the pushes run
// before the pops. It is never written after initialisation.
var tests = []test{
	{key: "ping_inline", name: "PING_INLINE", flag: "ping_inline", cost: light, sized: true},
	{key: "ping_mbulk", name: "PING_MBULK", flag: "ping_mbulk", cost: light, sized: true},
	{key: "set", name: "SET", flag: "set", cost: judged, sized: true},
	{key: "get", name: "GET", flag: "get", cost: judged, sized: true},
	{key: "incr", name: "INCR", flag: "incr", cost: light, sized: true},
	{key: "lpush", name: "LPUSH", flag: "lpush", cost: light, sized: true},
	{key: "rpush", name: "RPUSH", flag: "rpush", cost: light, sized: true},
	{key: "lpop", name: "LPOP", flag: "lpop", cost: light, sized: true},
	{key: "rpop", name: "RPOP", flag: "rpop", cost: light, sized: true},
	{key: "sadd", name: "SADD", flag: "sadd", cost: light, sized: true},
	{key: "hset", name: "HSET", flag: "hset", cost: light, sized: true},
	{key: "spop", name: "SPOP", flag: "spop", cost: light, sized: true},
	{key: "zadd", name: "ZADD", flag: "zadd", cost: light, sized: true},
	{key: "zpopmin", name: "ZPOPMIN", flag: "zpopmin", cost: light, sized: true},
	{key: "lpush_lrange", name: "LPUSH (for LRANGE)", command: lpushList, cost: light, sized: true},
	{key: "lrange_100", name: "LRANGE_100", command: lrange(100), cost: cost{1.5, 7, 8, 180}, sized: true},
	{key: "lrange_300", name: "LRANGE_300", command: lrange(300), cost: cost{2.5, 18, 24, 650}, sized: true},
	{key: "lrange_500", name: "LRANGE_500", command: lrange(500), cost: cost{3.5, 28, 45, 1000}, sized: true},
	{key: "lrange_600", name: "LRANGE_600", command: lrange(600), cost: cost{4, 40, 52, 1300}, sized: true},
	{key: "mset", name: "MSET (10 keys)", flag: "mset", cost: cost{1, 1.2, 3, 8}, sized: true},
	{key: "sintercard", name: "SINTERCARD 2 s1 s2", command: sintercard, cost: serverBound},
}

// serverBound is SINTERCARD's cost: not its true one (about 3.5 times
// SET's, and 30 times when pipelined) but the light cells' request count,
// so that its cells run three to four times as long as the others, most
// of a second on Redis. It is the cell where a server's own
// scheduling shows (how many threads run the commands, and when it
// decides), and a run of a few tenths of a second measures how a server
// starts on a load more than how it serves one.
var serverBound = cost{1, 1, 10, 10}

// scenarioSET is SET as the replication and AOF scenarios run it: at the
// light cells' request counts. The matrix gives SET four times as many when
// pipelined, for the CPU-per-request target judged there; the scenarios
// compare throughput, and a million SETs against a master with two
// replicas take seconds that the ten minutes of make bench cannot spare.
func scenarioSET() *test {
	t := *testByKey("set")
	t.cost = light
	return &t
}

// testByKey is the matrix's test of that key; the keys are the bench's
// own, so a missing one is a bug.
func testByKey(key string) *test {
	for i := range tests {
		if tests[i].key == key {
			return &tests[i]
		}
	}
	panic("bench: the matrix has no test " + key)
}

// quickTests are the tests of -quick.
var quickTests = []string{"ping_mbulk", "set", "get", "sintercard"}

// The LRANGE family is driven as the command lines redis-benchmark's own
// LRANGE tests send, so that each cell is one redis-benchmark run with one
// CSV row: with -t lrange_100 the tool first runs its LPUSH fill as well,
// and the server's CPU time could not be told apart.

func lpushList(size int) []string {
	return []string{"lpush", "mylist", strings.Repeat("x", size)}
}

func lrange(n int) func(int) []string {
	return func(int) []string { return []string{"lrange", "mylist", "0", strconv.Itoa(n - 1)} }
}

func sintercard(int) []string { return []string{"sintercard", "2", "s1", "s2"} }

// cell is one measurement: a test at one pipeline depth and value size.
type cell struct {
	test     *test
	pipeline int
	size     int // value bytes; 0 for a test whose size does not matter
	requests int // per run, the same for every server
}

func (c cell) String() string {
	if c.size == 0 {
		return fmt.Sprintf("%s P%d", c.test.name, c.pipeline)
	}
	return fmt.Sprintf("%s P%d %s", c.test.name, c.pipeline, sizeName(c.size))
}

func sizeName(size int) string {
	switch {
	case size == 0:
		return "-"
	case size%1024 == 0:
		return strconv.Itoa(size/1024) + " KiB"
	}
	return strconv.Itoa(size) + " B"
}

// args are redis-benchmark's arguments for one run of the cell against port.
func (c cell) args(port, clients int) []string {
	args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(port), "-c", strconv.Itoa(clients),
		"-n", strconv.Itoa(c.requests), "-P", strconv.Itoa(c.pipeline), "--csv"}
	if c.size > 0 {
		args = append(args, "-d", strconv.Itoa(c.size))
	}
	if c.test.flag != "" {
		return append(args, "-t", c.test.flag)
	}
	return append(args, c.test.command(c.size)...)
}

// matrix lists the cells to run, sized by value, then pipeline, then test.
func matrix(o options) ([]cell, error) {
	keep, err := selectTests(o)
	if err != nil {
		return nil, err
	}
	var cells []cell
	for _, size := range o.sizes {
		for _, p := range o.pipelines {
			for _, t := range keep {
				if t.sized {
					cells = append(cells, newCell(o, t, p, size))
				}
			}
		}
	}
	for _, p := range o.pipelines {
		for _, t := range keep {
			if !t.sized {
				cells = append(cells, newCell(o, t, p, 0))
			}
		}
	}
	return cells, nil
}

// selectTests applies -tests (or -quick's list) to the matrix.
func selectTests(o options) ([]*test, error) {
	names := o.tests
	if names == "" && o.quick {
		names = strings.Join(quickTests, ",")
	}
	var keep []*test
	for i := range tests {
		if names == "" || hasName(names, tests[i].key) {
			keep = append(keep, &tests[i])
		}
	}
	for _, n := range strings.Split(names, ",") {
		if n != "" && !known(n) {
			return nil, fmt.Errorf("-tests: no test %q", n)
		}
	}
	return keep, nil
}

func hasName(list, key string) bool {
	for _, n := range strings.Split(list, ",") {
		if strings.EqualFold(strings.TrimSpace(n), key) {
			return true
		}
	}
	return false
}

func known(name string) bool {
	if strings.EqualFold(strings.TrimSpace(name), pubsubTest) || strings.EqualFold(strings.TrimSpace(name), replicationTest) ||
		strings.EqualFold(strings.TrimSpace(name), aofTest) || strings.EqualFold(strings.TrimSpace(name), bgsaveTest) {
		return true
	}
	for _, t := range tests {
		if strings.EqualFold(strings.TrimSpace(name), t.key) {
			return true
		}
	}
	return false
}

// newCell sizes a cell: -n requests for a light -P 1 cell, ten times that
// when pipelined, divided by the test's cost, and never fewer than one full
// pipeline per client. The floor is what the LRANGE_500 and LRANGE_600 cells
// at -P 16 with 1 KiB values get: each of their batches is some 10 MB of
// replies per client, and a few thousand requests would take minutes.
func newCell(o options, t *test, pipeline, size int) cell {
	base := float64(o.requests * min(pipeline, 10))
	c := t.cost.p1
	switch large := size > 64; {
	case pipeline > 1 && large:
		c = t.cost.pipelinedLarge
	case pipeline > 1:
		c = t.cost.pipelined
	case large:
		c = t.cost.p1Large
	}
	if o.quick {
		c = max(c, 1) // -quick keeps to its minute
	}
	n := max(int(base/c), o.clients*pipeline)
	return cell{test: t, pipeline: pipeline, size: size, requests: n}
}
