package loop

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"redis-fast/db"
	"redis-fast/proto"
)

// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...) that find nothing to
// serve park their client here, on the keys they wait for. No reactor ever
// waits: the parked client's reactor simply stops reading its input.
//
// A command that creates a key while clients wait notes the key (the
// keyspace does it, in DB.create); once the command's locks are released,
// the dispatcher serves the waiters of each noted key in the order they
// blocked, each by running the waiter's command again on the waiter's
// behalf. The reply is left for the waiter's own reactor, which Wake sets
// going again: it writes the reply, then reads what the client sent after. Serving happens before the
// creating client's next command runs, as in Redis, where LPUSH followed by
// LLEN sees the list already popped.
//
// A waiter is registered before its command is tried a second time, so a
// push that lands between the first try and the registration is never
// missed: either the second try sees it, or the push sees the waiter.

// Blocked-client states; a waiter leaves waiting exactly once, through a
// compare-and-swap, whoever gets there first (a push, the timeout, CLIENT
// UNBLOCK, the connection closing).
const (
	blockWaiting int32 = iota
	blockServing
	blockDone
)

// blockedClient is one parked command. Everything but state is fixed once
// it is registered.
type blockedClient struct {
	cl        *client
	conn      gnet.Conn
	cmd       *command
	argv      [][]byte // a copy: the read buffer is long gone when it runs
	db        *db.DB
	keys      []string
	nullArray bool
	resp3     bool
	deadline  int64 // Unix ms; 0: none
	// silent: CLIENT REPLY OFF or SKIP was in force for the blocking
	// command, whose reply is then not sent.
	silent bool
	state  atomic.Int32
	timer  atomic.Pointer[time.Timer]
	// reply is what the client is sent when its wait ends; it is written
	// before state becomes blockDone and read by the client's own reactor
	// after it sees blockDone, so the reply goes out before anything the
	// client pipelined after the blocking command.
	reply []byte
}

type blockKey struct {
	db  *db.DB
	key string
}

// blockRegistry holds the waiters by key, in the order they blocked, and
// by client id (CLIENT UNBLOCK). It is safe for concurrent use; its mutex is
// a leaf (see LOCKS.md).
type blockRegistry struct {
	mu   sync.Mutex
	keys map[blockKey][]*blockedClient
	byID map[int64]*blockedClient
}

func (r *blockRegistry) add(ks *db.Keyspace, b *blockedClient) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.keys == nil {
		r.keys = map[blockKey][]*blockedClient{}
		r.byID = map[int64]*blockedClient{}
	}
	for _, k := range b.keys {
		bk := blockKey{b.db, k}
		r.keys[bk] = append(r.keys[bk], b)
	}
	r.byID[b.cl.id] = b
	ks.Waiters.Add(1)
}

func (r *blockRegistry) remove(ks *db.Keyspace, b *blockedClient) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.byID[b.cl.id] != b {
		return
	}
	delete(r.byID, b.cl.id)
	for _, k := range b.keys {
		bk := blockKey{b.db, k}
		list := r.keys[bk]
		for i, x := range list {
			if x == b {
				list = append(list[:i:i], list[i+1:]...)
				break
			}
		}
		if len(list) == 0 {
			delete(r.keys, bk)
		} else {
			r.keys[bk] = list
		}
	}
	ks.Waiters.Add(-1)
}

// first returns the longest-waiting client blocked on key that is not
// being served already, or nil.
func (r *blockRegistry) first(d *db.DB, key string) *blockedClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, b := range r.keys[blockKey{d, key}] {
		if b.state.Load() == blockWaiting {
			return b
		}
	}
	return nil
}

func (r *blockRegistry) byClient(id int64) *blockedClient {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.byID[id]
}

func (r *blockRegistry) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.byID)
}

// block parks cl, whose command cmd asked for req. It runs on cl's reactor
// right after the command, with no lock held.
func (s *Server) block(cl *client, cmd *command, argv [][]byte, req db.BlockRequest) {
	b := &blockedClient{
		cl:        cl,
		conn:      cl.conn,
		cmd:       cmd,
		argv:      copyArgv(argv),
		db:        cl.ctx.DB,
		nullArray: req.NullArray,
		resp3:     cl.w.RESP3,
		deadline:  req.Deadline,
		silent:    cl.replyMode == replyOff || cl.skipReply,
	}
	for _, k := range req.Keys {
		b.keys = append(b.keys, string(k))
	}
	cl.block = b
	s.blocked.add(s.ks, b)
	if served, _ := s.serveBlocked(b); served {
		return
	}
	if req.Deadline > 0 {
		wait := time.Until(time.UnixMilli(req.Deadline))
		b.timer.Store(time.AfterFunc(wait, func() { s.finishBlocked(b, nullReply(b)) }))
		if b.state.Load() == blockDone {
			// Served between the retry and the timer: nobody stops it.
			b.timer.Load().Stop()
		}
	}
}

// copyArgv copies arguments into one allocation that outlives the read
// buffer.
func copyArgv(argv [][]byte) [][]byte {
	size := 0
	for _, a := range argv {
		size += len(a)
	}
	buf := make([]byte, 0, size)
	out := make([][]byte, len(argv))
	for i, a := range argv {
		buf = append(buf, a...)
		out[i] = buf[len(buf)-len(a) : len(buf) : len(buf)]
	}
	return out
}

