package main

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/pprof/profile"
)

// profileSeconds is how long a profiled run lasts, at the rate redis-fast
// reached in the matrix: at pprof's 100 samples a second per busy core, a
// -P 1 cell gets some 200 samples, so a share is good to about a percent.
const profileSeconds = 3.0

// A where is the part of a server a profile sample was taken in, from the
// stack the sample caught. The ceiling runs the same loop and parser as
// redis-fast, so where redis-fast spends more per request than the
// ceiling is redis-fast's own cost.
type where int

const (
	inWrite    where = iota // write(2) and writev(2): the reply, and the client's wake-up
	inRead                  // read(2): the request
	inEpoll                 // gnet's epoll_wait(2)
	inSyscall               // any other system call outside the Go runtime
	inParse                 // redis-fast/proto: RESP in and out
	inCommands              // redis-fast/db: the commands and the keyspace
	inServer                // the rest of the server: dispatch, connections (the ceiling's handler)
	inGnet                  // the event loop library
	inGC                    // the garbage collector's own work
	inRuntime               // the Go scheduler, timers, signals, the runtime's own system calls
	numWheres
)

// whereNames are the rows of the profile table.
var whereNames = [numWheres]string{
	"write(2)", "read(2)", "epoll_wait(2)", "other system calls",
	"RESP parsing and replies (proto)", "commands and keyspace (db)", "dispatch and connections",
	"gnet", "garbage collector", "Go scheduler and runtime",
}

// isSyscalls reports whether w is time in the kernel on the server's behalf.
func (w where) isSyscalls() bool { return w <= inSyscall }

// syscallEntry reports whether fn is one of Go's ways into the kernel, below
// the wrapper that names the call.
func syscallEntry(fn string) bool {
	for _, p := range []string{"internal/runtime/syscall.", "runtime/internal/syscall.",
		"syscall.Syscall", "syscall.RawSyscall", "syscall.rawSyscall", "syscall.rawVforkSyscall",
		"golang.org/x/sys/unix.Syscall", "golang.org/x/sys/unix.RawSyscall",
		"runtime.entersyscall", "runtime.exitsyscall", "runtime.reentersyscall"} {
		if strings.HasPrefix(fn, p) {
			return true
		}
	}
	return false
}

// gcWorkers are the functions under which the collector works, on its own
// goroutines or on an allocating one's (an assist).
var gcWorkers = []string{"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.bgsweep",
	"runtime.bgscavenge", "runtime.gcStart", "runtime.GC"}

// classify says where a sample was, from its stack, innermost function
// first (inlined functions included, as pprof lists them).
func classify(stack []string) where {
	if slices.ContainsFunc(stack, func(fn string) bool { return slices.Contains(gcWorkers, fn) }) {
		return inGC
	}
	// A system call is named by the first function above Go's syscall
	// entry: unix.write, gnet's io.Writev, unix.EpollWait. The runtime's
	// own (netpoll, futex) are the scheduler's cost.
	for i, fn := range stack {
		if !syscallEntry(fn) {
			continue
		}
		for _, caller := range stack[i+1:] {
			if syscallEntry(caller) {
				continue
			}
			if strings.HasPrefix(caller, "runtime.") {
				return inRuntime
			}
			return syscallKind(caller)
		}
		return inSyscall
	}
	// Otherwise the innermost function of the servers' own code or gnet's:
	// a memmove or an allocation counts for the code that asked for it.
	for _, fn := range stack {
		switch {
		case strings.HasPrefix(fn, "redis-fast/proto."):
			return inParse
		case strings.HasPrefix(fn, "redis-fast/db."):
			return inCommands
		case strings.HasPrefix(fn, "redis-fast/"), strings.HasPrefix(fn, "main."):
			return inServer
		case strings.HasPrefix(fn, "github.com/panjf2000/gnet/"):
			return inGnet
		}
	}
	return inRuntime
}

// syscallKind names the system call a wrapper function makes.
func syscallKind(fn string) where {
	name := strings.ToLower(fn[strings.LastIndexByte(fn, '.')+1:])
	switch {
	case strings.Contains(name, "epollwait"), strings.Contains(name, "epoll_wait"):
		return inEpoll
	case strings.Contains(name, "write"):
		return inWrite
	case strings.Contains(name, "read"):
		return inRead
	}
	return inSyscall
}

