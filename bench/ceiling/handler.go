package main

import (
	"github.com/panjf2000/gnet/v2"

	"redis-fast/proto"
)

// handler serves every connection with fixed replies. Its fields are set
// before gnet starts and only read afterwards, so the loops share it safely.
type handler struct {
	gnet.BuiltinEventEngine
	replies *replies
	ready   func(gnet.Engine)
}

// session is one connection's state, owned by the loop that serves it.
type session struct {
	parser proto.Parser
	need   int    // bytes the inbound buffer must reach before parsing again
	out    []byte // replies gathered for the one write
}

// maxKeptReply is the largest output buffer a session keeps between batches,
// as in redis-fast.
const maxKeptReply = 64 << 10

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	h.ready(eng)
	return gnet.None
}

func (h *handler) OnOpen(c gnet.Conn) ([]byte, gnet.Action) {
	c.SetContext(&session{})
	return nil, gnet.None
}

// OnTraffic answers every complete command in the inbound bytes with one
// write; a partial frame stays in gnet's buffer for the next call.
func (h *handler) OnTraffic(c gnet.Conn) gnet.Action {
	s := c.Context().(*session)
	buffered := c.InboundBuffered()
	if buffered < s.need || buffered == 0 {
		return gnet.None
	}
	buf, _ := c.Peek(-1)
	consumed, closing := 0, false
	s.need = 0
	for consumed < len(buf) {
		args, n, need, err := s.parser.Parse(buf[consumed:])
		if err != nil {
			s.out = proto.AppendError(s.out, "ERR "+err.Error())
			closing = true
			break
		}
		if n == 0 {
			s.need = need
			break
		}
		consumed += n
		if len(args) > 0 {
			s.out = h.replies.answer(s.out, args)
		}
	}
	if consumed > 0 {
		// Discard(0) would drop the whole buffer, partial frame and all.
		c.Discard(consumed)
	}
	if len(s.out) > 0 {
		c.Write(s.out)
		if cap(s.out) > maxKeptReply {
			s.out = nil
		} else {
			s.out = s.out[:0]
		}
	}
	if closing {
		return gnet.Close
	}
	return gnet.None
}
