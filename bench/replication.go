package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// The replication scenario, in two parts, each run on Redis (a Redis master
// with Redis replicas) and on redis-fast (redis-fast with redis-fast
// replicas):
//
//   - SET throughput with 0, 1 and 2 replicas attached: redis-benchmark -t
//     set with the matrix's SET parameters (-c, -P 1 and 16, every value
//     size; -n requests at -P 1, ten times as many at -P 16) against the
//     master, with replicas that apply everything it writes. Each
//     combination gets fresh servers, the replicas synced before the run
//     starts. Besides requests/s it records the master's CPU per request,
//     the replicas' (all of them together), and the drain: how long after
//     redis-benchmark ends the last replica reaches the master's offset.
//   - full sync: a master holding -keys keys (key:0000000 ..., 10-byte
//     values, loaded as the memory table loads them), and a fresh replica
//     told REPLICAOF; the time until it reports master_link_status:up with
//     every key. Both masters sync diskless (the default of both) and start
//     at once (repl-diskless-sync-delay 0).
//
// Everything shares the machine: replicas take CPU the master and
// redis-benchmark would otherwise have, on both servers alike.

// replicationTest is the name -tests knows the replication scenario by.
const replicationTest = "replication"

// replicaCounts are the replicas attached in the throughput runs.
var replicaCounts = [...]int{0, 1, 2}

// replWait bounds every wait for replication (a sync, a drain).
const replWait = 2 * time.Minute

// replicationWanted reports whether -tests (or its absence) asks for the
// replication scenario.
func (o options) replicationWanted() bool {
	return o.tests == "" || hasName(o.tests, replicationTest)
}

// replRun is one SET run against a master with some replicas.
type replRun struct {
	server, round, replicas int
	cell                    cell
	rps                     float64
	masterCPU, replicaCPU   float64 // seconds per million requests
	drain                   time.Duration
	err                     string
}

// syncRun is one full sync.
type syncRun struct {
	server, round, keys int
	took                time.Duration
	err                 string
}

// replResults are the scenario's runs.
type replResults struct {
	runs  []replRun
	syncs []syncRun
}

// replLauncher is l serving replicas at once (no diskless-sync delay).
func replLauncher(l launcher) launcher {
	return launcher{name: l.name, argv: func(port int, dir string) []string {
		return append(l.argv(port, dir), "--repl-diskless-sync-delay", "0")
	}}
}

// setCells are the SET cells of the matrix, whatever -tests selects, at
// the light cells' request counts (scenarioSET).
func setCells(o options) []cell {
	set := scenarioSET()
	var cells []cell
	for _, size := range o.sizes {
		for _, p := range o.pipelines {
			cells = append(cells, newCell(o, set, p, size))
		}
	}
	return cells
}

// runReplication runs both parts, rounds times, flipping the servers'
// order every round as the matrix does.
func runReplication(ctx context.Context, o options, tmp string, prog *progress) replResults {
	serverCPUs, clientCPUs, _ := strings.Cut(o.cpus, ":")
	launchers := map[int]launcher{serverRedis: replLauncher(redisLauncher()), serverFast: replLauncher(fastLauncher(o))}
	var res replResults
	cells := setCells(o)
	for round := 0; round < o.rounds; round++ {
		for _, n := range replicaCounts {
			for _, srv := range roundOrder(round) {
				if ctx.Err() != nil {
					return res
				}
				prog.note("replication: SET with %d replica%s on %s, round %d", n, plural(n), serverNames[srv], round+1)
				res.runs = append(res.runs, measureWithReplicas(ctx, launchers[srv], tmp, serverCPUs, clientCPUs, o.clients, cells, n, srv, round)...)
			}
		}
	}
	if o.keys > 0 && ctx.Err() == nil {
		prog.note("replication: full sync of %d keys, %d rounds", o.keys, o.rounds)
		res.syncs = measureFullSyncs(ctx, launchers, tmp, serverCPUs, o.keys, o.rounds)
	}
	return res
}

