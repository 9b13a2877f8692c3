package main

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The BGSAVE scenario (issue 6): a fresh server holding -keys keys
// (key:0000000 ..., 10-byte values, loaded as the memory table loads them)
// is told BGSAVE while a probe keeps it busy: bgsaveClients connections,
// each sending GETs and SETs of random existing keys back to back, one at a
// time, recording every request's latency. The window runs from just before
// BGSAVE is sent until INFO persistence reports rdb_bgsave_in_progress:0;
// a probe request that overlaps it at all counts, so the requests that
// wait on the BGSAVE call itself (Redis forks inside it) are among them.
//
// Redis forks a child that writes the parent's frozen memory; the parent
// stops serving while the kernel copies its page tables, and then shares
// the machine with the child. redis-fast walks a point-in-time snapshot of
// its keyspace on a goroutine (db/snapshot.go) while the reactors serve.

// bgsaveTest is the name -tests knows the BGSAVE scenario by.
const bgsaveTest = "bgsave"

// bgsaveFile holds every run of the scenario.
const bgsaveFile = "bgsave.csv"

// bgsaveDump is the dbfilename both servers save to, each in a directory
// of its own.
const bgsaveDump = "dump.rdb"

const (
	bgsaveClients = 4                      // probe connections
	bgsaveLead    = 500 * time.Millisecond // probing before BGSAVE: the baseline
	bgsaveTail    = 250 * time.Millisecond // probing after it is done
	bgsavePoll    = 5 * time.Millisecond   // between INFO persistence polls
	bgsaveWait    = 2 * time.Minute        // the longest a BGSAVE may take
)

// bgsaveWanted reports whether -tests (or its absence) asks for the BGSAVE
// scenario; it needs keys to save.
func (o options) bgsaveWanted() bool {
	return o.keys > 0 && (o.tests == "" || hasName(o.tests, bgsaveTest))
}

// bgsaveRun is one BGSAVE on one server. Latencies are in ms.
type bgsaveRun struct {
	server, round, keys int
	took                time.Duration // from BGSAVE sent until INFO reports it done
	during, before      latencies     // probe requests overlapping the window; ended before it
	dump                int64         // the dump's size in bytes, -1 if unknown
	forkUsec            int64         // INFO stats latest_fork_usec, -1 if unknown
	err                 string
}

// latencies are the figures of a set of probe requests.
type latencies struct {
	requests   int
	worst, p99 float64 // ms; 0 for no requests
}

// probeSample is one probe request: when it was sent and how long its
// reply took, both measured from the probe's start.
type probeSample struct{ start, took time.Duration }

// window sums up the samples that overlap [from, to) at all, and those
// that ended before from.
func window(samples []probeSample, from, to time.Duration) (during, before latencies) {
	var in, pre []time.Duration
	for _, s := range samples {
		switch end := s.start + s.took; {
		case end <= from:
			pre = append(pre, s.took)
		case s.start < to:
			in = append(in, s.took)
		}
	}
	return latencyFigures(in), latencyFigures(pre)
}

func latencyFigures(d []time.Duration) latencies {
	l := latencies{requests: len(d), p99: percentileMs(d, 99)}
	for _, x := range d {
		l.worst = max(l.worst, float64(x)/float64(time.Millisecond))
	}
	return l
}

// bgsaveLauncher is l with its dump named bgsaveDump; persistence stays
// off otherwise (no save points, no AOF).
func bgsaveLauncher(l launcher) launcher {
	return launcher{name: l.name, argv: func(port int, dir string) []string {
		return append(l.argv(port, dir), "--dbfilename", bgsaveDump)
	}}
}

