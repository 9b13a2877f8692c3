package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"
	"time"
)

// The appendonly scenario (issue 5): redis-benchmark's SET against Redis
// and redis-fast with the append-only file on, under the same appendfsync
// policy (everysec, then always) and otherwise the default AOF settings,
// each server in a directory of its own on the same disk; next to
// redis-fast without persistence, measured back to back with them, which
// is the figure the bar is a fraction of.

// aofTest is the name -tests knows the appendonly scenario by.
const aofTest = "aof"

// aofFile holds every run of the scenario.
const aofFile = "aof.csv"

// aofWanted reports whether -tests (or its absence) asks for the
// appendonly scenario.
func (o options) aofWanted() bool {
	return o.tests == "" || hasName(o.tests, aofTest)
}

// The servers of the scenario, per policy.
const (
	aofRedis = iota // Redis, appendonly yes
	aofFast         // redis-fast, appendonly yes
	aofNone         // redis-fast, no persistence
	numAOFServers
)

// aofServerNames are the servers' names in the report. Never written.
var aofServerNames = [numAOFServers]string{"Redis", "redis-fast", "redis-fast, no persistence"}

// aofPolicies are the appendfsync policies the scenario measures, in order.
var aofPolicies = []string{"everysec", "always"}

// aofRun is one redis-benchmark run of the scenario.
type aofRun struct {
	round  int
	policy string
	server int
	cell   cell
	figures
	cpu  time.Duration // the server's CPU time during the run
	err  string
	size int64 // the server's AOF size after the run (INFO aof_current_size), -1 if unknown
}

// aofResults are the scenario's runs.
type aofResults struct {
	runs []aofRun
	dir  string // where the servers' directories were
}

// aofLauncher starts a server of the scenario: Redis or redis-fast with
// appendonly yes and appendfsync policy, or redis-fast without
// persistence.
func aofLauncher(o options, server int, policy string) launcher {
	switch server {
	case aofRedis:
		l := redisLauncher()
		return launcher{name: "Redis AOF " + policy, argv: func(port int, dir string) []string {
			return append(l.argv(port, dir), "--appendonly", "yes", "--appendfsync", policy)
		}}
	case aofFast:
		l := fastLauncher(o)
		return launcher{name: "redis-fast AOF " + policy, argv: func(port int, dir string) []string {
			return append(l.argv(port, dir), "--appendonly", "yes", "--appendfsync", policy)
		}}
	}
	return fastLauncher(o) // its argv turns persistence off
}

// aofCells are the scenario's cells: SET at the smallest value size, at
// -P 1 and -P 16 (with -quick, only -P 16 under everysec).
func aofCells(o options) []cell {
	set := scenarioSET()
	size := o.sizes[0]
	if o.quick {
		return []cell{newCell(o, set, 16, size)}
	}
	var cells []cell
	for _, p := range o.pipelines {
		cells = append(cells, newCell(o, set, p, size))
	}
	return cells
}

// runAOF runs the scenario: per policy, its three servers (fresh for the
// policy, stopped after it), every cell on each of them back to back,
// rounds times, the servers' order flipping every round.
func runAOF(ctx context.Context, o options, tmp string, prog *progress) aofResults {
	serverCPUs, clientCPUs, _ := strings.Cut(o.cpus, ":")
	res := aofResults{dir: tmp}
	policies := aofPolicies
	if o.quick {
		policies = policies[:1]
	}
	cells := aofCells(o)
	for _, policy := range policies {
		var servers [numAOFServers]*process
		var startErr [numAOFServers]string
		for s := range numAOFServers {
			p, err := aofLauncher(o, s, policy).start(tmp, serverCPUs)
			if err != nil {
				startErr[s] = err.Error()
				continue
			}
			servers[s] = p
		}
		for round := 0; round < o.rounds && ctx.Err() == nil; round++ {
			prog.note("appendonly %s: SET, round %d of %d", policy, round+1, o.rounds)
			for _, c := range cells {
				for _, s := range aofOrder(round) {
					if ctx.Err() != nil {
						break
					}
					run := aofRun{round: round, policy: policy, server: s, cell: c, err: startErr[s], size: -1}
					if servers[s] != nil {
						measureAOF(ctx, servers[s], clientCPUs, o.clients, &run)
					}
					res.runs = append(res.runs, run)
				}
			}
		}
		for _, p := range servers {
			if p != nil {
				p.Stop()
			}
		}
	}
	return res
}

