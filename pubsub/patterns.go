package pubsub

import (
	"sync"
	"sync/atomic"
)

// patternTable holds the pattern subscriptions. A published message must
// be matched against every pattern, so patterns cannot be sharded by
// channel: they live in one list, under one lock that publishers take for
// reading, and count lets a publish skip it all with one atomic load when
// nobody subscribes to a pattern.
type patternTable struct {
	mu     sync.RWMutex
	list   []*patternSubs // in the order the patterns were first subscribed
	byName map[string]*patternSubs
	count  atomic.Int64 // len(list)
	// version counts the changes, for Batch (see tableShard.version).
	version uint64
}

type patternSubs struct {
	pattern []byte
	subs    []*Subscriber
}

// PSubscribe subscribes s to pattern and reports whether it was not
// subscribed already. Owner only.
func (r *Registry) PSubscribe(s *Subscriber, pattern []byte) bool {
	if s.patterns.has(pattern) {
		return false
	}
	name := s.patterns.add(pattern)
	s.nPatterns.Add(1)
	p := &r.patterns
	p.mu.Lock()
	if p.byName == nil {
		p.byName = make(map[string]*patternSubs)
	}
	e := p.byName[name]
	if e == nil {
		e = &patternSubs{pattern: []byte(name)}
		p.byName[name] = e
		p.list = append(p.list, e)
		p.count.Store(int64(len(p.list)))
	}
	e.subs = append(e.subs, s)
	p.version++
	p.mu.Unlock()
	return true
}

// PUnsubscribe unsubscribes s from pattern and reports whether it was
// subscribed. Owner only.
func (r *Registry) PUnsubscribe(s *Subscriber, pattern []byte) bool {
	if !s.patterns.remove(pattern) {
		return false
	}
	s.nPatterns.Add(-1)
	p := &r.patterns
	p.mu.Lock()
	e := p.byName[string(pattern)]
	e.subs = removeSub(e.subs, s)
	p.version++
	if len(e.subs) == 0 {
		delete(p.byName, string(pattern))
		for i, x := range p.list {
			if x == e {
				last := len(p.list) - 1
				copy(p.list[i:], p.list[i+1:])
				p.list[last] = nil
				p.list = p.list[:last]
				break
			}
		}
		p.count.Store(int64(len(p.list)))
	}
	p.mu.Unlock()
	s.unsubs.Add(1)
	return true
}

// NumPat returns the number of distinct patterns subscribed to (PUBSUB
// NUMPAT, INFO's pubsub_patterns), as Redis 7.0 counts them.
func (r *Registry) NumPat() int { return int(r.patterns.count.Load()) }

// publishPatterns sends a pmessage to the subscribers of every pattern that
// matches channel and returns how many there were. bp is scratch space.
func (r *Registry) publishPatterns(channel, payload []byte, from *Subscriber, bp *[]byte) int {
	n := 0
	p := &r.patterns
	p.mu.RLock()
	for _, e := range p.list {
		if !r.match(e.pattern, channel, false) {
			continue
		}
		*bp = appendMessage((*bp)[:0], framePMessage, e.pattern, channel, payload)
		deliverAll(p, p.version, e.subs, *bp, from)
		n += len(e.subs)
	}
	p.mu.RUnlock()
	return n
}