// profileWanted reports whether the target cells get profiled: when
// -profile is on and the matrix has any of them.
func (o options) profileWanted(cells []cell) bool {
	return o.profile && slices.ContainsFunc(cells, func(c cell) bool { return profiled(c, o.sizes) })
}

// profileRun is one profiled run: a fresh server, one cell.
type profileRun struct {
	cell     cell
	server   int // serverFast or serverCeiling
	requests int
	samples  int
	cpu      [numWheres]time.Duration // sampled CPU time, by where
	raw      []byte                   // the profile as the server wrote it
	err      string
}

// total is the CPU time all the run's samples stand for.
func (p profileRun) total() time.Duration {
	var t time.Duration
	for _, d := range p.cpu {
		t += d
	}
	return t
}

// perRequest is the CPU time per request spent in w, in nanoseconds.
func (p profileRun) perRequest(w where) float64 {
	return float64(p.cpu[w]) / float64(p.requests)
}

// perRequestAll is the CPU time per request of the whole run, in
// nanoseconds.
func (p profileRun) perRequestAll() float64 { return float64(p.total()) / float64(p.requests) }

// syscallShare is the share of the run's CPU time spent in system calls.
func (p profileRun) syscallShare() float64 {
	var s time.Duration
	for w := range numWheres {
		if w.isSyscalls() {
			s += p.cpu[w]
		}
	}
	if p.total() == 0 {
		return math.NaN()
	}
	return float64(s) / float64(p.total())
}

// fileName is the name of the run's profile in the report directory.
func (p profileRun) fileName() string {
	name := fmt.Sprintf("profile-%s-%s-p%d", strings.ReplaceAll(serverNames[p.server], " ", "-"),
		p.cell.test.key, p.cell.pipeline)
	if p.cell.size > 0 {
		name += "-" + strings.ToLower(strings.ReplaceAll(sizeName(p.cell.size), " ", ""))
	}
	return name + ".pprof"
}

// profiled says whether a cell is profiled: it is one of the rate
// targets', SET and GET at each pipeline depth with the smallest values
// (where the per-request costs outside the kernel are largest), or
// SINTERCARD at -P 1, whose margin is the one the machine's noise most
// often takes.
func profiled(c cell, sizes []int) bool {
	switch c.test.key {
	case "set", "get":
		return c.size == slices.Min(sizes)
	case "sintercard":
		return c.pipeline == 1
	}
	return false
}

// runProfiles profiles redis-fast and the ceiling, each fresh and alone on
// the machine, in the profiled cells, each for about profileSeconds at the
// rate redis-fast reached there in the matrix (and never for fewer
// requests than the cell's own).
func runProfiles(ctx context.Context, o options, tmp, ceilingBin string, sums []summary, prog *progress) []profileRun {
	var runs []profileRun
	for _, sum := range sums {
		c := sum.cell
		if !profiled(c, o.sizes) {
			continue
		}
		if rps := sum.rps[serverFast]; !math.IsNaN(rps) {
			c.requests = max(c.requests, int(rps*profileSeconds))
		}
		for _, s := range []int{serverFast, serverCeiling} {
			if ctx.Err() != nil {
				return runs
			}
			prog.note("profile: %s on %s, %d requests", c, serverNames[s], c.requests)
			runs = append(runs, profileOne(ctx, o, tmp, ceilingBin, c, s))
		}
	}
	return runs
}

// profileOne runs the cell once against a fresh server writing a CPU
// profile, stops the server so it writes the profile out, and reads it.
func profileOne(ctx context.Context, o options, tmp, ceilingBin string, c cell, server int) profileRun {
	run := profileRun{cell: c, server: server, requests: c.requests}
	path := filepath.Join(tmp, run.fileName())
	l := fastLauncher(o).with("--cpuprofile", path)
	if server == serverCeiling {
		l = ceilingLauncher(o, ceilingBin, ceilingSize(c)).with("-cpuprofile", path)
	}
	serverCPUs, clientCPUs, _ := strings.Cut(o.cpus, ":")
	p, err := l.start(tmp, serverCPUs)
	if err != nil {
		run.err = err.Error()
		return run
	}
	if c.test.key == "sintercard" {
		err = loadSets(p.port) // the ceiling answers them as it answers anything
	}
	if err == nil {
		_, _, err = runBenchmark(ctx, clientCPUs, c.args(p.port, o.clients))
	}
	p.Stop()
	if err != nil {
		run.err = err.Error()
		return run
	}
	if run.raw, err = os.ReadFile(path); err == nil {
		err = run.read()
	}
	if err != nil {
		run.err = "reading the profile: " + err.Error()
	}
	return run
}