// runBgsave measures a BGSAVE on Redis and redis-fast, each fresh for
// each run, rounds times (once under -quick), flipping the servers' order
// every round as the matrix does.
func runBgsave(ctx context.Context, o options, tmp string, prog *progress) []bgsaveRun {
	serverCPUs, _, _ := strings.Cut(o.cpus, ":")
	launchers := map[int]launcher{serverRedis: bgsaveLauncher(redisLauncher()), serverFast: bgsaveLauncher(fastLauncher(o))}
	rounds := o.rounds
	if o.quick {
		rounds = 1
	}
	var runs []bgsaveRun
	for round := 0; round < rounds; round++ {
		for _, srv := range roundOrder(round) {
			if ctx.Err() != nil {
				return runs
			}
			prog.note("bgsave: %d keys on %s, round %d of %d", o.keys, serverNames[srv], round+1, rounds)
			r := measureBgsave(ctx, launchers[srv], tmp, serverCPUs, o.keys)
			r.server, r.round, r.keys = srv, round, o.keys
			runs = append(runs, r)
		}
	}
	return runs
}

// measureBgsave starts a server, loads keys keys, and times one BGSAVE
// under the probe. The server and its directory are gone when it returns.
func measureBgsave(ctx context.Context, l launcher, tmp, cpus string, keys int) bgsaveRun {
	r := bgsaveRun{dump: -1, forkUsec: -1}
	p, err := l.start(tmp, cpus)
	if err != nil {
		r.err = err.Error()
		return r
	}
	defer os.RemoveAll(p.cmd.Dir)
	defer p.Stop()
	if err := bgsaveOn(ctx, p, keys, &r); err != nil {
		r.err = err.Error()
	}
	return r
}

// bgsaveOn fills r from the server p: loads it, probes it, BGSAVEs it.
func bgsaveOn(ctx context.Context, p *process, keys int, r *bgsaveRun) error {
	c, err := dial(p.port)
	if err != nil {
		return err
	}
	defer c.close()
	if err := loadKeys(ctx, c, keys); err != nil {
		return fmt.Errorf("loading: %w", err)
	}
	pr, err := startProbe(p.port, keys)
	if err != nil {
		return err
	}
	pause(ctx, bgsaveLead)
	from, to, err := bgsave(ctx, c, pr.t0)
	if err == nil {
		pause(ctx, bgsaveTail)
	}
	samples, perr := pr.stop()
	if err = errors.Join(err, perr, ctx.Err()); err != nil {
		return err
	}
	r.took = to - from
	r.during, r.before = window(samples, from, to)
	fi, err := os.Stat(filepath.Join(p.cmd.Dir, bgsaveDump))
	if err != nil {
		return err
	}
	r.dump = fi.Size()
	if f, err := infoFields(p.port, "stats"); err == nil {
		if n, err := strconv.ParseInt(f["latest_fork_usec"], 10, 64); err == nil {
			r.forkUsec = n
		}
	}
	return nil
}

// pause waits for d, or until ctx is done.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}

// bgsave sends BGSAVE on c and polls INFO persistence until the save is
// done. from is just before BGSAVE was sent, to when the poll that saw it
// done was answered, both measured from t0.
func bgsave(ctx context.Context, c *conn, t0 time.Time) (from, to time.Duration, err error) {
	from = time.Since(t0)
	r, err := c.do("BGSAVE")
	if err != nil {
		return 0, 0, fmt.Errorf("BGSAVE: %w", err)
	}
	if r.str != "Background saving started" {
		return 0, 0, fmt.Errorf("BGSAVE answered %q", r.str)
	}
	for {
		info, err := c.do("INFO", "persistence")
		if err != nil {
			return 0, 0, err
		}
		done, err := bgsaveDone(info.str)
		if err != nil || done {
			return from, time.Since(t0), err
		}
		if time.Since(t0)-from > bgsaveWait {
			return 0, 0, fmt.Errorf("BGSAVE not done after %v", bgsaveWait)
		}
		if err := ctx.Err(); err != nil {
			return 0, 0, err
		}
		time.Sleep(bgsavePoll)
	}
}

// bgsaveDone reads INFO persistence: whether no BGSAVE runs, and an error
// when the last one failed or the fields are missing.
func bgsaveDone(info string) (bool, error) {
	f := map[string]string{}
	for _, line := range strings.Split(info, "\n") {
		if k, v, ok := strings.Cut(strings.TrimSpace(line), ":"); ok {
			f[k] = v
		}
	}
	switch f["rdb_bgsave_in_progress"] {
	case "1":
		return false, nil
	case "0":
	default:
		return false, errors.New("bench: no rdb_bgsave_in_progress in INFO persistence")
	}
	if s := f["rdb_last_bgsave_status"]; s != "ok" {
		return false, fmt.Errorf("bench: rdb_last_bgsave_status:%s", s)
	}
	return true, nil
}

