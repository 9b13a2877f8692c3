package db

import (
	"errors"
	"sync/atomic"
	"unsafe"
)

// Keyspace notifications: a handler that changes a key calls Ctx.Notify
// with the event Redis 7.0 fires for it ("set", "lpush", "expired", ...);
// the context collects the events while the command runs, and the server
// publishes them (on __keyspace@<db>__:<key> and __keyevent@<db>__:<event>)
// once the command's locks are released. With notify-keyspace-events empty,
// the default, Notify costs one atomic load.

// NotifyClass is a class of keyspace events, one letter of
// notify-keyspace-events; the bits are Redis's NOTIFY_* values.
type NotifyClass int32

const (
	NotifyKeyspace NotifyClass = 1 << 0  // K
	NotifyKeyevent NotifyClass = 1 << 1  // E
	NotifyGeneric  NotifyClass = 1 << 2  // g
	NotifyString   NotifyClass = 1 << 3  // $
	NotifyList     NotifyClass = 1 << 4  // l
	NotifySet      NotifyClass = 1 << 5  // s
	NotifyHash     NotifyClass = 1 << 6  // h
	NotifyZSet     NotifyClass = 1 << 7  // z
	NotifyExpired  NotifyClass = 1 << 8  // x
	NotifyEvicted  NotifyClass = 1 << 9  // e
	NotifyStream   NotifyClass = 1 << 10 // t
	NotifyKeyMiss  NotifyClass = 1 << 11 // m
	NotifyLoaded   NotifyClass = 1 << 12 // modules only
	NotifyModule   NotifyClass = 1 << 13 // d
	NotifyNew      NotifyClass = 1 << 14 // n
	// NotifyAll is what 'A' stands for: every class but m and n.
	NotifyAll = NotifyGeneric | NotifyString | NotifyList | NotifySet | NotifyHash |
		NotifyZSet | NotifyExpired | NotifyEvicted | NotifyStream | NotifyModule
)

// notifyLetters pairs each class with its letter, in the order Redis's
// keyspaceEventsFlagsToString writes them (after an 'A', if any). Never
// written.
var notifyLetters = [...]struct {
	class  NotifyClass
	letter byte
}{
	{NotifyGeneric, 'g'}, {NotifyString, '$'}, {NotifyList, 'l'}, {NotifySet, 's'},
	{NotifyHash, 'h'}, {NotifyZSet, 'z'}, {NotifyExpired, 'x'}, {NotifyEvicted, 'e'},
	{NotifyStream, 't'}, {NotifyModule, 'd'}, {NotifyNew, 'n'},
}

// ErrNotifyFlags is the error of an unknown notify-keyspace-events letter,
// worded as Redis words it.
var ErrNotifyFlags = errors.New("Invalid event class character. Use 'Ag$lshzxeKEtmdn'.")

// ParseNotifyFlags reads a notify-keyspace-events value, as Redis's
// keyspaceEventsStringToFlags does.
func ParseNotifyFlags(s string) (NotifyClass, error) {
	var f NotifyClass
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case 'A':
			f |= NotifyAll
		case 'K':
			f |= NotifyKeyspace
		case 'E':
			f |= NotifyKeyevent
		case 'm':
			f |= NotifyKeyMiss
		default:
			found := false
			for _, l := range notifyLetters {
				if l.letter == c {
					f |= l.class
					found = true
				}
			}
			if !found {
				return 0, ErrNotifyFlags
			}
		}
	}
	return f, nil
}

// FormatNotifyFlags writes f as CONFIG GET shows it, as Redis's
// keyspaceEventsFlagsToString does: 'A' for all the classes it covers,
// otherwise their letters, then K, E and m.
func FormatNotifyFlags(f NotifyClass) string {
	var b []byte
	if f&NotifyAll == NotifyAll {
		b = append(b, 'A')
	} else {
		for _, l := range notifyLetters {
			if f&l.class != 0 {
				b = append(b, l.letter)
			}
		}
	}
	if f&NotifyKeyspace != 0 {
		b = append(b, 'K')
	}
	if f&NotifyKeyevent != 0 {
		b = append(b, 'E')
	}
	if f&NotifyKeyMiss != 0 {
		b = append(b, 'm')
	}
	return string(b)
}