// serveBlocked runs b's command again, if no one else is serving or has
// finished b; when it can be served now, the reply goes to b's connection
// and b is released. It reports whether b was served, and whether it ran
// the command at all (tried is false when b's timeout, CLIENT UNBLOCK or
// another retry had it first). It takes the command's shard locks itself,
// so it must be called with none held.
func (s *Server) serveBlocked(b *blockedClient) (served, tried bool) {
	if !b.state.CompareAndSwap(blockWaiting, blockServing) {
		return false, false
	}
	w := proto.Writer{RESP3: b.resp3}
	ctx := db.Ctx{W: &w, DB: b.db, KS: s.ks, Stats: &b.cl.Stats, Retrying: true}
	keys := b.cmd.KeyIndexes(nil, b.argv)
	var mask uint64
	for _, i := range keys {
		mask |= db.ShardMask(b.argv[i])
	}
	watching := s.ks.Watching.Load() > 0
	before := b.cl.Dirty.Load()
	b.db.Lock(mask, true)
	s.ks.Preserve(b.db, b.argv, keys)
	ctx.Begin(b.argv, time.Now().UnixMilli())
	b.cmd.Run(&ctx, b.argv)
	if watching && b.cl.Dirty.Load() != before {
		b.db.TouchKeys(b.argv, keys)
	}
	ctx.FlushLog()
	b.db.Unlock(mask, true)
	if ctx.HasExpired() {
		if s.pause.active.Load() {
			ctx.ForgetExpired()
		} else {
			ctx.ReclaimExpired()
		}
	}
	if ctx.HasEvents() {
		s.publishEventList(ctx.TakeEvents())
	}
	if ctx.Unserved() {
		b.state.Store(blockWaiting)
		// A timeout that fired while this retry ran lost its race: end
		// the wait on its behalf.
		if b.deadline > 0 && time.Now().UnixMilli() >= b.deadline {
			s.finishBlocked(b, nullReply(b))
		}
		return false, true
	}
	s.release(b, w.Buf)
	// What the command did may have readied keys other clients wait on
	// (BLMOVE pushes).
	if ready := ctx.TakeReady(); len(ready) > 0 {
		s.serveReady(append([]db.ReadyKey(nil), ready...))
	}
	return true, true
}

// finishBlocked ends b's wait without serving it (timeout, CLIENT UNBLOCK,
// the connection closing) and sends reply, if any. It reports whether it
// was the one to end it. While a retry is serving b it waits for the retry
// to end: a retry takes one command's time.
func (s *Server) finishBlocked(b *blockedClient, reply []byte) bool {
	for !b.state.CompareAndSwap(blockWaiting, blockServing) {
		if b.state.Load() == blockDone {
			return false
		}
		runtime.Gosched()
	}
	s.release(b, reply)
	return true
}

// release unregisters b, leaves its reply for its reactor and wakes that
// reactor, which writes the reply and then reads the input that waited
// behind the blocked command.
func (s *Server) release(b *blockedClient, reply []byte) {
	if t := b.timer.Load(); t != nil {
		t.Stop()
	}
	s.blocked.remove(s.ks, b)
	b.reply = reply
	b.state.Store(blockDone)
	b.conn.Wake(nil)
}

// nullReply is what a blocked command answers when its time is up.
func nullReply(b *blockedClient) []byte {
	w := proto.Writer{RESP3: b.resp3}
	if b.nullArray {
		w.NullArray()
	} else {
		w.Null()
	}
	return w.Buf
}

// serveReady serves, for each key a command created, the clients blocked on
// it, longest waiting first, for as long as they can be served.
func (s *Server) serveReady(ready []db.ReadyKey) {
	for _, rk := range ready {
		for {
			b := s.blocked.first(rk.DB, rk.Key)
			if b == nil {
				break
			}
			// A waiter someone else took meanwhile (its timeout fired)
			// says nothing about the key: the next one gets its turn.
			if served, tried := s.serveBlocked(b); tried && !served {
				break
			}
		}
	}
}

// afterData is the work left once a data command has released its locks:
// reclaiming expired keys it met, and serving clients blocked on keys it
// created.
func (s *Server) afterData(cl *client) {
	if cl.ctx.HasExpired() {
		if s.pause.active.Load() || s.isReplica() {
			// A paused server changes nothing, expired keys included; a
			// replica waits for its master's DEL.
			cl.ctx.ForgetExpired()
		} else {
			cl.ctx.ReclaimExpired()
		}
	}
	s.publishEvents(cl)
	if ready := cl.ctx.TakeReady(); len(ready) > 0 {
		// The waiters' events are published as they are served: this
		// command's, batched so far, go first.
		s.pubsub.FlushBatch(cl.sub)
		s.serveReady(ready)
	}
}

// unblockOnClose forgets a blocked client whose connection closed.
func (s *Server) unblockOnClose(cl *client) {
	if b := cl.block; b != nil {
		s.finishBlocked(b, nil)
	}
}

const msgUnblocked = "UNBLOCKED client unblocked via CLIENT UNBLOCK"

// CLIENT UNBLOCK client-id [TIMEOUT | ERROR]
func cmdClientUnblock(s *Server, cl *client, argv [][]byte) {
	id, ok := proto.ParseInt(argv[2])
	if !ok {
		cl.w.Error("ERR value is not an integer or out of range")
		return
	}
	withError := false
	if len(argv) == 4 {
		switch {
		case proto.EqualFold(argv[3], "TIMEOUT"):
		case proto.EqualFold(argv[3], "ERROR"):
			withError = true
		default:
			cl.w.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR")
			return
		}
	} else if len(argv) > 4 {
		cl.w.Error("ERR syntax error")
		return
	}
	b := s.blocked.byClient(id)
	if b == nil {
		cl.w.Int(0)
		return
	}
	reply := nullReply(b)
	if withError {
		reply = proto.AppendError(nil, msgUnblocked)
	}
	if s.finishBlocked(b, reply) {
		cl.w.Int(1)
	} else {
		cl.w.Int(0)
	}
}
