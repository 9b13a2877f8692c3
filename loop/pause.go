package loop

import (
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
)

// pauseState is CLIENT PAUSE: while active, the commands it holds are left
// in their clients' input buffers, and each waiting client is woken (its
// reactor runs OnTraffic again) when the pause ends. It is safe for
// concurrent use.
type pauseState struct {
	active atomic.Bool // checked on every command; the rest under mu
	all    atomic.Bool // ALL holds every command; WRITE only the writes

	mu      sync.Mutex
	timer   *time.Timer
	waiting []*client
}

// start pauses for d, or extends a pause that ends sooner, as Redis does.
func (p *pauseState) start(s *Server, d time.Duration, all bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.timer != nil {
		p.timer.Stop()
	}
	p.all.Store(all || p.active.Load() && p.all.Load())
	p.active.Store(true)
	p.timer = time.AfterFunc(d, p.stop)
}

// stop ends the pause and wakes the clients that wait.
func (p *pauseState) stop() {
	p.mu.Lock()
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	p.active.Store(false)
	waiting := p.waiting
	p.waiting = nil
	p.mu.Unlock()
	for _, cl := range waiting {
		cl.conn.Wake(nil)
	}
}

// holds reports whether the pause keeps cmd, sent by cl, from running. An
// EXEC is held when any command it would run is.
func (p *pauseState) holds(cl *client, cmd *command) bool {
	if p.all.Load() {
		return true
	}
	if cmd.Name == "exec" && cl.multi != nil {
		for _, q := range cl.multi.cmds {
			if q.cmd.Flags&(db.Write|db.MayReplicate) != 0 {
				return true
			}
		}
		return false
	}
	return cmd.Flags&(db.Write|db.MayReplicate) != 0
}

// wait registers cl to be woken when the pause ends. It runs on cl's
// reactor.
func (p *pauseState) wait(cl *client) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.active.Load() {
		// The pause ended between the check and now: wake at once.
		cl.conn.Wake(nil)
		return
	}
	if !cl.pausedWaiting.Load() {
		cl.pausedWaiting.Store(true)
		p.waiting = append(p.waiting, cl)
	}
}
