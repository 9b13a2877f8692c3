package loop

import (
	"context"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/panjf2000/gnet/v2"

	"redis-fast/pubsub"
)

// Output-buffer limits. Every connection has an outbox (pubsub.Outbox):
// other reactors push into it (pub/sub messages, MONITOR lines) and the
// connection's own reactor writes its contents with one write, in a flush
// that the first push schedules. A client's pending output is what waits in
// its outbox plus gnet's outbound buffer, the bytes the socket has not
// taken; after every write the reactor compares it with the limit of the
// client's class (client-output-buffer-limit normal, replica, pubsub) and
// closes a client over it, as Redis does.

// updateClass puts cl in the pubsub output-limit class while it is
// subscribed to anything, and back in the normal one after.
func (cl *client) updateClass() {
	if cl.sub.Subscribed() {
		cl.sub.Out.SetClass(pubsub.PubSub)
	} else {
		cl.sub.Out.SetClass(pubsub.Normal)
	}
}

// newOutbox makes cl's subscriber side and outbox. Pushes into the outbox
// from other reactors schedule flushOutbox on cl's reactor.
func (s *Server) newOutbox(cl *client, c gnet.Conn) {
	var kick func()
	if c != nil {
		task := gnet.RunnableFunc(func(context.Context) error {
			s.flushOutbox(cl)
			return nil
		})
		kick = func() { _ = c.EventLoop().Execute(context.Background(), task) }
	}
	out := pubsub.NewOutbox(&s.pubsub.Limits, kick)
	cl.sub = pubsub.NewSubscriber(cl.id, out)
	if c != nil {
		// OnTraffic flushes the batch before cl's replies leave.
		cl.sub.EnableBatch()
	}
}

// flushPublished pushes the messages cl published during this pass over
// its input into their subscribers' outboxes, one push per subscriber (see
// pubsub.Batch), before cl's own replies leave: whoever reads a PUBLISH
// reply finds the message already on its way. The time counts as busy.
func (s *Server) flushPublished(cl *client) {
	if !cl.sub.Batched() {
		return
	}
	start := time.Now()
	s.pubsub.FlushBatch(cl.sub)
	cl.reactor.addBusy(time.Since(start))
}

// flushOutbox writes what other reactors left in cl's outbox, with one
// write, and checks cl's output-buffer limit. It runs on cl's reactor, and
// its time counts as the reactor's busy time (see procs.go): fanning
// messages out is work, like running commands.
func (s *Server) flushOutbox(cl *client) {
	if cl.gone {
		return
	}
	start := time.Now()
	defer func() { cl.reactor.addBusy(time.Since(start)) }()
	buf, closing := cl.sub.Out.Take()
	if closing {
		s.closeOverLimit(cl)
		return
	}
	switch {
	case len(cl.held) > 0:
		// Replies wait for the AOF's fsync (appendfsync always): the
		// messages wait behind them.
		cl.held = append(cl.held, buf...)
	case len(buf) > 0:
		cl.netOut.Add(int64(len(buf)))
		cl.conn.Write(buf)
	}
	cl.sub.Out.Recycle(buf)
	s.checkOutputLimit(cl)
}

// checkOutputLimit closes cl if its pending output breaks its class's
// client-output-buffer-limit. It runs on cl's reactor, the only one that
// may read gnet's outbound buffer.
func (s *Server) checkOutputLimit(cl *client) {
	if cl.gone || cl.conn == nil || !cl.sub.Out.Limited() {
		return
	}
	if cl.sub.Out.Check(cl.conn.OutboundBuffered()+len(cl.held), time.Now().Unix()) {
		s.closeOverLimit(cl)
	}
}

// closeOverLimit closes a client over its output-buffer limit, once, with
// the line Redis logs and INFO's counter.
func (s *Server) closeOverLimit(cl *client) {
	if cl.obufClosed {
		return
	}
	cl.obufClosed = true
	cl.sub.Out.Shut()
	s.obufDisconnects.Add(1)
	s.log.Warningf("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", s.clientLine(cl, time.Now().UnixMilli()))
	cl.conn.Close()
}

// Errors of client-output-buffer-limit, worded as Redis words them.
var (
	errOutputLimitArgs  = errors.New("Wrong number of arguments in buffer limit configuration.")
	errOutputLimitClass = errors.New("Invalid client class specified in buffer limit configuration.")
	errOutputLimitValue = errors.New("Error in hard, soft or soft_seconds setting in buffer limit configuration.")
)

// outputLimitDirective is client-output-buffer-limit: groups of <class>
// <hard> <soft> <soft seconds>, each group replacing its class's limit.
// In a file the groups are words of the line; CONFIG SET gives one string,
// which Redis splits at every single space.
func outputLimitDirective() directive {
	return directive{
		name: "client-output-buffer-limit",
		get: func(c *Config) string {
			var b strings.Builder
			for class, l := range c.ClientOutputBufferLimit {
				if class > 0 {
					b.WriteByte(' ')
				}
				b.WriteString(pubsub.Class(class).String() + " " + strconv.FormatInt(l.Hard, 10) + " " +
					strconv.FormatInt(l.Soft, 10) + " " + strconv.FormatInt(l.SoftSeconds, 10))
			}
			return b.String()
		},
		set: func(c *Config, args []string) error {
			if len(args) == 1 {
				args = strings.Split(args[0], " ")
				if len(args) == 1 && args[0] == "" {
					return nil
				}
			}
			limits, err := parseOutputLimits(c.ClientOutputBufferLimit, args)
			if err == nil {
				c.ClientOutputBufferLimit = limits
			}
			return err
		},
	}
}

// parseOutputLimits applies groups of four words to limits, all of them or,
// on the first bad word, none.
func parseOutputLimits(limits [pubsub.NumClasses]pubsub.Limit, args []string) ([pubsub.NumClasses]pubsub.Limit, error) {
	if len(args) == 0 || len(args)%4 != 0 {
		return limits, errOutputLimitArgs
	}
	for i := 0; i < len(args); i += 4 {
		class, ok := outputLimitClass(args[i])
		if !ok {
			return limits, errOutputLimitClass
		}
		hard, okHard := parseMemory(args[i+1])
		soft, okSoft := parseMemory(args[i+2])
		secs, err := strconv.ParseInt(args[i+3], 10, 64)
		if !okHard || !okSoft || err != nil || secs < 0 {
			return limits, errOutputLimitValue
		}
		limits[class] = pubsub.Limit{Hard: hard, Soft: soft, SoftSeconds: secs}
	}
	return limits, nil
}

// outputLimitClass reads a class name as Redis's getClientTypeByName does
// (in any case; "slave" and "replica" are the same class; "master" has no
// limit to set).
func outputLimitClass(name string) (pubsub.Class, bool) {
	switch strings.ToLower(name) {
	case "normal":
		return pubsub.Normal, true
	case "slave", "replica":
		return pubsub.Replica, true
	case "pubsub":
		return pubsub.PubSub, true
	}
	return 0, false
}