// roundOrder is the servers' order in a round: Redis first, then the
// other way round.
func roundOrder(round int) []int {
	if round%2 == 1 {
		return []int{serverFast, serverRedis}
	}
	return []int{serverRedis, serverFast}
}

// replGroup is a master and its replicas.
type replGroup struct {
	master   *process
	replicas []*process
}

func (g *replGroup) stop() {
	for _, p := range g.replicas {
		p.Stop()
	}
	if g.master != nil {
		g.master.Stop()
	}
}

// cpu is the CPU time of the master and of all the replicas together.
func (g *replGroup) cpu() (master, replicas time.Duration, err error) {
	if master, err = g.master.cpuTime(); err != nil {
		return
	}
	for _, p := range g.replicas {
		d, e := p.cpuTime()
		if e != nil {
			return 0, 0, e
		}
		replicas += d
	}
	return
}

// startReplGroup starts a master and n replicas of it, and waits until
// every replica is online and has the master's offset.
func startReplGroup(l launcher, tmp, cpus string, n int) (*replGroup, error) {
	g := &replGroup{}
	var err error
	if g.master, err = l.start(tmp, cpus); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		p, err := l.start(tmp, cpus)
		if err != nil {
			g.stop()
			return nil, err
		}
		g.replicas = append(g.replicas, p)
		if err := replicaOf(p, g.master.port); err != nil {
			g.stop()
			return nil, err
		}
	}
	if err := g.probe(); err != nil {
		g.stop()
		return nil, err
	}
	return g, nil
}