// Notifications holds notify-keyspace-events for the keyspace. It is safe
// for concurrent use.
type Notifications struct{ flags atomic.Int32 }

// Set replaces the enabled classes. Events are collected only when K or E
// is among them, so the stored value is 0 otherwise.
func (n *Notifications) Set(f NotifyClass) {
	if f&(NotifyKeyspace|NotifyKeyevent) == 0 {
		f = 0
	}
	n.flags.Store(int32(f))
}

// Flags returns the enabled classes (0 when neither K nor E is set).
func (n *Notifications) Flags() NotifyClass { return NotifyClass(n.flags.Load()) }

func (n *Notifications) enabled(class NotifyClass) bool {
	return NotifyClass(n.flags.Load())&class != 0
}

// Event is one keyspace event a command fired.
type Event struct {
	DB    int
	Class NotifyClass
	Name  string
	// Key is a copy owned by the context, valid until its next command.
	Key []byte
	// ReplyAt is the length the command's reply buffer had when the event
	// fired, so a client subscribed to its own events gets the message
	// where Redis puts it: before the reply for SET, after it for LPUSH.
	// It is -1 when no reply buffer was there.
	ReplyAt int
	// keyAt and keyLen place Key in the context's key arena.
	keyAt, keyLen int
}

// Notify records keyspace event name of class on key, in the command's
// database; see NotifyIn.
func (c *Ctx) Notify(class NotifyClass, name string, key []byte) {
	c.NotifyIn(c.DB.ID, class, name, key)
}

// NotifyIn records keyspace event name of class on key, in database db,
// if the class is enabled. key is copied.
func (c *Ctx) NotifyIn(db int, class NotifyClass, name string, key []byte) {
	if !c.KS.Notify.enabled(class) {
		return
	}
	at := -1
	if c.W != nil {
		at = len(c.W.Buf)
	}
	c.events = append(c.events, Event{DB: db, Class: class, Name: name, ReplyAt: at, keyAt: len(c.evKeys), keyLen: len(key)})
	c.evKeys = append(c.evKeys, key...)
}

// HasEvents reports whether the command fired events not yet taken.
func (c *Ctx) HasEvents() bool { return len(c.events) > 0 }

// TakeEvents returns the events fired since the last call, in order, and
// forgets them. The events and their keys are valid until the context's
// next command.
func (c *Ctx) TakeEvents() []Event {
	ev := c.events
	for i := range ev {
		end := ev[i].keyAt + ev[i].keyLen
		ev[i].Key = c.evKeys[ev[i].keyAt:end:end]
	}
	c.events = c.events[:0]
	c.evKeys = c.evKeys[:0]
	return ev
}

// moveLastEvent moves the last event to position i: an event that happened
// earlier than it was recorded (an expiry a read command found, reclaimed
// after the command) takes its place in the sequence.
func (c *Ctx) moveLastEvent(i, replyAt int) {
	last := len(c.events) - 1
	c.events[last].ReplyAt = replyAt
	if i < 0 || i >= last {
		return
	}
	e := c.events[last]
	copy(c.events[i+1:], c.events[i:last])
	c.events[i] = e
}

// notifyNew fires "new" for a key d.create added, as Redis's dbAdd does,
// unless the key replaces one a store command just removed (Redis
// overwrites it in place: no "new").
func (c *Ctx) notifyNew(d *DB, key []byte) {
	if !c.overwriting {
		c.NotifyIn(d.ID, NotifyNew, "new", key)
	}
}

// storeContainer makes the collection ptr of type t the value of key,
// replacing what key held (its expiry too) as Redis's setKey does: existed
// says whether key held a value, which the caller has just removed.
func (d *DB) storeContainer(c *Ctx, key []byte, t Type, ptr unsafe.Pointer, existed bool) *Object {
	c.overwriting = existed
	o := d.createContainer(c, key, t, ptr)
	c.overwriting = false
	return o
}

// miss counts a read that found no key, and fires keymiss.
func (c *Ctx) miss(key []byte) {
	c.Stats.Misses.Add(1)
	c.Notify(NotifyKeyMiss, "keymiss", key)
}
