package main

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
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
	// procs is how many Ps redis-fast ran with, on average over the run
	// (INFO server's gomaxprocs_seconds before and after); 0 for the
	// other servers, or when it could not be read.
	procs  float64
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
	procsBefore, atBefore := procSeconds(s, p)
	start := time.Now()
	before, err1 := p.cpuTime()
	f, client, err := runBenchmark(ctx, r.clientCPUs, c.args(p.port, r.o.clients))
	after, err2 := p.cpuTime()
	smp.client, smp.wall = client, time.Since(start)
	if procsAfter, atAfter := procSeconds(s, p); atBefore > 0 && atAfter > atBefore {
		smp.procs = (procsAfter - procsBefore) / (atAfter - atBefore)
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

// procSeconds reads redis-fast's gomaxprocs_seconds (INFO server), its
// count of Ps added up over time, and the server's clock (server_time_usec)
// in seconds: the same clock at both ends of a run, however long the INFO
// took to reach it. Both are 0 for the other servers, and when they cannot
// be read.
func procSeconds(server int, p *process) (procs, at float64) {
	if server != serverFast {
		return 0, 0
	}
	f, err := infoFields(p.port, "server")
	if err != nil {
		return 0, 0
	}
	procs, err1 := strconv.ParseFloat(f["gomaxprocs_seconds"], 64)
	usec, err2 := strconv.ParseFloat(f["server_time_usec"], 64)
	if err1 != nil || err2 != nil {
		return 0, 0
	}
	return procs, usec / 1e6
}

// lastLine is the last non-empty line of a log.
func lastLine(log string) string {
	lines := strings.Split(strings.TrimSpace(log), "\n")
	return lines[len(lines)-1]
}
