package loop

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
)

// latencyMonitor is Redis's LATENCY: for each event ("command",
// "fast-command"), the latest samples at or above latency-monitor-threshold
// milliseconds, one per second at most (the worst of that second), up to
// 160 of them. A threshold of 0 turns it off, and then observing costs one
// atomic load. It is safe for concurrent use.
type latencyMonitor struct {
	threshold atomic.Int64 // milliseconds

	mu     sync.Mutex
	events map[string]*latencyEvent
}

type latencyEvent struct {
	samples []latencySample // oldest first
	max     int64
}

type latencySample struct {
	at     int64 // Unix seconds
	millis int64
}

const latencySamples = 160

// observe records the command that started at start and ran for d if it
// was slow.
func (m *latencyMonitor) observe(cmd *command, start time.Time, d time.Duration) {
	th := m.threshold.Load()
	if th == 0 {
		return
	}
	ms := d.Milliseconds()
	if ms < th {
		return
	}
	event := "command"
	if cmd.Flags&db.Fast != 0 {
		event = "fast-command"
	}
	m.add(event, start.Unix(), ms)
}

func (m *latencyMonitor) add(event string, at, ms int64) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.events == nil {
		m.events = map[string]*latencyEvent{}
	}
	e := m.events[event]
	if e == nil {
		e = &latencyEvent{}
		m.events[event] = e
	}
	if ms > e.max {
		e.max = ms
	}
	if n := len(e.samples); n > 0 && e.samples[n-1].at == at {
		e.samples[n-1].millis = max(e.samples[n-1].millis, ms)
		return
	}
	e.samples = append(e.samples, latencySample{at: at, millis: ms})
	if len(e.samples) > latencySamples {
		e.samples = e.samples[1:]
	}
}

func (m *latencyMonitor) names() []string {
	names := make([]string, 0, len(m.events))
	for name := range m.events {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

var latencyCommands = []serverCommand{
	{Command: db.Command{Name: "latency", Arity: -2, Group: "server", Since: "2.8.13"}, sub: []serverCommand{
		{Command: db.Command{Name: "doctor", Arity: 2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyDoctor},
		{Command: db.Command{Name: "graph", Arity: 3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyGraph},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyHelp},
		{Command: db.Command{Name: "history", Arity: 3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyHistory},
		{Command: db.Command{Name: "latest", Arity: 2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyLatest},
		{Command: db.Command{Name: "reset", Arity: -2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdLatencyReset},
	}},
}

// LATENCY LATEST
func cmdLatencyLatest(s *Server, cl *client, argv [][]byte) {
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	names := m.names()
	cl.w.ArrayLen(len(names))
	for _, name := range names {
		e := m.events[name]
		last := e.samples[len(e.samples)-1]
		cl.w.ArrayLen(4)
		cl.w.BulkString(name)
		cl.w.Int(last.at)
		cl.w.Int(last.millis)
		cl.w.Int(e.max)
	}
}

// LATENCY HISTORY event
func cmdLatencyHistory(s *Server, cl *client, argv [][]byte) {
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.events[string(argv[2])]
	if e == nil {
		cl.w.ArrayLen(0)
		return
	}
	cl.w.ArrayLen(len(e.samples))
	for _, smp := range e.samples {
		cl.w.ArrayLen(2)
		cl.w.Int(smp.at)
		cl.w.Int(smp.millis)
	}
}

// LATENCY RESET [event [event ...]]
func cmdLatencyReset(s *Server, cl *client, argv [][]byte) {
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if len(argv) == 2 {
		n = len(m.events)
		m.events = nil
	} else {
		for _, a := range argv[2:] {
			if _, ok := m.events[string(a)]; ok {
				delete(m.events, string(a))
				n++
			}
		}
	}
	cl.w.Int(int64(n))
}

// LATENCY GRAPH event
func cmdLatencyGraph(s *Server, cl *client, argv [][]byte) {
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	e := m.events[string(argv[2])]
	if e == nil {
		cl.w.Error("ERR No samples available for event '" + string(argv[2]) + "'")
		return
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s - high %d ms, low %d ms (all time high %d ms)\n", argv[2], e.high(), e.low(), e.max)
	b.WriteString(strings.Repeat("-", 80) + "\n")
	for _, smp := range e.samples {
		fmt.Fprintf(&b, "%10d %s %d ms\n", smp.at, strings.Repeat("#", int(min(60, smp.millis*60/max(1, e.max)))), smp.millis)
	}
	cl.w.Verbatim("txt", b.String())
}

func (e *latencyEvent) high() int64 {
	var h int64
	for _, s := range e.samples {
		h = max(h, s.millis)
	}
	return h
}

func (e *latencyEvent) low() int64 {
	l := int64(1<<63 - 1)
	for _, s := range e.samples {
		l = min(l, s.millis)
	}
	return l
}

// LATENCY DOCTOR
func cmdLatencyDoctor(s *Server, cl *client, argv [][]byte) {
	m := &s.latency
	m.mu.Lock()
	defer m.mu.Unlock()
	var b strings.Builder
	if len(m.events) == 0 {
		b.WriteString("Dave, no latency spike was observed during the lifetime of this Redis instance, not in the slightest bit. I honestly think you ought to sleep tonight.\n")
	} else {
		b.WriteString("Dave, I have observed latency spikes in this Redis instance. You don't mind talking about it, do you Dave?\n\n")
		for i, name := range m.names() {
			e := m.events[name]
			fmt.Fprintf(&b, "%d. %s: %d latency spikes (average %dms, mean deviation %dms, period %d sec). Worst all time event %dms.\n",
				i+1, name, len(e.samples), e.average(), 0, 0, e.max)
		}
	}
	cl.w.Verbatim("txt", b.String())
}

func (e *latencyEvent) average() int64 {
	var sum int64
	for _, s := range e.samples {
		sum += s.millis
	}
	return sum / int64(max(1, len(e.samples)))
}

// LATENCY HELP
func cmdLatencyHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "LATENCY", []string{
		"DOCTOR",
		"    Return a human readable latency analysis report.",
		"GRAPH <event>",
		"    Return an ASCII latency graph for the <event> class.",
		"HISTORY <event>",
		"    Return time-latency samples for the <event> class.",
		"LATEST",
		"    Return the latest latency samples for all events.",
		"RESET [<event> ...]",
		"    Reset latency data of one or more <event> classes.",
		"    (default: reset all data for all event classes)",
	})
}
