package loop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"golang.org/x/sys/unix"

	"redis-fast/db"
	"redis-fast/persistence"
	"redis-fast/persistence/rdb"
	"redis-fast/pubsub"
	"redis-fast/replication"
)

// Version is the Redis version the server reports and behaves as.
const Version = "7.0.15"

// ErrServerClosed is returned by Serve after Shutdown.
var ErrServerClosed = errors.New("loop: server closed")

// Server is a Redis-compatible server: gnet reactors in front of a sharded
// keyspace. Create one with New, run it with Serve, stop it with Shutdown.
type Server struct {
	cfg      Config
	cfgMu    sync.RWMutex
	log      *Logger
	ks       *db.Keyspace
	commands map[string]*command
	index    commandIndex // commands, for the dispatcher's lookups

	engine gnet.Engine
	ready  chan struct{}
	addr   atomic.Pointer[net.TCPAddr]
	// settled closes once Serve knows whether the server serves: ready,
	// or bootErr says why not (settle).
	settled    chan struct{}
	settleOnce sync.Once
	bootErr    error
	// portCheck is portAlone, but for tests that play a second server
	// binding the port between the two checks.
	portCheck func(binds []string, port, loops int) (string, error)
	started   time.Time
	shutdown  atomic.Bool
	done      chan struct{}

	// Settings the reactors read on every batch, kept apart from cfg so
	// that reading them contends on nothing.
	qbufLimit        atomic.Int64
	requirePass      atomic.Pointer[string]
	slowlogThreshold atomic.Int64 // microseconds
	activeExpire     atomic.Bool  // DEBUG SET-ACTIVE-EXPIRE

	runID   string
	persist persistState
	rdb     rdbState
	// gated is true when the dispatcher must ask refusal about commands
	// (see refusal.go); shutdownSave is SHUTDOWN's SAVE (1) or NOSAVE (-1).
	gated        atomic.Bool
	shutdownMode atomic.Int32
	repl         replState
	pause        pauseState
	blocked      blockRegistry
	monitors     monitorSet
	pubsub       *pubsub.Registry
	slowlog      slowlog
	latency      latencyMonitor
	memPeak      atomic.Uint64
	opsRate      atomic.Int64
	procs        atomic.Int32 // GOMAXPROCS, as the tuner last set it
	tuner        *procTuner
	reactors     reactors

	nextID  atomic.Int64
	clients clientRegistry
	// closed adds up the counters of connections that have gone; INFO adds
	// the live ones to it.
	closed              counters
	expiry              db.Stats // what the active expiry cycle did
	connectionsReceived atomic.Int64
	rejectedConnections atomic.Int64
	qbufDisconnects     atomic.Int64
	obufDisconnects     atomic.Int64 // client_output_buffer_limit_disconnections
}

// counters are a connection's contribution to INFO's stats.
type counters struct {
	db.Stats
	commands, netIn, netOut atomic.Int64
}

// New returns a server for cfg, which must be valid (see Config.Validate).
// Log lines go to log.
func New(cfg Config, log *Logger) *Server {
	s := &Server{
		cfg:       cfg,
		log:       log,
		ks:        db.NewKeyspace(cfg.Databases),
		ready:     make(chan struct{}),
		settled:   make(chan struct{}),
		portCheck: portAlone,
		done:      make(chan struct{}),
		started:   time.Now(),
		runID:     newRunID(),
	}
	s.activeExpire.Store(true)
	s.repl.ids = replication.NewIDs()
	s.rdb.lastSave, s.rdb.lastOK = s.started, true
	s.pubsub = pubsub.New(db.Match)
	s.ks.OnEvents = s.publishEventList
	s.persist.fs = persistence.OS{}
	s.tuner = newProcTuner(cfg.loops())
	s.ks.OnSnapshot = s.tuner.boost
	s.procs.Store(int32(s.tuner.cur))
	loops := int32(cfg.loops())
	s.reactors.shared = func() bool { return s.procs.Load() < loops }
	s.commands = buildCommandTable(rdb.DumpCommands(s.rdbFormat))
	s.index = newCommandIndex(s.commands)
	s.clients.init()
	s.applyHotConfig(&cfg)
	return s
}

// AdaptiveProcs reports whether the server adjusts GOMAXPROCS to its load
// (see procs.go), and up to how many Ps.
func (s *Server) AdaptiveProcs() (bool, int) { return s.tuner.enabled, s.tuner.max }

// Keyspace returns the server's data, for in-process tests and tools.
func (s *Server) Keyspace() *db.Keyspace { return s.ks }

// config returns a copy of the current configuration.
func (s *Server) config() Config {
	s.cfgMu.RLock()
	defer s.cfgMu.RUnlock()
	return s.cfg
}

