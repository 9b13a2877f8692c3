package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// The servers under test, in the order of the first round.
const (
	serverRedis = iota
	serverFast
	serverCeiling
	numServers
)

// serverNames are the servers' names in the report. Never written.
var serverNames = [numServers]string{"Redis", "redis-fast", "ceiling"}

// launcher knows how to start one kind of server on a port, in a directory.
type launcher struct {
	name string
	argv func(port int, dir string) []string
}

// start runs the server on a free loopback port and waits for PING.
func (l launcher) start(tmp, cpus string) (*process, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(tmp, strings.ReplaceAll(l.name, " ", "-"))
	if err != nil {
		return nil, err
	}
	return startProcess(l.name, pinned(cpus, l.argv(port, dir)), port, dir)
}

// redisLauncher starts a real redis-server without persistence.
func redisLauncher() launcher {
	return launcher{name: "Redis", argv: func(port int, dir string) []string {
		return []string{"redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir, "--logfile", ""}
	}}
}

// fastLauncher starts redis-fast without persistence.
func fastLauncher(o options) launcher {
	return launcher{name: "redis-fast", argv: func(port int, dir string) []string {
		argv := []string{o.server, "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--save", "", "--appendonly", "no", "--dir", dir}
		if o.loops > 0 {
			argv = append(argv, "--loops", strconv.Itoa(o.loops))
		}
		return argv
	}}
}

// ceilingLauncher starts the ceiling answering values of size bytes.
func ceilingLauncher(o options, binary string, size int) launcher {
	return launcher{name: fmt.Sprintf("ceiling d=%d", size), argv: func(port int, _ string) []string {
		return []string{binary, "-port", strconv.Itoa(port), "-d", strconv.Itoa(size), "-loops", strconv.Itoa(o.loops)}
	}}
}

// fleet is the servers a bench run drives: Redis, redis-fast, and one
// ceiling per value size.
type fleet struct {
	redis, fast *process
	ceilings    map[int]*process
}

// ceilingSize is the ceiling a cell runs against: its own value size, or 3
// bytes for a test whose size does not matter.
func ceilingSize(c cell) int {
	if c.size == 0 {
		return 3
	}
	return c.size
}

// startFleet starts every server the cells need; on error it stops those
// it started.
func startFleet(o options, tmp, ceilingBin string, cells []cell) (*fleet, error) {
	serverCPUs, _, _ := strings.Cut(o.cpus, ":")
	f := &fleet{ceilings: map[int]*process{}}
	var err error
	if f.redis, err = redisLauncher().start(tmp, serverCPUs); err != nil {
		return nil, err
	}
	if f.fast, err = fastLauncher(o).start(tmp, serverCPUs); err != nil {
		f.stop()
		return nil, err
	}
	for _, c := range cells {
		size := ceilingSize(c)
		if f.ceilings[size] != nil {
			continue
		}
		p, err := ceilingLauncher(o, ceilingBin, size).start(tmp, serverCPUs)
		if err != nil {
			f.stop()
			return nil, err
		}
		f.ceilings[size] = p
	}
	return f, nil
}

// server is the process that plays server i for cell c.
func (f *fleet) server(i int, c cell) *process {
	switch i {
	case serverRedis:
		return f.redis
	case serverFast:
		return f.fast
	}
	return f.ceilings[ceilingSize(c)]
}

// all lists every running process.
func (f *fleet) all() []*process {
	ps := []*process{f.redis, f.fast}
	for _, p := range f.ceilings {
		ps = append(ps, p)
	}
	return ps
}

// stop ends every server by PID.
func (f *fleet) stop() {
	for _, p := range f.all() {
		if p != nil {
			p.Stop()
		}
	}
}
