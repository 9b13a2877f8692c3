package loop

import (
	"time"

	"github.com/panjf2000/gnet/v2"

	"redis-fast/proto"
)

// handler is the gnet event handler: the only code gnet calls. Each method
// runs on the reactor that owns the connection, but for OnBoot and OnTick.
type handler struct {
	gnet.BuiltinEventEngine
	srv  *Server
	port int // the port every loop listens on, port 0 resolved
}

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	h.srv.booted(eng)
	return gnet.None
}

// OnTick first comes once every loop listens, and is needed only then: the
// cron and the other timers are goroutines of their own.
func (h *handler) OnTick() (time.Duration, gnet.Action) {
	select {
	case <-h.srv.settled:
	default:
		if !h.srv.listening(h.port) {
			return time.Hour, gnet.Shutdown
		}
	}
	return time.Hour, gnet.None
}

func (h *handler) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	s := h.srv
	// The loops accept as soon as they listen, a moment before the check
	// that the port is ours alone; a client that comes in that moment
	// waits for it, as it would wait in the backlog of a server that was
	// not yet listening. After it, this receive returns at once.
	<-s.settled
	if s.bootErr != nil {
		return nil, gnet.Close
	}
	s.connectionsReceived.Add(1)
	if s.clients.count() >= s.config().MaxClients {
		s.rejectedConnections.Add(1)
		return []byte("-ERR max number of clients reached\r\n"), gnet.Close
	}
	cl := s.newClient(c)
	cl.reactor = s.reactors.of(c)
	c.SetContext(cl)
	return nil, gnet.None
}

func (h *handler) OnClose(c gnet.Conn, _ error) gnet.Action {
	if cl, ok := c.Context().(*client); ok {
		h.srv.closeClient(cl)
	}
	return gnet.None
}

// OnTraffic serves every complete command in the connection's inbound bytes
// and answers them with one write. The arguments alias gnet's read buffer,
// so nothing may keep them past this call: Discard hands the bytes back.
func (h *handler) OnTraffic(c gnet.Conn) gnet.Action {
	s := h.srv
	cl := c.Context().(*client)
	buffered := c.InboundBuffered()
	if int64(buffered) > s.qbufLimit.Load() {
		s.qbufDisconnects.Add(1)
		s.log.Warningf("Closing client that reached max query buffer length: id=%d addr=%s (qbuf initial bytes: %d)", cl.id, cl.addr, buffered)
		return gnet.Close
	}
	if b := cl.block; b != nil {
		if b.state.Load() != blockDone {
			return gnet.None // still waiting: the input stays buffered
		}
		cl.block = nil
		if !b.silent {
			cl.w.Buf = append(cl.w.Buf, b.reply...)
		}
	}
	if req := cl.waiting; req != nil {
		if !req.done.Load() {
			return gnet.None // WAIT is waiting: the input stays buffered
		}
		cl.waiting = nil
		cl.noTimeout.Store(false)
		cl.w.Int(cl.waitReply.Load())
	}
	if cl.sub.Out.Waiting() {
		// Messages published on other reactors before these commands
		// arrived go out ahead of their replies.
		cl.w.Buf = cl.sub.Out.DrainTo(cl.w.Buf)
	}
	if buffered < cl.need || buffered == 0 {
		// Bytes of a long frame are arriving: the client is not idle.
		if buffered > 0 {
			cl.lastSeen.Store(time.Now().UnixMilli())
		}
		s.flush(cl) // the reply of a wait that just ended may be pending
		return gnet.None
	}
	if cl.pausedWaiting.Load() && !s.pause.active.Load() {
		cl.pausedWaiting.Store(false)
	}
	buf, _ := c.Peek(-1)
	b := newBatch()
	cl.lastSeen.Store(b.start.UnixMilli())
	consumed := 0
	cl.need = 0
	for consumed < len(buf) && !cl.closeAfterReply && cl.block == nil && cl.waiting == nil {
		args, n, need, err := cl.parser.Parse(buf[consumed:])
		if err != nil {
			cl.w.Error("ERR " + err.Error())
			cl.closeAfterReply = true
			s.log.Verbosef("Protocol error (%s) from client: id=%d addr=%s", err.Error(), cl.id, cl.addr)
			break
		}
		if n == 0 {
			cl.need = need
			break
		}
		if len(args) > 0 && !s.dispatch(cl, args, &b) {
			break
		}
		consumed += n
	}
	cl.netIn.Add(int64(consumed))
	if b.commands > 0 {
		cl.commands.Add(b.commands)
	}
	if consumed > 0 {
		// Discard(0) would drop the whole buffer, partial frame and all.
		poison(buf[:consumed])
		c.Discard(consumed)
	}
	s.flushPublished(cl)
	s.flush(cl)
	if b.commands > 0 {
		cl.reactor.pass(b.start, b.now(), b.elapsed, b.commands)
	}
	if cl.closeAfterReply {
		return gnet.Close
	}
	return gnet.None
}

// A client keeps its output buffer between batches, so that replies are
// not built in a fresh allocation each time; a big one (over
// smallKeptReply) only while its batches stay big (a client that reads a
// hundred 1 KiB elements at a time would otherwise allocate and copy its
// 100 KiB reply anew for every request), and never one over maxKeptReply.
const (
	smallKeptReply = 64 << 10
	maxKeptReply   = 256 << 10
)

// flush writes the replies gathered in the output buffer with one write;
// under appendfsync always, replies that follow a change the AOF has not
// fsynced yet wait for it, in order, behind the ones already waiting.
func (s *Server) flush(cl *client) {
	if len(cl.w.Buf) == 0 && len(cl.held) == 0 {
		return
	}
	if s.holdForSync(cl) {
		return
	}
	cl.syncWaiting = false
	if len(cl.held) > 0 {
		cl.w.Buf = append(cl.held, cl.w.Buf...)
		cl.held = nil
	}
	cl.netOut.Add(int64(len(cl.w.Buf)))
	cl.conn.Write(cl.w.Buf)
	s.checkOutputLimit(cl)
	if c := cap(cl.w.Buf); c > maxKeptReply || c > smallKeptReply && len(cl.w.Buf) < smallKeptReply/4 {
		proto.Recycle(cl.w.Buf) // written: gnet kept a copy of what the socket did not take
		cl.w.Buf = nil
	} else {
		cl.w.Buf = cl.w.Buf[:0]
	}
}