// aofOrder is the servers' order in a round: Redis first, then the other
// way round.
func aofOrder(round int) []int {
	if round%2 == 1 {
		return []int{aofNone, aofFast, aofRedis}
	}
	return []int{aofRedis, aofFast, aofNone}
}

// measureAOF runs one cell on p, reading its CPU time around the run, and
// its AOF size after.
func measureAOF(ctx context.Context, p *process, clientCPUs string, clients int, run *aofRun) {
	if !p.alive() {
		run.err = fmt.Sprintf("%s has exited (%s); its log ends: %s", p.name, p.cmd.ProcessState, lastLine(p.log.String()))
		return
	}
	before, err1 := p.cpuTime()
	f, _, err := runBenchmark(ctx, clientCPUs, run.cell.args(p.port, clients))
	after, err2 := p.cpuTime()
	err = errors.Join(err, err1, err2)
	if err != nil {
		run.err = err.Error()
		return
	}
	run.figures, run.cpu = f, after-before
	if fields, err := infoFields(p.port, "persistence"); err == nil {
		if n, err := strconv.ParseInt(fields["aof_current_size"], 10, 64); err == nil {
			run.size = n
		}
	}
}

// aofMedian is the median of value over the successful runs of server at
// policy and cell, with the last error when none succeeded.
func (a aofResults) aofMedian(policy string, c cell, server int, value func(aofRun) float64) (float64, string) {
	var v []float64
	var err string
	for _, x := range a.runs {
		switch {
		case x.policy != policy || x.cell != c || x.server != server:
		case x.err != "":
			err = x.err
		default:
			v = append(v, value(x))
		}
	}
	return median(v), err
}

// aofRatio is the median over the rounds of value(server a) ÷ value(server
// b), taken within each round, at policy and cell.
func (a aofResults) aofRatio(policy string, c cell, sa, sb int, value func(aofRun) float64) float64 {
	byRound := map[int][numAOFServers]float64{}
	for _, x := range a.runs {
		if x.policy == policy && x.cell == c && x.err == "" {
			v := byRound[x.round]
			v[x.server] = value(x)
			byRound[x.round] = v
		}
	}
	var ratios []float64
	for _, v := range byRound {
		if v[sa] > 0 && v[sb] > 0 {
			ratios = append(ratios, v[sa]/v[sb])
		}
	}
	return median(ratios)
}

func aofRPS(x aofRun) float64 { return x.rps }
func aofP99(x aofRun) float64 { return x.p99 }
func aofCPU(x aofRun) float64 {
	return x.cpu.Seconds() / float64(x.cell.requests) * 1e6
}

// aofRow is one line of the scenario's table: a cell under a policy.
type aofRow struct {
	policy string
	cell   cell
}

// aofRows are the rows that were run, in order.
func (a aofResults) aofRows() []aofRow {
	var rows []aofRow
	for _, x := range a.runs {
		row := aofRow{x.policy, x.cell}
		if !containsAOFRow(rows, row) {
			rows = append(rows, row)
		}
	}
	return rows
}

func containsAOFRow(rows []aofRow, row aofRow) bool {
	for _, r := range rows {
		if r == row {
			return true
		}
	}
	return false
}

