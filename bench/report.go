package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// The files a run writes into the report directory.
const (
	reportFile = "REPORT.md"
	chartFile  = "ratios.svg"
	runsFile   = "runs.csv"
)

// results is everything a report is made of.
type results struct {
	opts     options
	args     []string // the bench's command line, for the record
	machine  machine
	cells    []cell
	samples  []sample
	sums     []summary
	memory   []memResult
	pubsub   []pubsubResult
	repl     replResults
	aof      aofResults
	bgsave   []bgsaveRun
	profiles []profileRun
}

// write saves REPORT.md, the chart and the raw runs into the directory.
func (r *results) write(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, runsFile), r.writeRuns); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(dir, chartFile), func(w io.Writer) error { return writeChart(w, r.sums) }); err != nil {
		return err
	}
	if len(r.pubsub) > 0 {
		if err := writeFile(filepath.Join(dir, pubsubFile), r.writePubsubRuns); err != nil {
			return err
		}
	}
	if len(r.repl.runs)+len(r.repl.syncs) > 0 {
		if err := writeFile(filepath.Join(dir, replicationFile), r.writeReplicationRuns); err != nil {
			return err
		}
	}
	if len(r.aof.runs) > 0 {
		if err := writeFile(filepath.Join(dir, aofFile), r.writeAOFRuns); err != nil {
			return err
		}
	}
	if len(r.bgsave) > 0 {
		if err := writeFile(filepath.Join(dir, bgsaveFile), r.writeBgsaveRuns); err != nil {
			return err
		}
	}
	if err := r.writeProfileFiles(dir); err != nil {
		return err
	}
	return writeFile(filepath.Join(dir, reportFile), r.writeReport)
}

func writeFile(path string, write func(io.Writer) error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// writeRuns writes every sample as a CSV row.
func (r *results) writeRuns(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "test", "pipeline", "size", "server", "requests", "status",
		"rps", "avg_ms", "p50_ms", "p99_ms", "server_cpu_s", "client_cpu_s", "wall_s", "others_cpu_s", "server_procs", "gc_cycles", "sched_waits_ge_1ms", "message"})
	for _, s := range r.samples {
		c := r.cells[s.cell]
		cw.Write([]string{strconv.Itoa(s.round + 1), c.test.name, strconv.Itoa(c.pipeline),
			strconv.Itoa(c.size), serverNames[s.server], strconv.Itoa(c.requests), s.status,
			num(s.rps), num(s.avg), num(s.p50), num(s.p99),
			num(s.cpu.Seconds()), num(s.client.Seconds()), num(s.wall.Seconds()), othersText(s.others), procsText(s.procs), runtimeCount(s, s.goRuntime.gcCycles),
			runtimeCount(s, s.goRuntime.longWaits), s.msg})
	}
	cw.Flush()
	return cw.Error()
}

