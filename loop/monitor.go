package loop

import (
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// monitorSet is the clients in MONITOR mode. Every command run by any client
// is formatted once and pushed into each one's outbox (output.go), the way
// into a connection another reactor owns, where it counts towards the
// client's output-buffer limit. count lets the
// dispatcher skip all of it with one atomic load when nobody monitors.
type monitorSet struct {
	count atomic.Int32

	mu      sync.Mutex
	clients []*client
}

func (m *monitorSet) add(cl *client) {
	m.mu.Lock()
	m.clients = append(m.clients, cl)
	m.count.Store(int32(len(m.clients)))
	m.mu.Unlock()
}

func (m *monitorSet) remove(cl *client) {
	m.mu.Lock()
	for i, o := range m.clients {
		if o == cl {
			m.clients = append(m.clients[:i], m.clients[i+1:]...)
			break
		}
	}
	m.count.Store(int32(len(m.clients)))
	m.mu.Unlock()
}

// feed sends one command line to every monitor, in Redis's format:
//
//	+1700000000.123456 [0 127.0.0.1:50000] "SET" "k" "v"
func (m *monitorSet) feed(from *client, argv [][]byte, at time.Time) {
	line := make([]byte, 0, 64)
	line = append(line, '+')
	line = strconv.AppendInt(line, at.Unix(), 10)
	line = append(line, '.')
	us := at.Nanosecond() / 1000
	for d := 100000; d > 0; d /= 10 {
		line = append(line, byte('0'+us/d%10))
	}
	line = append(line, " ["...)
	line = strconv.AppendInt(line, int64(from.dbIndex.Load()), 10)
	line = append(line, ' ')
	line = append(line, from.addr...)
	line = append(line, ']')
	for _, a := range argv {
		line = append(line, ' ')
		line = appendRepr(line, a)
	}
	line = append(line, '\r', '\n')
	m.mu.Lock()
	for _, mon := range m.clients {
		if mon != from {
			mon.sub.Out.Push(line)
		}
	}
	m.mu.Unlock()
}

// appendRepr quotes b as Redis's sdscatrepr does: printable bytes as they
// are, \\ and \" escaped, \n \r \t \a \b by name, the rest as \xHH.
func appendRepr(dst, b []byte) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	for _, c := range b {
		switch c {
		case '\\', '"':
			dst = append(dst, '\\', c)
		case '\n':
			dst = append(dst, '\\', 'n')
		case '\r':
			dst = append(dst, '\\', 'r')
		case '\t':
			dst = append(dst, '\\', 't')
		case '\a':
			dst = append(dst, '\\', 'a')
		case '\b':
			dst = append(dst, '\\', 'b')
		default:
			if c >= ' ' && c <= '~' {
				dst = append(dst, c)
			} else {
				dst = append(dst, '\\', 'x', hex[c>>4], hex[c&15])
			}
		}
	}
	return append(dst, '"')
}

// MONITOR
func cmdMonitor(s *Server, cl *client, argv [][]byte) {
	if cl.monitor.Load() {
		return
	}
	cl.monitor.Store(true)
	s.monitors.add(cl)
	cl.w.OK()
}

// stopMonitor takes cl out of MONITOR mode (RESET, or the connection
// closing).
func (s *Server) stopMonitor(cl *client) {
	if cl.monitor.CompareAndSwap(true, false) {
		s.monitors.remove(cl)
	}
}
