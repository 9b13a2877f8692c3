package loop

import (
	"sync/atomic"

	"github.com/panjf2000/gnet/v2"

	"redis-fast/db"
	"redis-fast/proto"
	"redis-fast/pubsub"
)

// client is one connection's state. It is created in OnOpen, stored in the
// gnet connection's context, and touched only by the reactor that owns the
// connection, except for the atomic fields, which CLIENT LIST, CLIENT KILL
// and INFO read from other reactors.
type client struct {
	id     int64
	conn   gnet.Conn
	fd     int
	addr   string
	laddr  string
	parser proto.Parser
	w      proto.Writer
	// reactor is the event loop the connection belongs to (reactor.go).
	reactor *reactor
	ctx     db.Ctx
	counters
	// need is the inbound length the partial frame at the front of the
	// buffer waits for; OnTraffic does not parse before it is reached.
	need int
	// keys is scratch space for the argv indexes of a command's keys.
	keys []int

	authed bool
	// closeAfterReply is set by QUIT, CLIENT KILL of oneself and protocol
	// errors: flush, then close.
	closeAfterReply bool
	// replyMode is CLIENT REPLY's setting; skipReply drops the reply of the
	// command being run (the one after CLIENT REPLY SKIP).
	replyMode replyMode
	skipReply bool
	// pausedWaiting is set while the client waits for CLIENT PAUSE to end
	// (atomic: the idle-client check reads it).
	pausedWaiting atomic.Bool
	// block is set while the client waits in a blocking command; its
	// reactor reads none of its input until the wait ends.
	block *blockedClient
	// held are replies waiting for the AOF's fsync to cover holdUntil, the
	// log offset of the client's last change (appendfsync always);
	// syncWaiting is set while the client is on the wait list.
	held        []byte
	holdUntil   atomic.Int64
	syncWaiting bool
	// isMaster: this is a replica's master client, applying the master's
	// stream (no connection, no replies, writes allowed on a read-only
	// replica, never paused).
	isMaster bool
	// replica is set once the client asked PSYNC: it is a replica of ours.
	// isReplicaLink says the same for other goroutines (CLIENT LIST).
	replica       *replicaLink
	isReplicaLink atomic.Bool
	replPort      int
	replIP        string
	// waiting is the WAIT the client waits in; its reply is waitReply.
	waiting   *waitReq
	waitReply atomic.Int64
	// noTimeout exempts the connection from the idle timeout: a replica's
	// link, or a client waiting in WAIT.
	noTimeout atomic.Bool
	// multi is the open transaction (MULTI); nil outside one.
	multi   *multiState
	execing bool // set while EXEC runs the queued commands
	// watched are the WATCHed keys; watcher is flagged when one changes.
	watched []watchedKey
	watcher db.Watcher
	// sub is the client's pub/sub side: its subscriptions, and the outbox
	// through which other reactors hand it output (see cmd_pubsub.go).
	sub *pubsub.Subscriber
	// gone is set when the connection has closed: a flush queued before
	// the close must not write. obufClosed is set once the client is
	// closed for its output-buffer limit.
	gone, obufClosed bool
	// scratch is reused for keyspace notification channel names.
	scratch []byte

	created int64 // Unix ms
	dbIndex atomic.Int32
	name    atomic.Pointer[string]
	// lastCmd is CLIENT LIST's cmd=: the command the dispatcher last
	// looked up for this client, nil for an unknown name. As Redis's
	// processCommand sets it before any check, a refused or queued command
	// counts, and a command EXEC runs does not.
	lastCmd  atomic.Pointer[string]
	lastSeen atomic.Int64 // Unix ms of the last command
	resp     atomic.Int32
	monitor  atomic.Bool
	killed   atomic.Bool
}

// replyMode is CLIENT REPLY ON, OFF or SKIP.
type replyMode uint8

const (
	replyOn replyMode = iota
	replyOff
	replySkipNext
)

func (cl *client) setName(name string) { cl.name.Store(&name) }

func (cl *client) getName() string {
	if p := cl.name.Load(); p != nil {
		return *p
	}
	return ""
}

// selectDB makes database i the client's current one.
func (cl *client) selectDB(ks *db.Keyspace, i int) {
	cl.dbIndex.Store(int32(i))
	cl.ctx.DB = ks.DB(i)
}

// setProtocol switches between RESP2 and RESP3 (HELLO).
func (cl *client) setProtocol(v int) {
	cl.w.RESP3 = v == 3
	cl.resp.Store(int32(v))
	cl.sub.SetRESP3(v == 3)
}

// setAuthenticated records whether the client has authenticated; until it
// has, the parser applies Redis's smaller limits.
func (cl *client) setAuthenticated(ok bool) {
	cl.authed = ok
	cl.parser.Unauthenticated = !ok
}

// noteCommand records name as the client's last command (CLIENT LIST's
// cmd=). A client mostly sends the same command again, and then the
// atomic store, a locked instruction on every command, is skipped.
func (cl *client) noteCommand(name *string) {
	if cl.lastCmd.Load() != name {
		cl.lastCmd.Store(name)
	}
}
