package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"redis-fast/cpustat"
)

// Sample statuses.
const (
	statusOK          = "ok"
	statusUnsupported = "unsupported" // the server answered with an error
	statusFailed      = "failed"      // the run itself went wrong
)

// sample is one run of one cell on one server.
type sample struct {
	round, cell, server int
	figures
	cpu    time.Duration // the server's CPU time during the run
	client time.Duration // redis-benchmark's own CPU time
	wall   time.Duration // how long the run took
	// others is the CPU time the rest of the machine took during the run:
	// every core's busy time less the server's and the client's (to the
	// 10 ms of /proc/stat's counters); -1 when it could not be read.
	others time.Duration
	// procs is how many Ps redis-fast ran with, on average over the run
	// (INFO server's gomaxprocs_seconds before and after); 0 for the
	// other servers, or when it could not be read.
	procs float64
	// goRuntime: redis-fast's garbage collections during the run, and its
	// goroutines' waits in the run queue of a millisecond or more (the
	// runtime samples about one wait in eight); read is false for the
	// other servers, or when INFO could not be read.
	goRuntime struct {
		read                bool
		gcCycles, longWaits int64
	}
	status string
	msg    string
}

// runner drives the rounds and remembers what each server cannot do.
type runner struct {
	o          options
	clientCPUs string
	cells      []cell
	fleet      *fleet
	prog       *progress
	// unsupported holds, per server, the error of each test it cannot run;
	// later cells of that test are not run again.
	unsupported [numServers]map[string]string
	// stuck is why a server is no longer run at all: a run timed out and
	// the server no longer answers PING. (One that still does was only slow,
	// and just that cell fails.)
	stuck [numServers]string
}

func newRunner(o options, cells []cell, f *fleet, prog *progress) *runner {
	_, client, _ := strings.Cut(o.cpus, ":")
	r := &runner{o: o, clientCPUs: client, cells: cells, fleet: f, prog: prog}
	for i := range r.unsupported {
		r.unsupported[i] = map[string]string{}
	}
	return r
}

// setUp loads what the cells need before the first round: the two sets of
// SINTERCARD, 1000 members each, 500 of them shared. A server that cannot
// load them cannot run the test.
func (r *runner) setUp() error {
	var need bool
	for _, c := range r.cells {
		need = need || c.test.key == "sintercard"
	}
	if !need {
		return nil
	}
	for s := range numServers {
		p := r.fleet.server(s, cell{size: 3})
		if p == nil {
			continue
		}
		err := loadSets(p.port)
		if isReplyError(err) {
			r.unsupported[s]["sintercard"] = "loading the sets: " + err.Error()
		} else if err != nil {
			return err
		}
	}
	return nil
}

func loadSets(port int) error {
	c, err := dial(port)
	if err != nil {
		return err
	}
	defer c.close()
	for _, set := range []struct {
		key   string
		first int
	}{{"s1", 0}, {"s2", 500}} {
		args := []string{"sadd", set.key}
		for i := set.first; i < set.first+1000; i++ {
			args = append(args, "m:"+strconv.Itoa(i))
		}
		if _, err := c.do(args...); err != nil {
			return err
		}
	}
	return nil
}

// warmUp runs a short unrecorded load against every server, so no server's
// first measured cell pays for its start (page faults, buffers, heap growth).
func (r *runner) warmUp(ctx context.Context) {
	for _, p := range r.fleet.all() {
		args := []string{"-h", "127.0.0.1", "-p", strconv.Itoa(p.port), "-c", strconv.Itoa(r.o.clients),
			"-n", strconv.Itoa(r.o.requests), "-P", "16", "--csv", "-t", "ping_mbulk,set,get"}
		runBenchmark(ctx, r.clientCPUs, args)
	}
}

// rounds runs every cell on every server, rounds times. Each round runs the
// cells in matrix order and, per cell, the servers back to back, in an order
// that flips every round (the twin, Redis, redis-fast, ceiling; then the
// reverse), so neither drift nor position favours a server.
func (r *runner) rounds(ctx context.Context) ([]sample, error) {
	var samples []sample
	for round := range r.o.rounds {
		order := r.fleet.order(round)
		for ci, c := range r.cells {
			for k, s := range order {
				if err := ctx.Err(); err != nil {
					return samples, err
				}
				r.prog.show(round, ci, k == 0, c, serverNames[s])
				samples = append(samples, r.measure(ctx, round, ci, s))
			}
		}
	}
	r.prog.done()
	return samples, nil
}

