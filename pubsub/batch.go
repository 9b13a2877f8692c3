package pubsub

import "sync/atomic"

// A publisher that pipelines hundreds of PUBLISHes would, pushing each
// message into each subscriber's outbox, take every outbox's mutex once per
// message, and a subscriber owned by another reactor would see that mutex's
// cache line travel between cores a message at a time. A Batch instead
// gathers what one publishing connection sends during one pass over its
// input, per subscriber, and Flush pushes each subscriber's share with one
// lock (after nats's per-read-loop pending clients).
//
// Deferring the push must not break the rule that no message follows an
// unsubscribe confirmation: a subscriber may unsubscribe, and send its
// confirmation, between the publish and the Flush. So each subscriber
// counts its unsubscriptions (Subscriber.unsubs, bumped after the registry
// forgets it and before it drains its outbox), a batch remembers the count
// it saw, and the push happens, under the outbox's mutex, only if the count
// has not moved. If it has, the frames are checked against the registry
// again and the ones the subscriber no longer wants are dropped. Either the
// push lands before the subscriber's drain (which then writes it ahead of
// the confirmation), or the drain came first, and then the count had
// already moved.

// Batch is one publishing connection's deferred deliveries. It belongs to
// the connection's reactor.
type Batch struct {
	idx   map[*Subscriber]int
	ents  []batchEntry
	spare [][]byte
	// lists remembers, for the last few subscriber lists published to in
	// this batch, each subscriber's entry, so a pipeline of PUBLISHes to
	// one channel looks its subscribers up once, not once per message.
	lists [4]listIndex
	next  int
	gen   uint64 // bumped by FlushBatch: the remembered indexes expire
}

// listIndex maps one subscriber list, as it was at version, to entries
// (-1: the publisher itself).
type listIndex struct {
	key listKey
	gen uint64
	idx []int
}

// listKey identifies a subscriber list: its table (shard or pattern
// table), its array, its length and the table's version, which every
// change to the table bumps.
type listKey struct {
	table   any
	first   **Subscriber
	n       int
	version uint64
}

type batchEntry struct {
	sub    *Subscriber
	buf    []byte
	unsubs uint64 // sub.unsubs when its first frame was batched
}

// EnableBatch makes the messages s publishes wait in a batch until
// FlushBatch. Owner only; a connection that enables it must flush before
// its replies leave.
func (s *Subscriber) EnableBatch() { s.batch = &Batch{idx: make(map[*Subscriber]int)} }

// Batched reports whether s has batched messages waiting for FlushBatch.
// Owner only.
func (s *Subscriber) Batched() bool { return s.batch != nil && len(s.batch.ents) > 0 }

// entry returns s's entry, making it if s has none yet.
func (b *Batch) entry(s *Subscriber) int {
	i, ok := b.idx[s]
	if !ok {
		i = len(b.ents)
		b.idx[s] = i
		var buf []byte
		if n := len(b.spare); n > 0 {
			buf, b.spare = b.spare[n-1], b.spare[:n-1]
		}
		b.ents = append(b.ents, batchEntry{sub: s, buf: buf, unsubs: s.unsubs.Load()})
	}
	return i
}

// add batches frame (RESP2; first, when not zero, replaces its first byte)
// for entry i.
func (b *Batch) add(i int, frame []byte, first byte) {
	e := &b.ents[i]
	start := len(e.buf)
	e.buf = append(e.buf, frame...)
	if first != 0 {
		e.buf[start] = first
	}
}

// addAll batches frame for every subscriber of subs, the list of table at
// version, except from itself, whose frame it keeps as deliver does. The
// caller holds the list's lock.
func (b *Batch) addAll(table any, version uint64, subs []*Subscriber, frame []byte, from *Subscriber) {
	if len(subs) == 0 {
		return
	}
	idx := b.indexes(listKey{table: table, first: &subs[0], n: len(subs), version: version}, subs, from)
	for j, s := range subs {
		if idx[j] < 0 {
			s.deliver(frame, from)
			continue
		}
		var first byte
		if s.resp3.Load() {
			first = '>'
		}
		b.add(idx[j], frame, first)
	}
}

// indexes returns the entry of each subscriber of subs, remembered if the
// list was seen in this batch.
func (b *Batch) indexes(key listKey, subs []*Subscriber, from *Subscriber) []int {
	for i := range b.lists {
		if l := &b.lists[i]; l.gen == b.gen && l.key == key {
			return l.idx
		}
	}
	l := &b.lists[b.next%len(b.lists)]
	b.next++
	l.key, l.gen, l.idx = key, b.gen, l.idx[:0]
	for _, s := range subs {
		if s == from {
			l.idx = append(l.idx, -1)
		} else {
			l.idx = append(l.idx, b.entry(s))
		}
	}
	return l.idx
}

