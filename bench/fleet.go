package main

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// The servers under test. The twin is a second redis-server, identical
// to the first: what a ratio to Redis looks like when nothing differs but
// the moment each ran, on this machine, in these rounds.
const (
	serverRedis = iota
	serverFast
	serverCeiling
	serverTwin
	numServers
)

// serverNames are the servers' names in the report. Never written.
var serverNames = [numServers]string{"Redis", "redis-fast", "ceiling", "Redis twin"}

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

// with is the launcher with more arguments after its own.
func (l launcher) with(extra ...string) launcher {
	argv := l.argv
	l.argv = func(port int, dir string) []string { return append(argv(port, dir), extra...) }
	return l
}

// redisLauncher starts a real redis-server without persistence.
func redisLauncher() launcher { return redisNamed(serverNames[serverRedis]) }

// redisNamed is redisLauncher under another name, for the twin.
func redisNamed(name string) launcher {
	return launcher{name: name, argv: func(port int, dir string) []string {
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

// fleet is the servers a bench run drives: Redis, redis-fast, one
// ceiling per value size, and Redis's twin unless -twin=false.
type fleet struct {
	redis, fast, twin *process
	ceilings          map[int]*process
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
	if o.twin {
		if f.twin, err = redisNamed(serverNames[serverTwin]).start(tmp, serverCPUs); err != nil {
			f.stop()
			return nil, err
		}
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

// server is the process that plays server i for cell c; nil for the twin
// when there is none.
func (f *fleet) server(i int, c cell) *process {
	switch i {
	case serverRedis:
		return f.redis
	case serverFast:
		return f.fast
	case serverTwin:
		return f.twin
	}
	return f.ceilings[ceilingSize(c)]
}

// order is the servers in the order round runs them: Redis between
// redis-fast and its twin, so each compares with a run next to Redis's;
// reversed every other round, so neither drift nor position favours one.
func (f *fleet) order(round int) []int {
	order := []int{serverRedis, serverFast, serverCeiling}
	if f.twin != nil {
		order = append([]int{serverTwin}, order...)
	}
	if round%2 == 1 {
		slices.Reverse(order)
	}
	return order
}

// all lists every running process.
func (f *fleet) all() []*process {
	ps := []*process{f.redis, f.fast}
	if f.twin != nil {
		ps = append(ps, f.twin)
	}
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
