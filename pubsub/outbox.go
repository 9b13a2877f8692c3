package pubsub

import (
	"sync"
	"sync/atomic"
)

// Class is a client's output-buffer-limit class, as Redis's
// client-output-buffer-limit names them.
type Class int32

// The classes, in the order CONFIG GET client-output-buffer-limit prints
// them.
const (
	Normal Class = iota
	Replica
	PubSub
	NumClasses
)

// String returns the class's name as CONFIG GET prints it ("slave" for
// replicas, as Redis 7.0 still does).
func (c Class) String() string {
	switch c {
	case Replica:
		return "slave"
	case PubSub:
		return "pubsub"
	}
	return "normal"
}

// Limit is one class's client-output-buffer-limit: a client whose pending
// output reaches Hard bytes is closed at once; one that stays at or over
// Soft bytes for more than SoftSeconds is closed too. Zero disables a
// limit.
type Limit struct {
	Hard, Soft  int64
	SoftSeconds int64
}

// Off reports whether neither limit is set.
func (l Limit) Off() bool { return l.Hard == 0 && l.Soft == 0 }

// Exceeded reports whether pending bytes break the limit at now (Unix
// seconds), with Redis's checkClientOutputBufferLimits semantics: the hard
// limit at once, the soft limit once it has held continuously for more than
// SoftSeconds. softSince is the client's record of when it first reached
// the soft limit (0: it is under it); Exceeded keeps it up to date.
func (l Limit) Exceeded(pending, now int64, softSince *int64) bool {
	hard := l.Hard > 0 && pending >= l.Hard
	soft := l.Soft > 0 && pending >= l.Soft
	switch {
	case !soft:
		*softSince = 0
	case *softSince == 0:
		*softSince = now
		soft = false
	case now-*softSince <= l.SoftSeconds:
		soft = false
	}
	return hard || soft
}

// Limits holds every class's limit. It is safe for concurrent use: CONFIG
// SET replaces the set at once, and readers load it with one atomic load.
type Limits struct {
	p atomic.Pointer[[NumClasses]Limit]
}

// DefaultLimits are Redis's defaults: "normal 0 0 0 slave 268435456
// 67108864 60 pubsub 33554432 8388608 60".
func DefaultLimits() [NumClasses]Limit {
	return [NumClasses]Limit{
		Normal:  {},
		Replica: {Hard: 256 << 20, Soft: 64 << 20, SoftSeconds: 60},
		PubSub:  {Hard: 32 << 20, Soft: 8 << 20, SoftSeconds: 60},
	}
}

// Store replaces the limits.
func (l *Limits) Store(v [NumClasses]Limit) { l.p.Store(&v) }

// Get returns class c's limit (none before the first Store).
func (l *Limits) Get(c Class) Limit {
	if p := l.p.Load(); p != nil {
		return p[c]
	}
	return Limit{}
}

// maxKeptOutbox is the largest buffer an outbox always keeps for reuse
// once its bytes have been written. A bigger one is kept only while the
// flushes keep filling a quarter of it, up to maxKeptBurst: a replica
// fed 1 KiB SETs at -P 16 takes a megabyte or more per flush, and an
// outbox that dropped its buffer after each grew it again from nothing,
// copying it at every doubling (a third of the master's CPU, profiled).
// Flushes of one load vary twofold and more, hence a quarter; a burst that
// ends leaves a flush under it, and the buffer goes.
const (
	maxKeptOutbox = 256 << 10
	maxKeptBurst  = 16 << 20
)

// Outbox is the output that goroutines other than a connection's reactor
// hand the connection: pub/sub messages published on other reactors,
// MONITOR lines. Producers Push from any goroutine and never wait for the
// connection: they append under a mutex that is only ever held for an
// append or a buffer swap, and the first push into an empty outbox calls
// kick, which schedules a flush on the owning reactor. The owner then Takes
// everything gathered so far and writes it with one write, so a burst of
// messages costs the subscriber one system call, whoever published them.
//
// The outbox does the pending-bytes accounting of client-output-buffer-limit
// (after nats's pending-bytes checks): bytes pushed and not yet taken are
// counted here, and the owner adds gnet's outbound buffer, which only it may
// read, when it checks the limit (Check). A producer that would take the
// outbox to the client's hard limit marks it closing instead of growing it,
// so memory stays bounded however slow the reader is; from then on pushes
// are dropped, and the owner, kicked, closes the connection.
//
// Methods other than Push, Size and SetClass belong to the owning reactor.
type Outbox struct {
	mu        sync.Mutex
	buf       []byte
	spare     []byte
	scheduled bool // a flush is queued on the owner's reactor
	closing   bool // over the limit: pushes are dropped

	// waiting is set by the push that makes the outbox non-empty and
	// cleared by Take, so the owner can tell with one load whether there
	// is anything to take. (A store on every push would cost a memory
	// barrier per message.)
	waiting atomic.Bool
	class   atomic.Int32
	limits  *Limits
	kick    func()

	softSince int64 // owner only; see Limit.Exceeded
}

