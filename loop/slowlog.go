package loop

import (
	"strconv"
	"sync"
	"time"

	"redis-fast/db"
	"redis-fast/proto"
)

// slowlog keeps the commands that ran longer than slowlog-log-slower-than,
// newest first, at most slowlog-max-len of them. It is safe for concurrent
// use; it is touched only by slow commands.
type slowlog struct {
	mu      sync.Mutex
	nextID  int64
	entries []slowEntry // oldest first
	maxLen  int
}

type slowEntry struct {
	id       int64
	at       int64 // Unix seconds
	micros   int64
	argv     []string
	addr     string
	name     string
	argCount int
}

// Redis's limits on what one entry keeps of a command.
const (
	slowlogMaxArgc = 32
	slowlogMaxArgv = 128
)

func (l *slowlog) add(cl *client, argv [][]byte, at time.Time, d time.Duration) {
	e := slowEntry{at: at.Unix(), micros: d.Microseconds(), addr: cl.addr, name: cl.getName()}
	n := min(len(argv), slowlogMaxArgc)
	for i := 0; i < n; i++ {
		if n < len(argv) && i == n-1 {
			e.argv = append(e.argv, "... ("+strconv.Itoa(len(argv)-n+1)+" more arguments)")
			break
		}
		a := argv[i]
		if len(a) > slowlogMaxArgv {
			e.argv = append(e.argv, string(a[:slowlogMaxArgv])+"... ("+strconv.Itoa(len(a)-slowlogMaxArgv)+" more bytes)")
			continue
		}
		e.argv = append(e.argv, string(a))
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.maxLen == 0 {
		return
	}
	e.id = l.nextID
	l.nextID++
	l.entries = append(l.entries, e)
	if over := len(l.entries) - l.maxLen; over > 0 {
		l.entries = append(l.entries[:0], l.entries[over:]...)
	}
}

func (l *slowlog) setMaxLen(n int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.maxLen = n
	if over := len(l.entries) - n; over > 0 {
		l.entries = append(l.entries[:0], l.entries[over:]...)
	}
}

// slowThreshold is slowlog-log-slower-than as a duration; a negative
// setting disables the log.
func (s *Server) slowThreshold() time.Duration {
	us := s.slowlogThreshold.Load()
	if us < 0 {
		return 1<<63 - 1
	}
	return time.Duration(us) * time.Microsecond
}

var slowlogCommands = []serverCommand{
	{Command: db.Command{Name: "slowlog", Arity: -2, Group: "server", Since: "2.2.12"}, sub: []serverCommand{
		{Command: db.Command{Name: "get", Arity: -2, Flags: db.Admin | db.Loading | db.Stale, Group: "server", Since: "2.2.12"}, exec: cmdSlowlogGet},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "server", Since: "6.2.0"}, exec: cmdSlowlogHelp},
		{Command: db.Command{Name: "len", Arity: 2, Flags: db.Admin | db.Loading | db.Stale, Group: "server", Since: "2.2.12"}, exec: cmdSlowlogLen},
		{Command: db.Command{Name: "reset", Arity: 2, Flags: db.Admin | db.Loading | db.Stale, Group: "server", Since: "2.2.12"}, exec: cmdSlowlogReset},
	}},
}

// SLOWLOG GET [count]
func cmdSlowlogGet(s *Server, cl *client, argv [][]byte) {
	count := int64(10)
	if len(argv) == 3 {
		n, ok := proto.ParseInt(argv[2])
		if !ok || n < -1 {
			cl.w.Error("ERR count should be greater than or equal to -1")
			return
		}
		count = n
	} else if len(argv) > 3 {
		cl.w.Error("ERR wrong number of arguments for 'slowlog|get' command")
		return
	}
	l := &s.slowlog
	l.mu.Lock()
	defer l.mu.Unlock()
	n := int64(len(l.entries))
	if count >= 0 && count < n {
		n = count
	}
	w := &cl.w
	w.ArrayLen(int(n))
	for i := int64(0); i < n; i++ {
		e := l.entries[len(l.entries)-1-int(i)]
		w.ArrayLen(6)
		w.Int(e.id)
		w.Int(e.at)
		w.Int(e.micros)
		w.ArrayLen(len(e.argv))
		for _, a := range e.argv {
			w.BulkString(a)
		}
		w.BulkString(e.addr)
		w.BulkString(e.name)
	}
}

// SLOWLOG LEN
func cmdSlowlogLen(s *Server, cl *client, argv [][]byte) {
	s.slowlog.mu.Lock()
	n := len(s.slowlog.entries)
	s.slowlog.mu.Unlock()
	cl.w.Int(int64(n))
}

// SLOWLOG RESET
func cmdSlowlogReset(s *Server, cl *client, argv [][]byte) {
	s.slowlog.mu.Lock()
	s.slowlog.entries = nil
	s.slowlog.mu.Unlock()
	cl.w.OK()
}

// SLOWLOG HELP
func cmdSlowlogHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "SLOWLOG", []string{
		"GET [<count>]",
		"    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
		"    Entries are made of:",
		"    id, timestamp, time in microseconds, arguments array, client IP and port,",
		"    client name",
		"LEN",
		"    Return the length of the slowlog.",
		"RESET",
		"    Reset the slowlog.",
	})
}