// writeAOF writes the scenario's section of REPORT.md.
func (r *results) writeAOF(p *mdWriter) {
	a := r.aof
	if len(a.runs) == 0 {
		return
	}
	p.line("## With the append-only file (issue 5)")
	p.line("")
	p.line("`bench/aof.go`: redis-benchmark's SET (-c %d, -n requests at -P 1, ten times as many at -P 16) against", r.opts.clients)
	p.line("Redis and redis-fast with `appendonly yes` and the same `appendfsync`, the other AOF settings at")
	p.line("their defaults, each server in a fresh directory of its own under %s (%s), next to", a.dir, fsType(a.dir))
	p.line("redis-fast without persistence, the three back to back in each round, in an order that flips")
	p.line("every round. **of no persistence** is redis-fast with the AOF ÷ redis-fast without it, taken")
	p.line("within each round. Every run is in %s.", aofFile)
	p.line("")
	p.line("| goal | cell | measured | |")
	p.line("|---|---|---|---|")
	for _, row := range a.aofRows() {
		if row.policy != "everysec" {
			continue
		}
		keep := a.aofRatio(row.policy, row.cell, aofFast, aofNone, aofRPS)
		p.line("| AOF everysec ≥ 0.90x redis-fast's own SET without persistence | %s | %s | %s |", row.cell, ratio(keep), verdict(keep, 0.9))
		if row.cell.pipeline > 1 {
			ahead := a.aofRatio(row.policy, row.cell, aofFast, aofRedis, aofRPS)
			p.line("| AOF everysec ≥ 1.00x Redis with the AOF | %s | %s | %s |", row.cell, ratio(ahead), verdict(ahead, 1))
		}
	}
	p.line("")
	p.line("| appendfsync | P | size | Redis rps | redis-fast rps | redis-fast no persistence rps | ratio to Redis " +
		"| of no persistence | CPU s/1M Redis | CPU s/1M redis-fast | p99 ms Redis | p99 ms redis-fast |")
	p.line("|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	for _, row := range a.aofRows() {
		fig := func(server int, value func(aofRun) float64, format func(float64) string) string {
			v, err := a.aofMedian(row.policy, row.cell, server, value)
			if math.IsNaN(v) && err != "" {
				return "failed"
			}
			return format(v)
		}
		p.line("| %s | %d | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |", row.policy, row.cell.pipeline, sizeName(row.cell.size),
			fig(aofRedis, aofRPS, rate), fig(aofFast, aofRPS, rate), fig(aofNone, aofRPS, rate),
			ratio(a.aofRatio(row.policy, row.cell, aofFast, aofRedis, aofRPS)),
			ratio(a.aofRatio(row.policy, row.cell, aofFast, aofNone, aofRPS)),
			fig(aofRedis, aofCPU, seconds), fig(aofFast, aofCPU, seconds),
			fig(aofRedis, aofP99, millis), fig(aofFast, aofP99, millis))
	}
	p.line("")
	for _, x := range a.runs {
		if x.err != "" {
			p.line("- %s, appendfsync %s, %s, round %d: `%s`", aofServerNames[x.server], x.policy, x.cell, x.round+1, oneLine(x.err))
		}
	}
}

func verdict(v, limit float64) string {
	switch {
	case math.IsNaN(v):
		return "n/a"
	case v >= limit:
		return "met"
	}
	return "**not met**"
}

// fsType is the type of the file system that holds dir, from
// /proc/self/mounts (the longest mount point that is a prefix of it).
func fsType(dir string) string {
	b, err := os.ReadFile("/proc/self/mounts")
	if err != nil {
		return "file system unknown"
	}
	best, typ := "", "file system unknown"
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 3 {
			continue
		}
		if mp := f[1]; strings.HasPrefix(dir, mp) && len(mp) > len(best) {
			best, typ = mp, f[2]+" on "+f[0]
		}
	}
	return typ
}

// writeAOFRuns writes every run of the scenario as a CSV row.
func (r *results) writeAOFRuns(w io.Writer) error {
	cw := csv.NewWriter(w)
	// A run of redis-fast without persistence is listed under the policy
	// whose runs it was measured between.
	cw.Write([]string{"round", "appendfsync", "server", "pipeline", "size", "requests", "rps",
		"avg_ms", "p50_ms", "p99_ms", "server_cpu_s", "aof_bytes", "error"})
	for _, x := range r.aof.runs {
		cw.Write([]string{strconv.Itoa(x.round + 1), x.policy, aofServerNames[x.server], strconv.Itoa(x.cell.pipeline),
			strconv.Itoa(x.cell.size), strconv.Itoa(x.cell.requests), num(x.rps), num(x.avg), num(x.p50), num(x.p99),
			num(x.cpu.Seconds()), strconv.FormatInt(x.size, 10), x.err})
	}
	cw.Flush()
	return cw.Error()
}