// NewOutbox returns an outbox whose limits are read from limits (nil: no
// limit) and which calls kick, from the producer's goroutine, when it goes
// from empty to non-empty. kick must be safe for concurrent use and must
// not call back into the outbox; nil means nobody flushes it (a client with
// no connection).
func NewOutbox(limits *Limits, kick func()) *Outbox {
	return &Outbox{limits: limits, kick: kick}
}

// SetClass sets the client's output-buffer-limit class.
func (o *Outbox) SetClass(c Class) { o.class.Store(int32(c)) }

// Class returns the client's output-buffer-limit class.
func (o *Outbox) Class() Class { return Class(o.class.Load()) }

// Size returns the bytes pushed and not yet taken.
func (o *Outbox) Size() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	return int64(len(o.buf))
}

// Waiting reports whether bytes were pushed since the last Take; it is one
// atomic load.
func (o *Outbox) Waiting() bool { return o.waiting.Load() }

// Push appends b, which is copied. It is safe for concurrent use.
func (o *Outbox) Push(b []byte) { o.push(b, 0) }

// push appends b; a non-zero first replaces b's first byte in the copy (a
// RESP2 array header becomes a RESP3 push with '>'). It reports whether
// the bytes were accepted.
func (o *Outbox) push(b []byte, first byte) bool {
	o.mu.Lock()
	return o.appendAndUnlock(b, first)
}

// appendAndUnlock is push once o.mu is held; it releases it.
func (o *Outbox) appendAndUnlock(b []byte, first byte) bool {
	if o.closing {
		o.mu.Unlock()
		return false
	}
	if hard := o.hardLimit(); hard > 0 && int64(len(o.buf)+len(b)) >= hard {
		o.closing = true
		kick := !o.scheduled
		o.scheduled = true
		o.mu.Unlock()
		if kick {
			o.callKick()
		}
		return false
	}
	start := len(o.buf)
	o.buf = append(o.buf, b...)
	if first != 0 {
		o.buf[start] = first
	}
	o.scheduledAndUnlock()
	return true
}

// scheduledAndUnlock ends a push that added bytes: the first push since
// the last Take marks the outbox waiting and kicks, once o.mu is released.
func (o *Outbox) scheduledAndUnlock() {
	kick := !o.scheduled
	if kick {
		o.waiting.Store(true)
	}
	o.scheduled = true
	o.mu.Unlock()
	if kick {
		o.callKick()
	}
}

func (o *Outbox) callKick() {
	if o.kick != nil {
		o.kick()
	}
}

func (o *Outbox) hardLimit() int64 {
	if o.limits == nil {
		return 0
	}
	return o.limits.Get(o.Class()).Hard
}

// Take returns everything pushed so far and empties the outbox, and
// whether it was marked closing. The caller writes the bytes and hands the
// slice back with Recycle.
func (o *Outbox) Take() (buf []byte, closing bool) {
	o.mu.Lock()
	buf, closing = o.buf, o.closing
	o.buf, o.spare = o.spare, nil
	o.scheduled = false
	o.waiting.Store(false)
	o.mu.Unlock()
	return buf, closing
}

// Recycle gives back a slice Take returned, once its bytes are written.
func (o *Outbox) Recycle(buf []byte) {
	if cap(buf) > maxKeptOutbox && (cap(buf) > maxKeptBurst || len(buf) < cap(buf)/4) {
		return
	}
	o.mu.Lock()
	if o.spare == nil {
		o.spare = buf[:0]
	}
	o.mu.Unlock()
}

// DrainTo appends everything pushed so far to dst and empties the
// outbox: the owner puts waiting messages in its reply stream ahead of the
// replies it is about to write.
func (o *Outbox) DrainTo(dst []byte) []byte {
	if !o.waiting.Load() {
		return dst
	}
	buf, _ := o.Take()
	dst = append(dst, buf...)
	o.Recycle(buf)
	return dst
}

// Shut marks the outbox closing, so further pushes are dropped, and
// reports whether it was open until now.
func (o *Outbox) Shut() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	was := o.closing
	o.closing = true
	o.buf = nil
	o.waiting.Store(false)
	return !was
}

// Limited reports whether the client's class has a limit at all, so the
// owner can skip reading its outbound buffer when it has none. Owner only.
func (o *Outbox) Limited() bool {
	if o.limits == nil || o.limits.Get(o.Class()).Off() {
		o.softSince = 0
		return false
	}
	return true
}

// Check reports whether the client's pending output, the outbox's bytes
// plus outbound (gnet's outbound buffer, which the owner reads), breaks its
// class's limit at now (Unix seconds). Owner only.
func (o *Outbox) Check(outbound int, now int64) bool {
	if o.limits == nil {
		return false
	}
	return o.limits.Get(o.Class()).Exceeded(int64(outbound)+o.Size(), now, &o.softSince)
}
