package loop

import (
	"net"
	"sort"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
)

// clientRegistry knows every open connection, for CLIENT LIST, CLIENT KILL,
// INFO and maxclients. It changes only when a connection opens or closes,
// never per command. It is safe for concurrent use.
type clientRegistry struct {
	mu sync.Mutex
	m  map[int64]*client
}

func (r *clientRegistry) init() { r.m = make(map[int64]*client) }

func (r *clientRegistry) add(cl *client) {
	r.mu.Lock()
	r.m[cl.id] = cl
	r.mu.Unlock()
}

func (r *clientRegistry) remove(cl *client) {
	r.mu.Lock()
	delete(r.m, cl.id)
	r.mu.Unlock()
}

func (r *clientRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.m)
}

// list returns the open clients in id order.
func (r *clientRegistry) list() []*client {
	r.mu.Lock()
	out := make([]*client, 0, len(r.m))
	for _, cl := range r.m {
		out = append(out, cl)
	}
	r.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}

func (r *clientRegistry) get(id int64) *client {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// newClient sets up the state of a connection that just opened. A nil c
// makes a client with no connection, which runs commands that come from
// elsewhere than the network (replaying a file, benchmarks); it is not
// registered.
func (s *Server) newClient(c gnet.Conn) *client {
	cl := &client{
		id:      s.nextID.Add(1),
		conn:    c,
		fd:      -1,
		created: time.Now().UnixMilli(),
	}
	if c != nil {
		cl.fd = c.Fd()
		if a := c.RemoteAddr(); a != nil {
			cl.addr = a.String()
		}
		if a := c.LocalAddr(); a != nil {
			cl.laddr = a.String()
		}
	}
	cl.parser.MaxBulkLen = s.config().ProtoMaxBulkLen
	cl.setAuthenticated(*s.requirePass.Load() == "")
	cl.ctx.KS = s.ks
	cl.ctx.W = &cl.w
	cl.ctx.Stats = &cl.Stats
	s.newOutbox(cl, c)
	cl.selectDB(s.ks, 0)
	cl.setProtocol(2)
	cl.lastSeen.Store(cl.created)
	if c != nil {
		s.clients.add(cl)
	}
	return cl
}

// closeClient forgets a connection that closed and keeps its counters.
func (s *Server) closeClient(cl *client) {
	cl.gone = true
	s.pubsub.Drop(cl.sub)
	cl.sub.Out.Shut()
	s.clients.remove(cl)
	s.stopMonitor(cl)
	s.unwatchAll(cl)
	s.unblockOnClose(cl)
	if cl.waiting != nil {
		s.finishWait(cl.waiting)
	}
	if cl.replica != nil {
		s.dropReplica(cl.replica)
	}
	s.closed.Hits.Add(cl.Hits.Load())
	s.closed.Misses.Add(cl.Misses.Load())
	s.closed.ExpiredKeys.Add(cl.ExpiredKeys.Load())
	s.closed.Dirty.Add(cl.Dirty.Load())
	s.closed.commands.Add(cl.commands.Load())
	s.closed.netIn.Add(cl.netIn.Load())
	s.closed.netOut.Add(cl.netOut.Load())
}

// addrHost returns the host part of "host:port".
func addrHost(addr string) string {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return addr
	}
	return host
}