// FlushBatch pushes what from has batched into each subscriber's outbox.
// Owner (of from) only.
func (r *Registry) FlushBatch(from *Subscriber) {
	b := from.batch
	if b == nil || len(b.ents) == 0 {
		return
	}
	for i := range b.ents {
		e := &b.ents[i]
		for !e.sub.Out.pushIf(&e.buf, &e.sub.unsubs, e.unsubs) {
			e.unsubs = e.sub.unsubs.Load()
			e.buf = r.stillWanted(e.sub, e.buf)
		}
		if cap(e.buf) <= maxKeptOutbox {
			b.spare = append(b.spare, e.buf[:0])
		}
		*e = batchEntry{}
	}
	b.ents = b.ents[:0]
	clear(b.idx)
	b.gen++
}

// stillWanted returns the frames of buf that s still subscribes to, checked
// against the registry: a message or smessage for a channel it is
// subscribed to, a pmessage for a pattern it is subscribed to.
func (r *Registry) stillWanted(s *Subscriber, buf []byte) []byte {
	out := buf[:0]
	for off := 0; off < len(buf); {
		n, kind, name := frameTarget(buf[off:])
		if n <= 0 {
			break // not a frame of ours: cannot happen
		}
		var keep bool
		switch kind {
		case frameMessage:
			keep = r.has(Channel, name, s)
		case frameSMessage:
			keep = r.has(Shard, name, s)
		default:
			keep = r.hasPattern(name, s)
		}
		if keep {
			out = append(out, buf[off:off+n]...) // out never passes off
		}
		off += n
	}
	return out
}

// has reports whether s is subscribed to channel of kind.
func (r *Registry) has(kind Kind, channel []byte, s *Subscriber) bool {
	sh := r.shardOf(r.table(kind), channel)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	for _, x := range sh.subs[string(channel)] {
		if x == s {
			return true
		}
	}
	return false
}

// hasPattern reports whether s is subscribed to pattern.
func (r *Registry) hasPattern(pattern []byte, s *Subscriber) bool {
	p := &r.patterns
	p.mu.RLock()
	defer p.mu.RUnlock()
	if e := p.byName[string(pattern)]; e != nil {
		for _, x := range e.subs {
			if x == s {
				return true
			}
		}
	}
	return false
}

// frameTarget reads one message frame of ours at the start of b and returns
// its length, its kind (message, smessage, pmessage) and what it was
// published to: its channel, or for a pmessage its pattern.
func frameTarget(b []byte) (n int, kind string, name []byte) {
	count, off := readLen(b, 0)
	if count < 3 {
		return 0, "", nil
	}
	var elems [4][]byte
	for i := 0; i < count && i < 4; i++ {
		var size int
		size, off = readLen(b, off)
		if size < 0 || off+size+2 > len(b) {
			return 0, "", nil
		}
		elems[i] = b[off : off+size]
		off += size + 2
	}
	return off, string(elems[0]), elems[1]
}

// readLen reads a "<type><digits>\r\n" line at b[off:] and returns the
// number and the offset after the line (-1 on a malformed line).
func readLen(b []byte, off int) (int, int) {
	if off >= len(b) {
		return -1, off
	}
	n, i := 0, off+1
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	if i+1 >= len(b) || b[i] != '\r' {
		return -1, off
	}
	return n, i + 2
}

// pushIf pushes *b as push does, but only if *count still equals want;
// the check and the append happen under the outbox's mutex. It reports
// false, and pushes nothing, when the count moved. When the outbox is
// empty it takes *b itself rather than a copy, and leaves its own empty
// buffer in *b.
func (o *Outbox) pushIf(b *[]byte, count *atomic.Uint64, want uint64) bool {
	o.mu.Lock()
	if count.Load() != want {
		o.mu.Unlock()
		return false
	}
	if len(o.buf) == 0 && len(*b) > 0 && !o.closing {
		if hard := o.hardLimit(); hard == 0 || int64(len(*b)) < hard {
			o.buf, *b = *b, o.buf[:0]
			o.scheduledAndUnlock()
			return true
		}
	}
	o.appendAndUnlock(*b, 0)
	return true
}
