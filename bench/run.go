package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// installHint is the one line that tells how to get the Redis tools.
const installHint = "apt-get install -y redis-server redis-tools"

// run is the whole bench: build the ceiling, start the servers, run the
// rounds, measure memory, write the report. Every process it starts is
// stopped, by PID, before it returns.
func run(ctx context.Context, o options, stderr io.Writer) error {
	if err := checkTools(o); err != nil {
		return err
	}
	cells, err := matrix(o)
	if err != nil {
		return err
	}
	tmp, err := os.MkdirTemp("", "redis-fast-bench")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	ceilingBin := filepath.Join(tmp, "ceiling")
	if err := goBuild(ctx, o.root, "./bench/ceiling", ceilingBin); err != nil {
		return err
	}
	res := &results{opts: o, args: o.commandLine(), cells: cells, machine: describeMachine(o.root, o.server)}
	prog := newProgress(stderr, len(cells), o.rounds)
	servers := 3
	if o.twin {
		servers++
	}
	fmt.Fprintf(stderr, "bench: %d cells x %d rounds x %d servers; report in %s\n", len(cells), o.rounds, servers, o.out)

	if len(cells) > 0 {
		f, err := startFleet(o, tmp, ceilingBin, cells)
		if err != nil {
			return err
		}
		defer f.stop() // already done on the way out, unless something panicked
		res.machine.noteServers(f)
		r := newRunner(o, cells, f, prog)
		err = r.setUp()
		if err == nil {
			r.warmUp(ctx)
			res.samples, err = r.rounds(ctx)
		}
		f.stop() // before the memory runs, which want the machine to themselves
		if err != nil {
			return err
		}
		res.sums = summarize(cells, res.samples)
	}
	if o.profileWanted(cells) {
		res.profiles = runProfiles(ctx, o, tmp, ceilingBin, res.sums, prog)
	}
	if o.pubsubWanted() {
		res.pubsub = runPubsub(ctx, o, tmp, prog)
	}
	if o.replicationWanted() {
		res.repl = runReplication(ctx, o, tmp, prog)
	}
	if o.aofWanted() {
		res.aof = runAOF(ctx, o, tmp, prog)
	}
	if o.bgsaveWanted() {
		res.bgsave = runBgsave(ctx, o, tmp, prog)
	}
	if o.keys > 0 {
		serverCPUs, _, _ := strings.Cut(o.cpus, ":")
		for _, l := range []launcher{redisLauncher(), fastLauncher(o)} {
			prog.note("memory: loading %d keys into %s", o.keys, l.name)
			res.memory = append(res.memory, measureMemory(ctx, l, tmp, serverCPUs, o.keys))
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	res.machine.took = time.Since(res.machine.started)
	res.machine.loadAfter = loadAverage()
	if err := res.write(o.out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "bench: done in %s: %s\n", res.machine.took.Round(time.Second), filepath.Join(o.out, reportFile))
	return nil
}

// checkTools fails early, in one line, when a tool the bench needs is
// missing.
func checkTools(o options) error {
	for _, tool := range []string{"redis-server", "redis-benchmark"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s is not on PATH; install it with: %s", tool, installHint)
		}
	}
	if o.cpus != "" {
		if _, err := exec.LookPath("taskset"); err != nil {
			return errors.New("-cpus needs taskset (util-linux), which is not on PATH")
		}
	}
	if _, err := os.Stat(o.server); err != nil {
		return fmt.Errorf("no redis-fast binary at %s; run make build (or make bench)", o.server)
	}
	return nil
}

// commandLine is the bench's flags as the report records them.
func (o options) commandLine() []string {
	var args []string
	if o.quick {
		args = append(args, "-quick")
	}
	args = append(args, fmt.Sprintf("-rounds %d -n %d -c %d -keys %d", o.rounds, o.requests, o.clients, o.keys))
	if o.loops > 0 {
		args = append(args, fmt.Sprintf("-loops %d", o.loops))
	}
	if o.cpus != "" {
		args = append(args, "-cpus "+o.cpus)
	}
	if o.tests != "" {
		args = append(args, "-tests "+o.tests)
	}
	if !o.twin {
		args = append(args, "-twin=false")
	}
	if !o.profile {
		args = append(args, "-profile=false")
	}
	return args
}