// read adds up the profile's CPU samples by where they were taken.
func (p *profileRun) read() error {
	prof, err := profile.Parse(bytes.NewReader(p.raw))
	if err != nil {
		return err
	}
	count, cpu := -1, -1
	for i, st := range prof.SampleType {
		switch {
		case st.Type == "samples" && st.Unit == "count":
			count = i
		case st.Type == "cpu" && st.Unit == "nanoseconds":
			cpu = i
		}
	}
	if count < 0 || cpu < 0 {
		return fmt.Errorf("not a CPU profile: no samples/count and cpu/nanoseconds values")
	}
	var stack []string
	for _, s := range prof.Sample {
		stack = stack[:0]
		for _, loc := range s.Location {
			for _, line := range loc.Line {
				if line.Function != nil {
					stack = append(stack, line.Function.Name)
				}
			}
		}
		p.cpu[classify(stack)] += time.Duration(s.Value[cpu])
		p.samples += int(s.Value[count])
	}
	return nil
}

// profilePair is one profiled cell's two runs.
type profilePair struct {
	cell          cell
	fast, ceiling *profileRun
}

// profilePairs pairs the runs by cell, in the order they ran.
func (r *results) profilePairs() []profilePair {
	var pairs []profilePair
	for i := range r.profiles {
		run := &r.profiles[i]
		if len(pairs) == 0 || pairs[len(pairs)-1].cell.String() != run.cell.String() {
			pairs = append(pairs, profilePair{cell: run.cell})
		}
		pp := &pairs[len(pairs)-1]
		if run.err != "" {
			continue
		}
		if run.server == serverFast {
			pp.fast = run
		} else {
			pp.ceiling = run
		}
	}
	return pairs
}

// profileFor is the profiled pair for a cell's test and pipeline depth,
// whatever its value size; ok is false when there is none with both runs.
func (r *results) profileFor(c cell) (profilePair, bool) {
	for _, pp := range r.profilePairs() {
		if pp.cell.test.key == c.test.key && pp.cell.pipeline == c.pipeline && pp.fast != nil && pp.ceiling != nil {
			return pp, true
		}
	}
	return profilePair{}, false
}

// syscallsText says how much of each server's CPU went to system calls:
// "system calls took 78% of redis-fast's CPU time and 81% of the ceiling's".
func (pp profilePair) syscallsText() string {
	return fmt.Sprintf("system calls took %s of redis-fast's CPU time and %s of the ceiling's",
		percent(pp.fast.syscallShare()), percent(pp.ceiling.syscallShare()))
}

// extraText says where redis-fast spent more per request than the
// ceiling: its own cost, which no change to the loop or the kernel removes.
func (pp profilePair) extraText() string {
	extra := pp.fast.perRequestAll() - pp.ceiling.perRequestAll() // ns
	text := fmt.Sprintf("redis-fast spent %s of CPU per request, the ceiling %s",
		nanos(pp.fast.perRequestAll()), nanos(pp.ceiling.perRequestAll()))
	if extra <= 0 {
		return text + ": nothing more than the bare loop"
	}
	type part struct {
		w  where
		ns float64
	}
	var parts []part
	for w := range numWheres {
		if d := pp.fast.perRequest(w) - pp.ceiling.perRequest(w); d >= extra/10 {
			parts = append(parts, part{w, d})
		}
	}
	slices.SortFunc(parts, func(a, b part) int { return cmp.Compare(b.ns, a.ns) })
	var named []string
	for _, p := range parts[:min(3, len(parts))] {
		named = append(named, fmt.Sprintf("%s in %s", nanos(p.ns), whereNames[p.w]))
	}
	text += fmt.Sprintf("; of the %s more", nanos(extra))
	if len(named) > 0 {
		text += ", " + strings.Join(named, ", ")
	}
	return text
}