// probe waits until every replica has loaded its sync, then writes a key
// on the master and waits until every replica has it: after a diskless
// sync both servers hold the stream back until the replica's first
// acknowledgement, up to a second later, and a run must not start before
// the stream flows.
func (g *replGroup) probe() error {
	start := time.Now()
	for _, p := range g.replicas {
		for {
			f, err := infoFields(p.port, "replication")
			if err != nil {
				return err
			}
			if f["master_link_status"] == "up" {
				break
			}
			if time.Since(start) > replWait {
				return fmt.Errorf("%s replica on port %d: link not up after %v", p.name, p.port, replWait)
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	m, err := dial(g.master.port)
	if err != nil {
		return err
	}
	defer m.close()
	if _, err := m.do("SET", "bench:probe", "1"); err != nil {
		return err
	}
	for _, p := range g.replicas {
		c, err := dial(p.port)
		if err != nil {
			return err
		}
		for {
			r, err := c.do("GET", "bench:probe")
			if err != nil {
				c.close()
				return err
			}
			if r.str == "1" {
				break
			}
			if time.Since(start) > replWait {
				c.close()
				return fmt.Errorf("%s replica on port %d did not get the probe key in %v", p.name, p.port, replWait)
			}
			time.Sleep(2 * time.Millisecond)
		}
		c.close()
	}
	_, err = g.drain()
	return err
}

// replicaOf points the server on p at the master on port.
func replicaOf(p *process, port int) error {
	c, err := dial(p.port)
	if err != nil {
		return err
	}
	defer c.close()
	_, err = c.do("REPLICAOF", "127.0.0.1", strconv.Itoa(port))
	return err
}

// drain waits until every replica is up with the master's offset, and
// returns how long that took.
func (g *replGroup) drain() (time.Duration, error) {
	start := time.Now()
	for _, p := range g.replicas {
		for {
			want, err := infoFields(g.master.port, "replication")
			if err != nil {
				return 0, err
			}
			got, err := infoFields(p.port, "replication")
			if err != nil {
				return 0, err
			}
			if got["master_link_status"] == "up" && got["slave_repl_offset"] == want["master_repl_offset"] {
				break
			}
			if time.Since(start) > replWait {
				return 0, fmt.Errorf("%s replica on port %d: offset %s, link %s, after %v; the master is at %s",
					p.name, p.port, got["slave_repl_offset"], got["master_link_status"], replWait, want["master_repl_offset"])
			}
			time.Sleep(2 * time.Millisecond)
		}
	}
	return time.Since(start), nil
}

// infoFields reads one INFO section of the server on port.
func infoFields(port int, section string) (map[string]string, error) {
	c, err := dial(port)
	if err != nil {
		return nil, err
	}
	defer c.close()
	r, err := c.do("INFO", section)
	if err != nil {
		return nil, err
	}
	m := map[string]string{}
	for _, line := range strings.Split(r.str, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			m[k] = v
		}
	}
	return m, nil
}

// measureWithReplicas runs every SET cell once against a fresh master with
// n replicas.
func measureWithReplicas(ctx context.Context, l launcher, tmp, serverCPUs, clientCPUs string, clients int, cells []cell, n, srv, round int) []replRun {
	runs := make([]replRun, len(cells))
	for i, c := range cells {
		runs[i] = replRun{server: srv, round: round, replicas: n, cell: c}
	}
	g, err := startReplGroup(l, tmp, serverCPUs, n)
	if err != nil {
		for i := range runs {
			runs[i].err = err.Error()
		}
		return runs
	}
	defer g.stop()
	for i, c := range cells {
		if ctx.Err() != nil {
			runs[i].err = ctx.Err().Error()
			continue
		}
		measureReplRun(ctx, g, clientCPUs, clients, c, &runs[i])
	}
	return runs
}

// measureReplRun runs one cell, waits for the replicas to catch up, and
// fills r.
func measureReplRun(ctx context.Context, g *replGroup, clientCPUs string, clients int, c cell, r *replRun) {
	m0, r0, err := g.cpu()
	if err != nil {
		r.err = err.Error()
		return
	}
	f, _, err := runBenchmark(ctx, clientCPUs, c.args(g.master.port, clients))
	if err != nil {
		r.err = err.Error()
		return
	}
	m1, _, err1 := g.cpu()
	drain, err2 := g.drain()
	_, r1, err3 := g.cpu()
	if err = errors.Join(err1, err2, err3); err != nil {
		r.err = err.Error()
		return
	}
	perM := func(d time.Duration) float64 { return d.Seconds() / float64(c.requests) * 1e6 }
	r.rps, r.masterCPU, r.replicaCPU, r.drain = f.rps, perM(m1-m0), perM(r1-r0), drain
}

// measureFullSyncs fills a master of each server with keys keys, then,
// rounds times, times the full sync of a fresh replica of each, the
// servers back to back in the matrix's alternating order.
func measureFullSyncs(ctx context.Context, launchers map[int]launcher, tmp, cpus string, keys, rounds int) []syncRun {
	var runs []syncRun
	masters := map[int]*process{}
	failed := map[int]error{}
	for _, srv := range []int{serverRedis, serverFast} {
		m, err := fillMaster(ctx, launchers[srv], tmp, cpus, keys)
		if err != nil {
			failed[srv] = err
			continue
		}
		defer m.Stop()
		masters[srv] = m
	}
	for round := 0; round < rounds; round++ {
		for _, srv := range roundOrder(round) {
			r := syncRun{server: srv, round: round, keys: keys}
			err := failed[srv]
			if err == nil {
				err = ctx.Err()
			}
			if err == nil {
				r.took, err = timeFullSync(launchers[srv], tmp, cpus, masters[srv], keys)
			}
			if err != nil {
				r.err = err.Error()
			}
			runs = append(runs, r)
		}
	}
	return runs
}

// fillMaster starts a server and loads keys keys into it.
func fillMaster(ctx context.Context, l launcher, tmp, cpus string, keys int) (*process, error) {
	m, err := l.start(tmp, cpus)
	if err != nil {
		return nil, err
	}
	c, err := dial(m.port)
	if err == nil {
		err = loadKeys(ctx, c, keys)
		c.close()
	}
	if err != nil {
		m.Stop()
		return nil, fmt.Errorf("loading the master: %w", err)
	}
	return m, nil
}

// timeFullSync starts a fresh replica of m and times it from REPLICAOF
// until its link is up and it holds every key.
func timeFullSync(l launcher, tmp, cpus string, m *process, keys int) (time.Duration, error) {
	p, err := l.start(tmp, cpus)
	if err != nil {
		return 0, err
	}
	defer p.Stop()
	c, err := dial(p.port)
	if err != nil {
		return 0, err
	}
	defer c.close()
	start := time.Now()
	if _, err := c.do("REPLICAOF", "127.0.0.1", strconv.Itoa(m.port)); err != nil {
		return 0, err
	}
	for {
		r, err := c.do("INFO", "replication")
		if err != nil {
			return 0, err
		}
		if strings.Contains(r.str, "master_link_status:up") {
			n, err := c.do("DBSIZE")
			if err != nil {
				return 0, err
			}
			if n.n == int64(keys) {
				return time.Since(start), nil
			}
		}
		if time.Since(start) > replWait {
			return 0, fmt.Errorf("%s replica not in sync after %v", l.name, replWait)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// replicationFile is the raw replication runs.
const replicationFile = "replication.csv"

// writeReplicationRuns writes every run of the scenario as a CSV row.
func (r *results) writeReplicationRuns(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "part", "server", "replicas", "pipeline", "size", "requests", "rps",
		"master_cpu_s_per_1m", "replica_cpu_s_per_1m", "drain_ms", "keys", "sync_s", "error"})
	for _, x := range r.repl.runs {
		cw.Write([]string{strconv.Itoa(x.round + 1), "set", serverNames[x.server], strconv.Itoa(x.replicas),
			strconv.Itoa(x.cell.pipeline), strconv.Itoa(x.cell.size), strconv.Itoa(x.cell.requests), num(x.rps),
			num(x.masterCPU), num(x.replicaCPU), num(float64(x.drain) / float64(time.Millisecond)), "", "", x.err})
	}
	for _, x := range r.repl.syncs {
		cw.Write([]string{strconv.Itoa(x.round + 1), "full sync", serverNames[x.server], "1", "", "", "", "",
			"", "", "", strconv.Itoa(x.keys), num(x.took.Seconds()), x.err})
	}
	cw.Flush()
	return cw.Error()
}

// replRow is one line of the throughput table: a cell at a replica count.
type replRow struct {
	cell     cell
	replicas int
}

// replFigures are one row's medians on one server.
type replFigures struct {
	rps, masterCPU, replicaCPU, drainMs float64
	err                                 string
}

func (r *results) replMedians(row replRow, srv int) replFigures {
	var rps, mc, rc, dr []float64
	var f replFigures
	for _, x := range r.repl.runs {
		switch {
		case x.server != srv || x.replicas != row.replicas || x.cell != row.cell:
		case x.err != "":
			f.err = x.err
		default:
			rps, mc, rc = append(rps, x.rps), append(mc, x.masterCPU), append(rc, x.replicaCPU)
			dr = append(dr, float64(x.drain)/float64(time.Millisecond))
		}
	}
	f.rps, f.masterCPU, f.replicaCPU, f.drainMs = median(rps), median(mc), median(rc), median(dr)
	return f
}

// replRatio is the median over the rounds of redis-fast's figure over
// Redis's, round by round, for the runs that match.
func replRatio[T any](runs []T, match func(T) bool, server func(T) int, round func(T) int, value func(T) float64) float64 {
	byRound := map[int]*[numServers]float64{}
	for _, x := range runs {
		if !match(x) {
			continue
		}
		if byRound[round(x)] == nil {
			byRound[round(x)] = &[numServers]float64{}
		}
		byRound[round(x)][server(x)] = value(x)
	}
	var ratios []float64
	for _, v := range byRound {
		if v[serverRedis] > 0 && v[serverFast] > 0 {
			ratios = append(ratios, v[serverFast]/v[serverRedis])
		}
	}
	return median(ratios)
}

// writeReplication writes the replication section of REPORT.md.
func (r *results) writeReplication(p *mdWriter) {
	if len(r.repl.runs) == 0 && len(r.repl.syncs) == 0 {
		return
	}
	p.line("## Replication")
	p.line("")
	p.line("`bench/replication.go`: redis-benchmark's SET, with the -c, -P and sizes of the SET rows above")
	p.line("(-n requests at -P 1, ten times as many at -P 16),")
	p.line("against a master with 0, 1 and 2 replicas attached (Redis with Redis replicas, redis-fast with")
	p.line("redis-fast replicas), fresh servers for each combination, the replicas in sync before the run.")
	p.line("**CPU s/1M** is CPU per million requests of the master, then of all the replicas together;")
	p.line("**drain** is how long after redis-benchmark ends the last replica reaches the master's offset.")
	p.line("The replicas run on the same machine, so they take CPU from the master and the client alike.")
	p.line("Every run is in %s.", replicationFile)
	p.line("")
	p.line("| P | size | replicas | Redis rps | redis-fast rps | ratio | CPU s/1M Redis (master + replicas) " +
		"| CPU s/1M redis-fast (master + replicas) | drain ms Redis | drain ms redis-fast |")
	p.line("|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|")
	var rows []replRow
	for _, x := range r.repl.runs {
		row := replRow{cell: x.cell, replicas: x.replicas}
		if !containsRow(rows, row) {
			rows = append(rows, row)
		}
	}
	for _, row := range rows {
		red, fast := r.replMedians(row, serverRedis), r.replMedians(row, serverFast)
		v := replRatio(r.repl.runs, func(x replRun) bool { return x.err == "" && x.replicas == row.replicas && x.cell == row.cell },
			func(x replRun) int { return x.server }, func(x replRun) int { return x.round }, func(x replRun) float64 { return x.rps })
		p.line("| %d | %s | %d | %s | %s | %s | %s | %s | %s | %s |", row.cell.pipeline, sizeName(row.cell.size), row.replicas,
			replFig(red, rate(red.rps)), replFig(fast, rate(fast.rps)), ratio(v),
			replFig(red, seconds(red.masterCPU)+" + "+seconds(red.replicaCPU)),
			replFig(fast, seconds(fast.masterCPU)+" + "+seconds(fast.replicaCPU)),
			replFig(red, millis(red.drainMs)), replFig(fast, millis(fast.drainMs)))
	}
	p.line("")
	r.writeFullSync(p)
}

func containsRow(rows []replRow, row replRow) bool {
	for _, x := range rows {
		if x == row {
			return true
		}
	}
	return false
}

// replFig is a figure, or the failure when a server had no good run.
func replFig(f replFigures, text string) string {
	if f.err != "" && math.IsNaN(f.rps) {
		return "failed: " + oneLine(f.err)
	}
	return text
}

// writeFullSync writes the full-sync lines of the replication section.
func (r *results) writeFullSync(p *mdWriter) {
	if len(r.repl.syncs) == 0 {
		return
	}
	keys := r.repl.syncs[0].keys
	p.line("Full sync of %d keys (`key:0000000` ..., 10-byte values) to a fresh replica, diskless, timed", keys)
	p.line("from REPLICAOF until the replica reports `master_link_status:up` holding every key; the")
	p.line("median of %d runs:", r.opts.rounds)
	p.line("")
	p.line("| server | full sync | runs |")
	p.line("|---|--:|--:|")
	for _, srv := range []int{serverRedis, serverFast} {
		var took []float64
		var failed string
		for _, x := range r.repl.syncs {
			switch {
			case x.server != srv:
			case x.err != "":
				failed = x.err
			default:
				took = append(took, x.took.Seconds())
			}
		}
		if len(took) == 0 {
			p.line("| %s | failed: %s | 0 |", serverNames[srv], oneLine(failed))
			continue
		}
		p.line("| %s | %.3f s | %d |", serverNames[srv], median(took), len(took))
	}
	v := replRatio(r.repl.syncs, func(x syncRun) bool { return x.err == "" },
		func(x syncRun) int { return x.server }, func(x syncRun) int { return x.round }, func(x syncRun) float64 { return x.took.Seconds() })
	p.line("")
	p.line("redis-fast's full sync takes %s Redis's time (below 1 is faster).", ratio(v))
	p.line("")
}