// Serve listens and runs the reactors until Shutdown; it then returns
// ErrServerClosed.
func (s *Server) Serve() (err error) {
	// Whatever stops Serve before the server is ready is why it never was.
	defer func() { s.settle(err) }()
	cfg := s.config()
	// gnet reports a port in use as a failed setsockopt; ask first, so the
	// error says what Redis says.
	addrs, port, err := s.claimPort(cfg)
	if err != nil {
		return err
	}
	if err := s.loadData(); err != nil {
		return fmt.Errorf("loop: loading the data: %w", err)
	}
	// At shutdown the dump is written first, while a replica still
	// follows its master: it records the master's history, so that after a
	// restart the replica continues it with a partial resync.
	defer s.stopReplication()
	defer s.closePersistence()
	h := &handler{srv: s, port: port}
	stop := make(chan struct{})
	defer close(stop)
	go s.cron(stop)
	if s.tuner.enabled {
		go s.tuneProcs(stop)
	}
	err = gnet.Rotate(h, addrs,
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(cfg.loops()),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithTCPKeepAlive(time.Duration(cfg.TCPKeepAlive)*time.Second),
		gnet.WithReuseAddr(true),
		// Each loop listens and accepts for itself (listen.go): one
		// goroutine fewer contending for the P than with gnet's accepting
		// loop, which after a burst of connections blocked in epoll_wait
		// holding the P while a loop with the new clients' first commands
		// waited (docs/01).
		gnet.WithReusePort(true),
		// The first tick comes once every loop has bound its listener: the
		// moment to check that the port is ours alone (handler.OnTick).
		gnet.WithTicker(true),
		gnet.WithLogger(gnetLogger{s.log}),
	)
	if s.bootErr != nil {
		return s.bootErr
	}
	if s.shutdown.Load() {
		return ErrServerClosed
	}
	if err != nil {
		return fmt.Errorf("loop: %w", err)
	}
	return ErrServerClosed
}

// booted records the engine and the bound address once gnet has bound the
// first loop's listener.
func (s *Server) booted(eng gnet.Engine) {
	s.engine = eng
	if fd, err := eng.Dup(); err == nil {
		if sa, err := unix.Getsockname(fd); err == nil {
			s.addr.Store(sockaddrToTCP(sa))
		}
		unix.Close(fd)
	}
}

// listening runs once every loop listens on port. It checks that no other
// server shares the port (listen.go) and then opens for business; it
// returns false when the server must stop instead.
func (s *Server) listening(port int) bool {
	cfg := s.config()
	if shared, err := s.portCheck(cfg.Bind, port, cfg.loops()); err != nil {
		s.log.Warningf("Another server bound port %d as this one started: %v", port, err)
		s.log.Warningf("Warning: Could not create server TCP listening socket %s:%d: bind: Address already in use", shared, port)
		s.settle(errListen(port))
		return false
	}
	s.log.Noticef("Ready to accept connections")
	close(s.ready)
	if host, port, ok := strings.Cut(cfg.ReplicaOf, " "); ok {
		p, _ := strconv.Atoi(port)
		s.startReplication(host, p)
	}
	s.settle(nil)
	return true
}

// settle records, once, whether the server serves: err is nil once it is
// ready, or why it never will be.
func (s *Server) settle(err error) {
	s.settleOnce.Do(func() {
		s.bootErr = err
		close(s.settled)
	})
}

func sockaddrToTCP(sa unix.Sockaddr) *net.TCPAddr {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	case *unix.SockaddrInet6:
		return &net.TCPAddr{IP: net.IP(a.Addr[:]), Port: a.Port}
	}
	return nil
}

// Ready is closed when the server accepts connections.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// Addr returns the address the server listens on (the first one, when it
// binds several), or nil before it is ready.
func (s *Server) Addr() *net.TCPAddr { return s.addr.Load() }

// Shutdown stops accepting, closes every connection and stops the reactors.
func (s *Server) Shutdown(ctx context.Context) error {
	if !s.shutdown.CompareAndSwap(false, true) {
		return nil
	}
	select {
	case <-s.settled:
	case <-ctx.Done():
		return ctx.Err()
	}
	if s.bootErr != nil {
		return nil // it never served: Serve has returned, or is returning, why
	}
	return s.engine.Stop(ctx)
}

// cron runs the background work Redis's serverCron does, hz times a second:
// the active expiry cycle (which also finishes hash table resizes) and the
// instantaneous ops/sec sample.
func (s *Server) cron(stop <-chan struct{}) {
	var rate opsSampler
	for {
		hz := s.config().Hz
		select {
		case <-stop:
			return
		case <-time.After(time.Second / time.Duration(hz)):
		}
		// A quarter of each cron period, as Redis's slow cycle; nothing
		// expires while clients are paused, as in Redis.
		if s.activeExpire.Load() && !s.pause.active.Load() && !s.isReplica() {
			s.ks.ActiveExpire(time.Now().UnixMilli(), &s.expiry, time.Second/4/time.Duration(hz))
		}
		sum := s.sumStats()
		s.opsRate.Store(rate.sample(time.Now(), sum.commands.Load()))
		s.closeIdleClients()
		s.maybeRewriteAOF()
		s.replicationCron()
		s.rdbCron()
		s.updateWriteGate()
	}
}