// nanos is a CPU time per request: "11.02 µs", "840 ns".
func nanos(ns float64) string {
	if math.Abs(ns) >= 1000 {
		return fmt.Sprintf("%.2f µs", ns/1000)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// profileBound is what a missed rate target's profile says, or "".
func (r *results) profileBound(c cell) string {
	pp, ok := r.profileFor(c)
	if !ok {
		return ""
	}
	in := "In its profile"
	if pp.cell.size != c.size {
		in = "In the profile of " + pp.cell.String()
	}
	return fmt.Sprintf("%s (\"Where the CPU goes\"), %s; %s.", in, pp.syscallsText(), pp.extraText())
}

func (r *results) writeProfiles(p *mdWriter) {
	pairs := r.profilePairs()
	if len(pairs) == 0 {
		return
	}
	p.line("## Where the CPU goes")
	p.line("")
	var names []string
	for _, pp := range pairs {
		names = append(names, pp.cell.String())
	}
	p.line("After the matrix, redis-fast and the ceiling each run %s once more,", strings.Join(names, ", "))
	p.line("fresh and alone, under Go's CPU profiler (`-cpuprofile`, 100 samples a second per busy thread), for")
	p.line("about %.1f s at the rate redis-fast reached in the matrix. Each sample is filed by the stack it", profileSeconds)
	p.line("caught: a system call by the call (time in the kernel counts: the sample is of the thread's CPU")
	p.line("time), otherwise by the innermost function of the server's code or gnet's, so a copy or an")
	p.line("allocation counts for the code that asked for it. The figures are CPU time per request. The")
	p.line("ceiling runs the same loop and parser and stores nothing, so a row where redis-fast spends more")
	p.line("is redis-fast's own cost. The profiles are next to this report, e.g.")
	p.line("`go tool pprof -top %s`.", filepath.Join("bench", "results", pairs[0].fastName()))
	p.line("")
	head, rule := "| where |", "|---|"
	for _, pp := range pairs {
		head += fmt.Sprintf(" %s redis-fast | ceiling |", pp.cell)
		rule += "--:|--:|"
	}
	p.line("%s", head)
	p.line("%s", rule)
	cellOf := func(run *profileRun, v func(*profileRun) string) string {
		if run == nil {
			return "failed"
		}
		return v(run)
	}
	row := func(name string, v func(*profileRun) string) {
		line := "| " + name + " |"
		for _, pp := range pairs {
			line += " " + cellOf(pp.fast, v) + " | " + cellOf(pp.ceiling, v) + " |"
		}
		p.line("%s", line)
	}
	for w := range numWheres {
		row(whereNames[w], func(run *profileRun) string { return nanos(run.perRequest(w)) })
	}
	row("**total**", func(run *profileRun) string {
		return "**" + nanos(run.perRequestAll()) + "**"
	})
	row("samples", func(run *profileRun) string { return strconv.Itoa(run.samples) })
	p.line("")
	for _, pp := range pairs {
		if pp.fast == nil || pp.ceiling == nil {
			continue
		}
		p.line("- %s: %s; %s.", pp.cell, pp.syscallsText(), pp.extraText())
	}
	for _, run := range r.profiles {
		if run.err != "" {
			p.line("- %s on %s: %s", run.cell, serverNames[run.server], oneLine(run.err))
		}
	}
	p.line("")
}

// fastName is the file name of the pair's redis-fast profile.
func (pp profilePair) fastName() string {
	return profileRun{cell: pp.cell, server: serverFast}.fileName()
}

// writeProfileFiles saves the raw profiles into the report directory, and
// removes those an earlier run left there, which this report would not
// speak of.
func (r *results) writeProfileFiles(dir string) error {
	old, _ := filepath.Glob(filepath.Join(dir, "profile-*.pprof"))
	for _, f := range old {
		if err := os.Remove(f); err != nil {
			return err
		}
	}
	for _, run := range r.profiles {
		if len(run.raw) == 0 {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, run.fileName()), run.raw, 0o644); err != nil {
			return err
		}
	}
	return nil
}