// measure runs one cell once on one server, reading the server's CPU time
// before and after.
func (r *runner) measure(ctx context.Context, round, ci, s int) sample {
	c := r.cells[ci]
	smp := sample{round: round, cell: ci, server: s, status: statusOK}
	if msg, ok := r.unsupported[s][c.test.key]; ok {
		smp.status, smp.msg = statusUnsupported, msg
		return smp
	}
	p := r.fleet.server(s, c)
	if !p.alive() {
		smp.status, smp.msg = statusFailed, fmt.Sprintf("%s has exited (%s); its log ends: %s",
			p.name, p.cmd.ProcessState, lastLine(p.log.String()))
		return smp
	}
	if r.stuck[s] != "" {
		smp.status, smp.msg = statusFailed, r.stuck[s]
		return smp
	}
	rtBefore := readGoRuntime(s, p)
	start := time.Now()
	machineBefore, ok1 := cpustat.Read()
	before, err1 := p.cpuTime()
	f, client, err := runBenchmark(ctx, r.clientCPUs, c.args(p.port, r.o.clients))
	after, err2 := p.cpuTime()
	machineAfter, ok2 := cpustat.Read()
	smp.client, smp.wall = client, time.Since(start)
	smp.others = -1
	if ok1 && ok2 && err1 == nil && err2 == nil {
		busy := cpustat.Duration(machineAfter.Busy - machineBefore.Busy)
		smp.others = max(0, busy-(after-before)-client)
	}
	if rtAfter := readGoRuntime(s, p); rtBefore.ok && rtAfter.ok && rtAfter.at > rtBefore.at {
		smp.procs = (rtAfter.procSeconds - rtBefore.procSeconds) / (rtAfter.at - rtBefore.at)
		smp.goRuntime.read = true
		smp.goRuntime.gcCycles = rtAfter.gcCycles - rtBefore.gcCycles
		smp.goRuntime.longWaits = rtAfter.longWaits - rtBefore.longWaits
	}
	var u *unsupportedError
	if errors.As(err, &u) {
		r.unsupported[s][c.test.key] = u.msg
		smp.status, smp.msg = statusUnsupported, u.msg
		return smp
	}
	if err == nil {
		err = err1
	}
	if err == nil {
		err = err2
	}
	if errors.Is(err, errTimeout) && !p.answers() {
		r.stuck[s] = fmt.Sprintf("%s stopped answering during %s", p.name, c)
	}
	if err != nil {
		smp.status, smp.msg = statusFailed, err.Error()
		return smp
	}
	smp.figures, smp.cpu = f, after-before
	return smp
}

// goRuntimeReading is what redis-fast's INFO server says of its Go
// runtime at one moment.
type goRuntimeReading struct {
	ok bool
	// procSeconds is gomaxprocs_seconds, its count of Ps added up over
	// time; at is the server's clock (server_time_usec) in seconds: the
	// same clock at both ends of a run, however long the INFO took to
	// reach it.
	procSeconds, at float64
	// gcCycles is go_gc_cycles; longWaits is go_sched_waits' count of waits
	// of a millisecond or more.
	gcCycles, longWaits int64
}

// readGoRuntime reads redis-fast's runtime figures; ok is false for the
// other servers, and when they cannot be read.
func readGoRuntime(server int, p *process) goRuntimeReading {
	if server != serverFast {
		return goRuntimeReading{}
	}
	f, err := infoFields(p.port, "server")
	if err != nil {
		return goRuntimeReading{}
	}
	procs, err1 := strconv.ParseFloat(f["gomaxprocs_seconds"], 64)
	usec, err2 := strconv.ParseFloat(f["server_time_usec"], 64)
	cycles, err3 := strconv.ParseInt(f["go_gc_cycles"], 10, 64)
	waits, err4 := strconv.ParseInt(listField(f["go_sched_waits"], "ge_1000us"), 10, 64)
	if err := errors.Join(err1, err2, err3, err4); err != nil {
		return goRuntimeReading{}
	}
	return goRuntimeReading{ok: true, procSeconds: procs, at: usec / 1e6, gcCycles: cycles, longWaits: waits}
}

// listField is one value of an INFO field of the form "a=1,b=2".
func listField(v, name string) string {
	for _, kv := range strings.Split(v, ",") {
		if k, val, ok := strings.Cut(kv, "="); ok && k == name {
			return val
		}
	}
	return ""
}

// lastLine is the last non-empty line of a log.
func lastLine(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return lines[len(lines)-1]
}