// opsSampler computes instantaneous_ops_per_sec as Redis does: the mean of
// the rates between the last 16 samples.
type opsSampler struct {
	lastTime  time.Time
	lastCount int64
	rates     [16]int64
	i         int
}

func (o *opsSampler) sample(now time.Time, count int64) int64 {
	if !o.lastTime.IsZero() {
		if dt := now.Sub(o.lastTime).Seconds(); dt > 0 {
			o.rates[o.i%len(o.rates)] = int64(float64(count-o.lastCount) / dt)
			o.i++
		}
	}
	o.lastTime, o.lastCount = now, count
	var sum int64
	for _, r := range o.rates {
		sum += r
	}
	return sum / int64(len(o.rates))
}

// applyHotConfig copies the settings the reactors and the subsystems read
// without taking the config lock.
func (s *Server) applyHotConfig(cfg *Config) {
	s.qbufLimit.Store(cfg.ClientQueryBufferLimit)
	pass := cfg.RequirePass
	s.requirePass.Store(&pass)
	s.slowlogThreshold.Store(cfg.SlowlogLogSlowerThan)
	s.slowlog.setMaxLen(cfg.SlowlogMaxLen)
	s.latency.threshold.Store(cfg.LatencyMonitorThreshold)
	s.ks.MaxBulkLen.Store(cfg.ProtoMaxBulkLen)
	s.updateWriteGate()
	l := &s.ks.Limits
	l.HashMaxListpackEntries.Store(cfg.HashMaxListpackEntries)
	l.HashMaxListpackValue.Store(cfg.HashMaxListpackValue)
	l.SetMaxIntsetEntries.Store(cfg.SetMaxIntsetEntries)
	l.ZSetMaxListpackEntries.Store(cfg.ZSetMaxListpackEntries)
	l.ZSetMaxListpackValue.Store(cfg.ZSetMaxListpackValue)
	l.ListMaxListpackSize.Store(cfg.ListMaxListpackSize)
	s.pubsub.Limits.Store(cfg.ClientOutputBufferLimit)
	s.ks.Notify.Set(cfg.NotifyKeyspaceEvents)
	s.log.SetLevel(LogLevel(cfg.LogLevel))
}

// newRunID returns 40 random hex digits, Redis's run id.
func newRunID() string {
	var b [20]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// resetStats is CONFIG RESETSTAT: the counters start again from zero.
func (s *Server) resetStats() {
	zero := func(c *counters) {
		c.Hits.Store(0)
		c.Misses.Store(0)
		c.ExpiredKeys.Store(0)
		c.commands.Store(0)
		c.netIn.Store(0)
		c.netOut.Store(0)
	}
	zero(&s.closed)
	for _, cl := range s.clients.list() {
		zero(&cl.counters)
	}
	s.expiry.ExpiredKeys.Store(0)
	s.connectionsReceived.Store(0)
	s.rejectedConnections.Store(0)
	s.qbufDisconnects.Store(0)
	s.obufDisconnects.Store(0)
	s.slowlog.mu.Lock()
	s.slowlog.entries = nil
	s.slowlog.mu.Unlock()
	s.rdb.mu.Lock()
	s.rdb.saves = 0
	s.rdb.mu.Unlock()
	s.persist.mu.Lock()
	s.persist.rewrites, s.persist.rewriteFails = 0, 0
	s.persist.mu.Unlock()
	if w := s.aofWriter(); w != nil {
		w.ResetStats()
	}
}

// closeIdleClients closes the connections idle for longer than the timeout
// directive (0 disables it), except those waiting in a blocking command or
// watching MONITOR, as Redis's clientsCronHandleTimeout does.
func (s *Server) closeIdleClients() {
	timeout := int64(s.config().Timeout) * 1000
	if timeout <= 0 {
		return
	}
	now := time.Now().UnixMilli()
	for _, cl := range s.clients.list() {
		if now-cl.lastSeen.Load() <= timeout || cl.monitor.Load() || cl.noTimeout.Load() || cl.pausedWaiting.Load() || s.blocked.byClient(cl.id) != nil {
			continue
		}
		s.log.Verbosef("Closing idle client id=%d addr=%s", cl.id, cl.addr)
		cl.killed.Store(true)
		cl.conn.Close()
	}
}

// netErrText words a failed listen as Redis's anet does: the system call
// that failed and the C library's message ("bind: Address already in
// use"), which Go's errno strings give uncapitalised.
func netErrText(err error) string {
	var se *os.SyscallError
	if !errors.As(err, &se) {
		return err.Error()
	}
	msg := se.Err.Error()
	if msg != "" {
		msg = strings.ToUpper(msg[:1]) + msg[1:]
	}
	return se.Syscall + ": " + msg
}