func num(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// othersText is the rest of the machine's CPU time in a run, empty where
// it was not read.
func othersText(d time.Duration) string {
	if d < 0 {
		return ""
	}
	return num(d.Seconds())
}

// runtimeCount is one of redis-fast's Go runtime counts of a run, empty
// where it was not read.
func runtimeCount(s sample, n int64) string {
	if !s.goRuntime.read {
		return ""
	}
	return strconv.FormatInt(n, 10)
}

// procsRange is a cell's mean counts of Ps, round by round ("1.0 / 1.6 /
// 1.0"), one figure when every round had the same, "-" when unknown.
func procsRange(v []float64) string {
	if len(v) == 0 {
		return "-"
	}
	parts := make([]string, len(v))
	for i, x := range v {
		parts[i] = strconv.FormatFloat(x, 'f', 1, 64)
	}
	if slices.Equal(parts, slices.Repeat(parts[:1], len(parts))) {
		return parts[0]
	}
	return strings.Join(parts, " / ")
}

// procsText is a run's mean count of Ps, or "" when unknown.
func procsText(v float64) string {
	if v <= 0 {
		return ""
	}
	return strconv.FormatFloat(v, 'f', 2, 64)
}

// writeReport writes REPORT.md.
func (r *results) writeReport(w io.Writer) error {
	p := &mdWriter{w: w}
	m := r.machine
	p.line("# redis-fast against Redis, and against the ceiling")
	p.line("")
	p.line("Written by `go run ./bench %s` on %s in %s.", strings.Join(r.args, " "),
		m.started.UTC().Format("2006-01-02 15:04 MST"), m.took.Round(time.Second))
	p.line("")
	p.line("![redis-fast ÷ Redis, throughput and CPU per request](%s)", chartFile)
	p.line("")
	r.writeSetup(p)
	r.writeReading(p)
	r.writeTargets(p)
	r.writeThroughput(p)
	r.writeLatency(p)
	r.writeProfiles(p)
	r.writeMemory(p)
	r.writePubsub(p)
	r.writeReplication(p)
	r.writeAOF(p)
	r.writeBgsave(p)
	r.writeProblems(p)
	return p.err
}

func (r *results) writeSetup(p *mdWriter) {
	m, o := r.machine, r.opts
	pin := "none"
	if o.cpus != "" {
		s, c, _ := strings.Cut(o.cpus, ":")
		pin = fmt.Sprintf("servers on CPU %s, redis-benchmark on CPU %s (taskset)", s, c)
	}
	build := "; binary of " + m.built.UTC().Format("2006-01-02 15:04 MST")
	if m.git != "" {
		build += ", work tree at " + m.git
	}
	p.line("## Setup")
	p.line("")
	p.line("| | |")
	p.line("|---|---|")
	p.line("| machine | %d cores, %s, %s |", m.cores, m.model, m.kernel)
	p.line("| load average (1, 5, 15 min) | %s before, %s after |", m.loadBefore, m.loadAfter)
	p.line("| Redis | %s; persistence off |", m.redisVersion)
	p.line("| redis-fast | loops %s, GOMAXPROCS %s at start%s%s; persistence off |", m.fastLoops, m.fastProcs, m.fastAdaptive, build)
	p.line("| ceiling | loops %s, GOMAXPROCS %s: redis-fast's parser and loop, fixed replies, no storage |", m.ceilLoops, m.ceilProcs)
	if o.twin {
		p.line("| Redis twin | a second redis-server, the same binary and settings as Redis |")
	}
	p.line("| client | %s, -c %d, one run per cell and server |", m.benchmarkVersion, o.clients)
	p.line("| pinning | %s |", pin)
	servers := "Redis, redis-fast, ceiling"
	if o.twin {
		servers = "Redis twin, " + servers
	}
	p.line("| rounds | %d; per cell the servers run back to back, %s, then reversed the next round |", o.rounds, servers)
	p.line("| requests | %d per light -P 1 cell, 10x when pipelined (40x for SET and GET, whose CPU per request is judged there), fewer for heavy tests (each cell's count is in %s) |", o.requests, runsFile)
	p.line("| Go | %s (bench GOMAXPROCS %d) |", m.goVersion, m.gomaxprocs)
	p.line("")
}

func (r *results) writeReading(p *mdWriter) {
	p.line("## Reading it")
	p.line("")
	p.line("- Every figure is the median over the rounds. A ratio is taken within each round, between")
	p.line("  runs that were back to back, and its median is quoted; so it is not the ratio of the medians.")
	p.line("- **ratio** is redis-fast ÷ Redis requests/s: above 1 redis-fast is faster.")
	p.line("- **of ceiling** is redis-fast ÷ ceiling requests/s: how close redis-fast comes to the fastest")
	p.line("  answer its event loop can give this client on this machine.")
	p.line("- **CPU s/1M** is the server's own CPU time (user + system, all threads, from /proc/<pid>/stat)")
	p.line("  per million requests: the cost of a request, steadier than throughput on a noisy machine.")
	p.line("  It is read to the nanosecond from each thread's schedstat (falling back to /proc/<pid>/stat's 10 ms ticks).")
	p.line("  **CPU ratio** is redis-fast ÷ Redis: below 1 redis-fast is cheaper.")
	if r.opts.twin {
		p.line("- **twin** is the Redis twin ÷ Redis, taken the same way: two identical servers, so any")
		p.line("  distance from 1.00x is this machine's noise in that cell. A redis-fast ratio is only")
		p.line("  a difference between the servers where it lies further from 1.00x than the twin's.")
	}
	p.line("- **redis-fast Ps** is how many Ps (GOMAXPROCS) redis-fast ran with, on average over each")
	p.line("  round's run (from INFO's gomaxprocs_seconds): it adds a P only where one pays.")
	p.line("- **unsupported**: the server answered the test's command with an error (listed at the end).")
	p.line("")
}

// clientBound is the fraction of the ceiling's rate from which a missed
// throughput target is the client's doing, not redis-fast's: the
// ceiling does no work at all, and runs differ by this much between
// rounds of the same server.
const clientBound = 0.95

// target is one goal of issue 11, checked against a cell.
type target struct {
	goal, cell, measured, verdict string
	bound                         string // what bounds it, said under the table when not met
}

func (r *results) targets() []target {
	var ts []target
	twin := func(v float64) string {
		if !r.opts.twin {
			return ""
		}
		return ", twin " + ratio(v)
	}
	check := func(goal string, s summary, v, limit float64, atMost bool, ref string) {
		t := target{goal: goal, cell: s.cell.String(), measured: ratio(v), verdict: "n/a"}
		if !math.IsNaN(v) {
			met := v >= limit
			if atMost {
				met = v <= limit
			}
			t.verdict = "**not met**"
			if met {
				t.verdict = "met"
			} else if t.measured == ratio(limit) {
				// Missed by less than the rounding: show the digit that decides.
				t.measured = fmt.Sprintf("%.3fx", v)
			}
		}
		if ref != "" {
			t.measured += " (" + ref + ")"
		}
		ts = append(ts, t)
	}
	worst, worstCell, worstCeiling := math.NaN(), "", math.NaN()
	var p1Tails, twinTails []float64
	// A missed rate target also gets its rounds, so one slow round shows.
	rateRounds := func(ci int, bound string) {
		if t := &ts[len(ts)-1]; t.verdict == "**not met**" {
			t.bound = joinBound(bound, r.roundByRound(ci))
		}
	}
	for ci, s := range r.sums {
		key := s.cell.test.key
		switch {
		case key == "set" || key == "get":
			check("requests/s ≥ 1.00x Redis", s, s.ratio, 1.0, false, "ceiling "+ratio(s.ceilingRatio)+twin(s.twinRatio))
			rateRounds(ci, joinBound(rateBound(s, r.opts.twin), r.profileBound(s.cell)))
			if s.cell.pipeline > 1 {
				check("CPU per request ≤ 0.95x Redis", s, s.cpuRatio, 0.95, true, "ceiling "+ratio(s.ceilingCPU)+twin(s.twinCPU))
			}
		case key == "sintercard":
			check("requests/s ≥ 1.25x Redis", s, s.ratio, 1.25, false, "ceiling "+ratio(s.ceilingRatio)+twin(s.twinRatio))
			rateRounds(ci, joinBound(rateBound(s, r.opts.twin), r.profileBound(s.cell)))
		}
		if s.cell.pipeline == 1 && !math.IsNaN(s.twinP99) {
			twinTails = append(twinTails, s.twinP99)
		}
		if s.cell.pipeline == 1 && !math.IsNaN(s.p99Ratio) {
			p1Tails = append(p1Tails, s.p99Ratio)
			if math.IsNaN(worst) || s.p99Ratio > worst {
				worst, worstCell, worstCeiling = s.p99Ratio, s.cell.String(), s.ceilingP99
			}
		}
	}
	if worstCell != "" {
		// The ceiling's own p99 there says how much of the tail is the
		// event loop's, which no command code can remove.
		t := target{goal: "p99 at -P 1 ≤ 1.5x Redis (worst cell)", cell: worstCell,
			measured: fmt.Sprintf("%s (ceiling %s); median of the %d -P 1 cells %s, %d over 1.5x",
				ratio(worst), ratio(worstCeiling), len(p1Tails), ratio(median(p1Tails)), countOver(p1Tails, 1.5)),
			verdict: "met"}
		if len(twinTails) > 0 {
			t.measured += fmt.Sprintf("; the twin's: worst %s, median %s, %d over 1.5x",
				ratio(slices.Max(twinTails)), ratio(median(twinTails)), countOver(twinTails, 1.5))
		}
		if worst > tailLimit {
			t.verdict = "**not met**"
			t.bound = p99Bound(worstCeiling, twinTails)
		}
		ts = append(ts, t)
	}
	return ts
}

// rateBound says what bounds a missed throughput target, if anything
// does: the client, when redis-fast came close to the ceiling; and, when
// the twin ran, how far from Redis's rate an identical server came in the
// same rounds, so a miss can be read against the noise.
func rateBound(s summary, withTwin bool) string {
	var b []string
	if s.ofCeiling >= clientBound {
		b = append(b, fmt.Sprintf("the client bounds it. The ceiling, which answers without storing anything, "+
			"ran at %s Redis's rate in the same rounds, and redis-fast at %s of the ceiling's.",
			ratio(s.ceilingRatio), percent(s.ofCeiling)))
		if busy := s.clientBusy[serverFast]; busy > 0 { // NaN or 0: not measured
			b = append(b, fmt.Sprintf("redis-benchmark, one thread, was on a core %s of the time against redis-fast "+
				"and %s against Redis.", percent(busy), percent(s.clientBusy[serverRedis])))
		}
	}
	if withTwin && !math.IsNaN(s.twinRatio) {
		b = append(b, fmt.Sprintf("Redis's twin ran at %s Redis's rate in the same rounds.", ratio(s.twinRatio)))
	}
	if len(b) == 0 {
		return ""
	}
	return s.cell.String() + ": " + strings.Join(b, " ")
}

// roundByRound is a cell's rate ratio and both servers' CPU per request,
// round by round: "round by round: 1.39x, 1.02x, 1.25x Redis's rate;
// CPU per request 25.9, 35.5, 31.4 µs against Redis's 35.3, 36.1, 38.5".
func (r *results) roundByRound(ci int) string {
	c := r.sums[ci].cell
	cpu := cpuPerMillion(c.requests)
	byRound := map[int][numServers]*sample{}
	var rounds []int
	for i := range r.samples {
		s := &r.samples[i]
		if s.cell != ci || s.status != statusOK || (s.server != serverFast && s.server != serverRedis) {
			continue
		}
		pair, seen := byRound[s.round]
		if !seen {
			rounds = append(rounds, s.round)
		}
		pair[s.server] = s
		byRound[s.round] = pair
	}
	slices.Sort(rounds)
	var rates, fastCPU, redisCPU []string
	for _, rd := range rounds {
		f, red := byRound[rd][serverFast], byRound[rd][serverRedis]
		if f == nil || red == nil || red.rps <= 0 {
			continue
		}
		rates = append(rates, ratio(f.rps/red.rps))
		// cpuPerMillion is seconds per million requests: µs per request.
		fastCPU = append(fastCPU, fmt.Sprintf("%.1f", cpu(*f)))
		redisCPU = append(redisCPU, fmt.Sprintf("%.1f", cpu(*red)))
	}
	if len(rates) < 2 {
		return ""
	}
	return fmt.Sprintf("%s round by round: %s Redis's rate; redis-fast's CPU per request %s µs against Redis's %s.",
		c, strings.Join(rates, ", "), strings.Join(fastCPU, ", "), strings.Join(redisCPU, ", "))
}

// joinBound adds more to a bound, either of which may be empty.
func joinBound(bound, more string) string {
	switch {
	case bound == "":
		return more
	case more == "":
		return bound
	}
	return bound + " " + more
}

// countOver is how many of v are above limit.
func countOver(v []float64, limit float64) int {
	n := 0
	for _, x := range v {
		if x > limit {
			n++
		}
	}
	return n
}

// p99Bound says what bounds a missed p99 target: whether the ceiling,
// which shares the event loop, had the same tail in the worst cell, and
// whether Redis's twin, which shares nothing with redis-fast, missed too.
func p99Bound(ceiling float64, twin []float64) string {
	b := "p99 at -P 1: the event loop bounds it. Two reactors share one P, and while one blocks in " +
		"epoll_wait holding it, the other waits in the run queue, and the wait grows when the machine's cores " +
		"are wanted elsewhere (docs/01-event-loop.md, \"Sharing the cores\"). "
	if ceiling > 1.5 {
		b += fmt.Sprintf("The ceiling, on the same loop, has the same tail in that cell (%s).", ratio(ceiling))
	} else {
		b += fmt.Sprintf("The ceiling's p99 in that cell was %s Redis's: which cells go over varies from run to run.",
			ratio(ceiling))
	}
	if n := countOver(twin, 1.5); n > 0 {
		b += fmt.Sprintf(" So does the noise: Redis's twin, the same server as Redis, was over 1.5x Redis's p99 in %d of the %d cells.",
			n, len(twin))
	}
	return b + " Under the latency table, the runs over the bar are set against the rest."
}

func (r *results) writeTargets(p *mdWriter) {
	ts := r.targets()
	if len(ts) == 0 {
		return
	}
	p.line("## Targets (issue 11)")
	p.line("")
	p.line("| goal | cell | redis-fast ÷ Redis | |")
	p.line("|---|---|---|---|")
	for _, t := range ts {
		p.line("| %s | %s | %s | %s |", t.goal, t.cell, t.measured, t.verdict)
	}
	p.line("")
	for _, t := range ts {
		if t.bound != "" {
			p.line("- %s", t.bound)
		}
	}
	if slices.ContainsFunc(ts, func(t target) bool { return t.bound != "" }) {
		p.line("")
	}
}

// column is one column of a per-cell table: its header and its cell.
type column struct {
	head  string
	right bool // numbers align right
	cell  func(summary) string
}

// writeTable writes one row per cell, in the given columns.
func (r *results) writeTable(p *mdWriter, cols []column) {
	heads, rules := make([]string, len(cols)), make([]string, len(cols))
	for i, c := range cols {
		heads[i], rules[i] = c.head, "---"
		if c.right {
			rules[i] = "--:"
		}
	}
	p.line("| %s |", strings.Join(heads, " | "))
	p.line("|%s|", strings.Join(rules, "|"))
	for _, s := range r.sums {
		row := make([]string, len(cols))
		for i, c := range cols {
			row[i] = c.cell(s)
		}
		p.line("| %s |", strings.Join(row, " | "))
	}
	p.line("")
}

// cellColumns are the test, P and size columns every table starts with.
func cellColumns() []column {
	return []column{
		{"test", false, func(s summary) string { return s.cell.test.name }},
		{"P", true, func(s summary) string { return strconv.Itoa(s.cell.pipeline) }},
		{"size", true, func(s summary) string { return sizeName(s.cell.size) }},
	}
}

// perServer is one column per server under test, Redis, redis-fast and
// the ceiling: each one's figure v, formatted, or its status.
func perServer(head func(name string) string, v func(summary) [numServers]float64, format func(float64) string) []column {
	var cols []column
	for _, i := range []int{serverRedis, serverFast, serverCeiling} {
		cols = append(cols, column{head(serverNames[i]), true, func(s summary) string { return s.fig(i, v(s), format) }})
	}
	return cols
}

// ratioColumn is a ratio of the summary.
func ratioColumn(head string, v func(summary) float64) column {
	return column{head, true, func(s summary) string { return ratio(v(s)) }}
}

func (r *results) writeThroughput(p *mdWriter) {
	p.line("## Throughput and cost")
	p.line("")
	cols := append(cellColumns(), perServer(func(n string) string { return n + " rps" },
		func(s summary) [numServers]float64 { return s.rps }, rate)...)
	cols = append(cols, ratioColumn("ratio to Redis", func(s summary) float64 { return s.ratio }))
	if r.opts.twin {
		cols = append(cols, ratioColumn("twin", func(s summary) float64 { return s.twinRatio }))
	}
	cols = append(cols, column{"of ceiling", true, func(s summary) string { return percent(s.ofCeiling) }})
	cols = append(cols, perServer(func(n string) string { return "CPU s/1M " + n },
		func(s summary) [numServers]float64 { return s.cpuPerM }, seconds)...)
	cols = append(cols, ratioColumn("CPU ratio", func(s summary) float64 { return s.cpuRatio }))
	if r.opts.twin {
		cols = append(cols, ratioColumn("twin CPU", func(s summary) float64 { return s.twinCPU }))
	}
	cols = append(cols, perServer(func(n string) string { return "p99 ms " + n },
		func(s summary) [numServers]float64 { return s.p99 }, millis)...)
	cols = append(cols, column{"redis-fast Ps", true, func(s summary) string { return procsRange(s.procs) }})
	r.writeTable(p, cols)
}

func (r *results) writeLatency(p *mdWriter) {
	p.line("## Latency, p50 / p99 (ms)")
	p.line("")
	both := func(i int) func(summary) string {
		return func(s summary) string {
			if s.status[i] != statusOK {
				return s.status[i]
			}
			return millis(s.p50[i]) + " / " + millis(s.p99[i])
		}
	}
	cols := append(cellColumns(),
		column{"Redis", true, both(serverRedis)},
		column{"redis-fast", true, both(serverFast)},
		column{"ceiling", true, both(serverCeiling)})
	if r.opts.twin {
		cols = append(cols, column{"Redis twin", true, both(serverTwin)})
	}
	cols = append(cols, ratioColumn("p99 ratio", func(s summary) float64 { return s.p99Ratio }))
	if r.opts.twin {
		cols = append(cols, ratioColumn("twin p99 ratio", func(s summary) float64 { return s.twinP99 }))
	}
	r.writeTable(p, cols)
	if t := r.tailRuns().String(); t != "" {
		p.line("")
		p.line("%s", t)
		p.line("")
	}
}

func (r *results) writeMemory(p *mdWriter) {
	if len(r.memory) == 0 {
		return
	}
	p.line("## Memory")
	p.line("")
	p.line("The same %d keys (`key:0000000` ..., 10-byte values), loaded with pipelined SETs into a", r.memory[0].keys)
	p.line("freshly started server; per key is the growth over the empty server.")
	p.line("")
	p.line("| server | used_memory | bytes/key (used_memory) | RSS | bytes/key (RSS) | load time |")
	p.line("|---|--:|--:|--:|--:|--:|")
	for _, m := range r.memory {
		if m.err != "" {
			p.line("| %s | %s | | | | |", m.server, "failed: "+oneLine(m.err))
			continue
		}
		p.line("| %s | %s | %s | %s | %s | %s |", m.server, mib(m.used), perKeyText(m.usedBase, m.used, m.keys),
			mib(m.rss), perKeyText(m.rssBase, m.rss, m.keys), m.load.Round(time.Millisecond))
	}
	p.line("")
}

// writeProblems lists, per server, the tests it could not run and why.
func (r *results) writeProblems(p *mdWriter) {
	type problem struct{ server, status, msg string }
	tests := map[problem][]string{}
	for _, s := range r.sums {
		for i := range numServers {
			if s.status[i] == statusOK || i == serverTwin && !r.opts.twin {
				continue
			}
			k := problem{serverNames[i], s.status[i], oneLine(s.msg[i])}
			if name := s.cell.test.name; !contains(tests[k], name) {
				tests[k] = append(tests[k], name)
			}
		}
	}
	if len(tests) == 0 {
		return
	}
	keys := make([]problem, 0, len(tests))
	for k := range tests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i].server+keys[i].msg < keys[j].server+keys[j].msg
	})
	p.line("## Unsupported and failed")
	p.line("")
	for _, k := range keys {
		p.line("- %s, %s: %s — `%s`", k.server, k.status, strings.Join(tests[k], ", "), k.msg)
	}
	p.line("")
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// mdWriter writes lines and keeps the first error.
type mdWriter struct {
	w   io.Writer
	err error
}

func (p *mdWriter) line(format string, args ...any) {
	if p.err == nil {
		_, p.err = fmt.Fprintf(p.w, format+"\n", args...)
	}
}

// fig formats server i's figure v, or its status when it has none.
func (s summary) fig(i int, v [numServers]float64, format func(float64) string) string {
	if s.status[i] != statusOK {
		return s.status[i]
	}
	return format(v[i])
}

func rate(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1fk", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func ratio(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2fx", v)
}

func percent(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.0f%%", v*100)
}

func seconds(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func millis(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.2f", v)
}

func mib(b int64) string {
	if b < 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20))
}

func perKeyText(before, after int64, keys int) string {
	v := perKey(before, after, keys)
	if math.IsNaN(v) {
		return "n/a"
	}
	return fmt.Sprintf("%.0f", v)
}

// oneLine keeps a message to the start of its first line, without
// table-breaking pipes or backquotes.
func oneLine(s string) string {
	const keep = 100
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	if len(s) > keep {
		s = strings.ToValidUTF8(s[:keep], "") + "..."
	}
	return strings.NewReplacer("|", "/", "`", "'").Replace(s)
}