// probe is the clients that keep a server busy during a BGSAVE, one
// goroutine per connection.
type probe struct {
	t0      time.Time
	done    atomic.Bool
	wg      sync.WaitGroup
	conns   []*conn
	samples [][]probeSample // per connection, written by its goroutine only
	errs    []error         // likewise
}

// startProbe dials bgsaveClients connections to port and sets each sending
// GET and SET, in turn, of random keys among key:0000000 ... keys-1.
func startProbe(port, keys int) (*probe, error) {
	pr := &probe{samples: make([][]probeSample, bgsaveClients), errs: make([]error, bgsaveClients)}
	for range bgsaveClients {
		c, err := dial(port)
		if err != nil {
			for _, c := range pr.conns {
				c.close()
			}
			return nil, err
		}
		pr.conns = append(pr.conns, c)
	}
	pr.t0 = time.Now()
	for i, c := range pr.conns {
		pr.wg.Add(1)
		go pr.run(i, c, keys)
	}
	return pr, nil
}

func (pr *probe) run(i int, c *conn, keys int) {
	defer pr.wg.Done()
	for n := 0; !pr.done.Load(); n++ {
		k := rand.IntN(keys)
		key := fmt.Sprintf("key:%07d", k)
		start := time.Since(pr.t0)
		var err error
		if n%2 == 0 {
			_, err = c.do("GET", key)
		} else {
			_, err = c.do("SET", key, fmt.Sprintf("v%09d", k))
		}
		if err != nil {
			pr.errs[i] = fmt.Errorf("probe: %w", err)
			return
		}
		pr.samples[i] = append(pr.samples[i], probeSample{start: start, took: time.Since(pr.t0) - start})
	}
}

// stop ends the probe and returns every request it timed.
func (pr *probe) stop() ([]probeSample, error) {
	pr.done.Store(true)
	pr.wg.Wait()
	var all []probeSample
	for i, c := range pr.conns {
		c.close()
		all = append(all, pr.samples[i]...)
	}
	return all, errors.Join(pr.errs...)
}

// writeBgsaveRuns writes every run of the scenario as a CSV row.
func (r *results) writeBgsaveRuns(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "server", "keys", "bgsave_ms", "requests_during", "worst_ms", "p99_ms",
		"requests_before", "worst_before_ms", "p99_before_ms", "dump_bytes", "latest_fork_usec", "error"})
	for _, x := range r.bgsave {
		cw.Write([]string{strconv.Itoa(x.round + 1), serverNames[x.server], strconv.Itoa(x.keys), num(ms(x.took)),
			strconv.Itoa(x.during.requests), num(x.during.worst), num(x.during.p99),
			strconv.Itoa(x.before.requests), num(x.before.worst), num(x.before.p99),
			strconv.FormatInt(x.dump, 10), strconv.FormatInt(x.forkUsec, 10), x.err})
	}
	cw.Flush()
	return cw.Error()
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// bgsaveFigures are one server's medians over its successful runs.
type bgsaveFigures struct {
	runs                     int
	took, worst, p99, dumpMB float64
	beforeP99, forkMs        float64
	err                      string // the last failure
}

// bgsaveMedians sums up server srv's runs.
func (r *results) bgsaveMedians(srv int) bgsaveFigures {
	var took, worst, p99, dump, before, fork []float64
	var f bgsaveFigures
	for _, x := range r.bgsave {
		switch {
		case x.server != srv:
		case x.err != "":
			f.err = x.err
		default:
			f.runs++
			took, worst, p99 = append(took, ms(x.took)), append(worst, x.during.worst), append(p99, x.during.p99)
			dump, before = append(dump, float64(x.dump)/1e6), append(before, x.before.p99)
			if x.forkUsec > 0 {
				fork = append(fork, float64(x.forkUsec)/1e3)
			}
		}
	}
	f.took, f.worst, f.p99, f.dumpMB = median(took), median(worst), median(p99), median(dump)
	f.beforeP99, f.forkMs = median(before), median(fork)
	return f
}

// bgsaveRatio is the median over the rounds of redis-fast's value over
// Redis's, round by round.
func (r *results) bgsaveRatio(value func(bgsaveRun) float64) float64 {
	return replRatio(r.bgsave, func(x bgsaveRun) bool { return x.err == "" },
		func(x bgsaveRun) int { return x.server }, func(x bgsaveRun) int { return x.round }, value)
}

func bgsaveWorst(x bgsaveRun) float64 { return x.during.worst }

// writeBgsave writes the BGSAVE section of REPORT.md.
func (r *results) writeBgsave(p *mdWriter) {
	if len(r.bgsave) == 0 {
		return
	}
	keys := r.bgsave[0].keys
	p.line("## BGSAVE (issue 6)")
	p.line("")
	p.line("`bench/bgsave.go`: a fresh server for each run, with no save points and no AOF, its dump in a")
	p.line("directory of its own under the temporary directory (%s), holds %d keys (`key:0000000` ...,", fsType(os.TempDir()), keys)
	p.line("10-byte values, loaded as for the memory table). A probe of %d connections sends GET and SET", bgsaveClients)
	p.line("of random existing keys back to back, one request at a time each, from %s before BGSAVE until", bgsaveLead)
	p.line("%s after it is done. **BGSAVE ms** runs from BGSAVE sent until INFO persistence, polled every", bgsaveTail)
	p.line("%s, reports `rdb_bgsave_in_progress:0` (with `rdb_last_bgsave_status:ok`); Redis notices its", bgsavePoll)
	p.line("child's exit in its cron, up to 100 ms late, and that is in its figure. **worst** and **p99** are")
	p.line("over every probe request that overlapped that window, including those that waited on the")
	p.line("BGSAVE call itself, where Redis forks. **dump MB** is the dump's size in 10^6 bytes. The median")
	p.line("of the runs is quoted; **worst ÷ Redis** is redis-fast's worst latency ÷ Redis's, taken within")
	p.line("each round (below 1 redis-fast stalled its clients less). Every run is in %s.", bgsaveFile)
	p.line("")
	p.line("| server | keys | BGSAVE ms | worst latency during BGSAVE ms | p99 latency during BGSAVE ms | dump MB | worst ÷ Redis | runs |")
	p.line("|---|--:|--:|--:|--:|--:|--:|--:|")
	for _, srv := range []int{serverRedis, serverFast} {
		f := r.bgsaveMedians(srv)
		if f.runs == 0 {
			p.line("| %s | %d | failed: %s | | | | | 0 |", serverNames[srv], keys, oneLine(f.err))
			continue
		}
		rel := ""
		if srv == serverFast {
			rel = ratio(r.bgsaveRatio(bgsaveWorst))
		}
		p.line("| %s | %d | %s | %s | %s | %s | %s | %d |", serverNames[srv], keys, millis(f.took), millis(f.worst),
			millis(f.p99), fmt.Sprintf("%.1f", f.dumpMB), rel, f.runs)
	}
	p.line("")
	red, fast := r.bgsaveMedians(serverRedis), r.bgsaveMedians(serverFast)
	if red.runs > 0 && fast.runs > 0 {
		p.line("Before BGSAVE the same probe's p99 was %s ms on Redis and %s ms on redis-fast.", millis(red.beforeP99), millis(fast.beforeP99))
		if !math.IsNaN(red.forkMs) {
			p.line("Redis's fork itself took %s ms (INFO stats `latest_fork_usec`).", millis(red.forkMs))
		}
		p.line("")
	}
	failed := false
	for _, x := range r.bgsave {
		if x.err != "" {
			p.line("- %s, round %d: `%s`", serverNames[x.server], x.round+1, oneLine(x.err))
			failed = true
		}
	}
	if failed {
		p.line("")
	}
}
