package loop

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"

	"redis-fast/db"
	"redis-fast/proto"
	"redis-fast/pubsub"
)

// The master's side of replication: a replica connects as a client, says
// who it is with REPLCONF and asks PSYNC; from then on its connection
// carries the write log, and it sends REPLCONF ACK <offset> back.

// Replica states.
const (
	replicaWaitSync int32 = iota // a full sync is being sent; the stream is kept
	replicaWaitAck               // a diskless sync was sent; waiting for its first ACK
	replicaOnline                // the stream goes straight to it
	replicaGone
)

// replicaLink is a replica attached to this master.
type replicaLink struct {
	cl   *client
	conn gnet.Conn
	ip   string
	port int

	// prePSYNC: it asked with SYNC, the protocol before PSYNC. It gets no
	// +FULLRESYNC line and a $<length> payload, since it may not read the
	// EOF framing (redis-cli --replica, for one, takes a +FULLRESYNC line
	// for a payload length of 0 and then waits for a mark that never
	// comes).
	prePSYNC bool

	state     atomic.Int32
	ackOffset atomic.Int64
	ackTime   atomic.Int64 // Unix seconds of the last ACK

	// While waiting for its full sync, the stream from syncOffset on is
	// kept here (under the replication mutex).
	syncOffset int64
	held       []byte
}

// feed passes it log bytes starting at log offset begin. The replication
// mutex is held. The stream kept during a full sync counts against the
// replica's hard output-buffer limit, as in Redis: a replica that cannot
// keep up is cut off, and will sync again, rather than grow the master
// without bound.
func (rep *replicaLink) feed(data []byte, begin int64, hard int64) {
	switch rep.state.Load() {
	case replicaOnline:
		rep.send(data)
	case replicaWaitSync, replicaWaitAck:
		if skip := rep.syncOffset - begin; skip > 0 {
			if skip >= int64(len(data)) {
				return
			}
			data = data[skip:]
		}
		if hard > 0 && int64(len(rep.held)+len(data)) >= hard {
			rep.state.Store(replicaGone)
			rep.held = nil
			rep.conn.Close()
			return
		}
		rep.held = append(rep.held, data...)
	}
}

// send passes stream bytes to the replica's outbox, from any goroutine:
// its reactor writes them, and holds them to the replica output-buffer
// limit (see output.go).
func (rep *replicaLink) send(data []byte) {
	if len(data) > 0 {
		rep.cl.sub.Out.Push(data)
	}
}

// REPLCONF option value [option value ...]
func cmdReplconf(s *Server, cl *client, argv [][]byte) {
	if len(argv)%2 == 0 {
		cl.w.Error("ERR syntax error")
		return
	}
	for i := 1; i < len(argv); i += 2 {
		opt, val := argv[i], argv[i+1]
		switch {
		case proto.EqualFold(opt, "LISTENING-PORT"):
			port, ok := proto.ParseInt(val)
			if !ok {
				cl.w.Error("ERR value is not an integer or out of range")
				return
			}
			cl.replPort = int(port)
		case proto.EqualFold(opt, "IP-ADDRESS"):
			cl.replIP = string(val)
		case proto.EqualFold(opt, "CAPA"):
			// eof and psync2 are what this master speaks anyway.
		case proto.EqualFold(opt, "RDB-ONLY"):
			// redis-cli --rdb wants the dump alone; it closes the link
			// itself once it has it, so the stream behind is never read.
			n, ok := proto.ParseInt(val)
			if !ok {
				cl.w.Error("ERR value is not an integer or out of range")
				return
			}
			if n != 0 && n != 1 {
				cl.w.Error("ERR value is out of range, value must between 0 and 1")
				return
			}
		case proto.EqualFold(opt, "RDB-FILTER-ONLY"):
			// Which parts of the dump to send: "functions" is the one part
			// Redis names, and there are none here; redis-cli --replica
			// sends no filter. The dump goes whole either way.
			for _, f := range strings.Fields(string(val)) {
				if !strings.EqualFold(f, "functions") {
					cl.w.Error("ERR Unsupported rdb-filter-only option: " + f)
					return
				}
			}
		case proto.EqualFold(opt, "ACK"):
			// A replica's acknowledgement: no reply, as in Redis.
			if rep := cl.replica; rep != nil {
				if off, ok := proto.ParseInt(val); ok {
					rep.ackOffset.Store(off)
					rep.ackTime.Store(time.Now().Unix())
					if rep.state.Load() == replicaWaitAck {
						s.putOnline(rep)
						s.log.Noticef("Synchronization with replica %s succeeded", cl.addr)
					}
					s.checkWaits()
				}
			}
			return
		case proto.EqualFold(opt, "GETACK"):
			if s.isReplica() {
				s.repl.mu.Lock()
				link := s.repl.link
				s.repl.mu.Unlock()
				if link != nil {
					link.sendAck()
				}
			}
			return
		default:
			cl.w.Error("ERR Unrecognized REPLCONF option: " + cString(opt, len(opt)))
			return
		}
	}
	cl.w.OK()
}

// PSYNC replicationid offset
func cmdPsync(s *Server, cl *client, argv [][]byte) {
	wanted, ok := proto.ParseInt(argv[2])
	if !ok {
		wanted = -1
	}
	s.psync(cl, string(argv[1]), wanted, false)
}

// SYNC
func cmdSync(s *Server, cl *client, argv [][]byte) {
	s.psync(cl, "?", -1, true /* prePSYNC */)
}

// psync serves PSYNC id wanted (SYNC is PSYNC ? -1 from a replica that
// knows nothing newer): a partial resync when the history and the backlog
// allow it, else a full one.
func (s *Server) psync(cl *client, asked string, wanted int64, prePSYNC bool) {
	if cl.replica != nil {
		return // already a replica: Redis ignores it
	}
	if s.isReplica() && !s.masterLinkUp() {
		cl.w.Error("NOMASTERLINK Can't SYNC while not connected with my master")
		return
	}
	backlog := s.ensureBacklog()
	s.resizeBacklog()
	rep := &replicaLink{cl: cl, conn: cl.conn, ip: cl.replIP, port: cl.replPort, prePSYNC: prePSYNC}
	if rep.ip == "" {
		rep.ip = addrHost(cl.addr)
	}
	rep.ackTime.Store(time.Now().Unix())
	cl.replica = rep
	cl.isReplicaLink.Store(true)
	cl.sub.Out.SetClass(pubsub.Replica)
	cl.noTimeout.Store(true)
	r := &s.repl
	r.mu.Lock()
	start, end := backlog.Range()
	id, _, _ := r.ids.Get()
	if wanted > 0 && r.ids.CanContinue(asked, wanted-1, start, end) {
		// +CONTINUE, then what the backlog holds from the wanted byte on;
		// registered under the mutex, so the next chunk fed follows on.
		data, _ := backlog.From(nil, wanted-1)
		cl.w.Buf = append(cl.w.Buf, "+CONTINUE "+id+"\r\n"...)
		cl.w.Buf = append(cl.w.Buf, data...)
		rep.state.Store(replicaOnline)
		r.replicas = append(r.replicas, rep)
		r.partials++
		r.mu.Unlock()
		s.log.Noticef("Partial resynchronization request from %s accepted. Sending %d bytes of backlog starting from offset %d.", cl.addr, len(data), wanted)
		return
	}
	if asked != "?" {
		r.partErrs++
	}
	r.mu.Unlock()
	s.log.Noticef("Replica %s asks for synchronization; starting a full resynchronization", cl.addr)
	s.fullSync(cl, rep)
}

// fullSync queues the replica for a full resynchronisation. The sync
// scheduler serves every replica queued within repl-diskless-sync-delay
// with one snapshot: +FULLRESYNC <replid> <offset> (the snapshot's), the
// snapshot as an RDB (a $<length> bulk through a file, or framed by an EOF
// marker while it is written when repl-diskless-sync is yes), then the
// stream kept since the offset, and the replica is online.
func (s *Server) fullSync(cl *client, rep *replicaLink) {
	r := &s.repl
	rep.state.Store(replicaWaitSync)
	r.mu.Lock()
	r.pendingSync = append(r.pendingSync, rep)
	start := !r.syncScheduled
	r.syncScheduled = true
	r.syncs++
	r.mu.Unlock()
	if start {
		go s.syncScheduler()
	}
}

// syncScheduler runs full syncs while replicas wait for one.
func (s *Server) syncScheduler() {
	r := &s.repl
	for {
		cfg := s.config()
		if cfg.ReplDisklessSync && cfg.ReplDisklessSyncDelay > 0 {
			// Give the other replicas that are about to ask a chance to
			// share the snapshot.
			time.Sleep(time.Duration(cfg.ReplDisklessSyncDelay) * time.Second)
		}
		var snap *db.Snapshot
		var group []*replicaLink
		var streamDB int
		for {
			var err error
			snap, streamDB, err = s.beginReplSnapshot(s.snapshotNow(), func(offset int64) {
				r.mu.Lock()
				group = r.pendingSync
				r.pendingSync = nil
				for _, rep := range group {
					rep.syncOffset = offset
					r.replicas = append(r.replicas, rep)
				}
				r.mu.Unlock()
			})
			if err == nil {
				break
			}
			time.Sleep(100 * time.Millisecond) // a BGSAVE or a rewrite runs
		}
		diskless := cfg.ReplDisklessSync
		for _, rep := range group {
			// As Redis does for a replica without the EOF capability,
			// the whole group gets a payload through a file.
			diskless = diskless && !rep.prePSYNC
		}
		s.runFullSync(snap, group, streamDB, diskless)
		r.mu.Lock()
		if len(r.pendingSync) == 0 {
			r.syncScheduled = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// runFullSync sends one snapshot to a group of replicas. streamDB is the
// database the stream is in at the snapshot's offset (see replStreamDB).
func (s *Server) runFullSync(snap *db.Snapshot, group []*replicaLink, streamDB int, diskless bool) {
	id, _, _ := s.repl.ids.Get()
	head := []byte("+FULLRESYNC " + id + " " + strconv.FormatInt(snap.Offset(), 10) + "\r\n")
	outs := make([]*replicaWriter, len(group))
	writers := make([]io.Writer, len(group))
	for i, rep := range group {
		outs[i] = &replicaWriter{rep: rep}
		writers[i] = outs[i]
		if !rep.prePSYNC {
			outs[i].Write(head)
		}
	}
	err := s.sendSnapshot(io.MultiWriter(writers...), snap, id, streamDB, diskless)
	for i, rep := range group {
		if err == nil {
			err = outs[i].wait()
		}
		if err != nil {
			s.log.Warningf("Full sync of replica %s failed: %v", rep.cl.addr, err)
			rep.conn.Close()
			s.dropReplica(rep)
			continue
		}
		if diskless {
			// A replica reading an EOF-framed payload cannot tell the end
			// of the dump from the stream behind it: the stream waits for
			// its first ACK, as in Redis.
			rep.state.Store(replicaWaitAck)
			continue
		}
		s.putOnline(rep)
		s.log.Noticef("Synchronization with replica %s succeeded", rep.cl.addr)
	}
}

// putOnline sends a replica the stream kept during its sync, and from now
// on the stream as it comes.
func (s *Server) putOnline(rep *replicaLink) {
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	held := rep.held
	rep.held = nil
	rep.send(held)
	// Its ACKs start now: a sync longer than repl-timeout is no silence.
	rep.ackTime.Store(time.Now().Unix())
	rep.state.Store(replicaOnline)
}

// sendSnapshot writes the snapshot to out as an RDB payload, whose aux
// fields name the history (id), the snapshot's offset and streamDB, the
// database the stream that follows the payload is in: a replica serving
// its own replicas passes its master's stream on as it is, with no SELECT
// at the snapshot's offset, and its replicas must know where it stands.
func (s *Server) sendSnapshot(out io.Writer, snap *db.Snapshot, id string, streamDB int, diskless bool) error {
	aux := rdbAux{replID: id, replOffset: snap.Offset(), streamDB: streamDB}
	if diskless {
		var mark [20]byte
		rand.Read(mark[:])
		eof := hex.EncodeToString(mark[:])
		io.WriteString(out, "$EOF:"+eof+"\r\n")
		bw := bufio.NewWriterSize(out, replicaChunk)
		if err := s.writeRDB(bw, snap, aux); err != nil {
			return err
		}
		if err := bw.Flush(); err != nil {
			return err
		}
		_, err := io.WriteString(out, eof)
		return err
	}
	// Disk-backed: the dump goes to a file first, whose length then heads
	// the payload.
	fsys := s.persist.fs
	path := filepath.Join(s.config().Dir, fmt.Sprintf("temp-sync-%d-%d.rdb", os.Getpid(), time.Now().UnixNano()))
	f, err := fsys.Create(path)
	if err != nil {
		snap.Abort()
		return err
	}
	defer fsys.Remove(path)
	bw := bufio.NewWriterSize(f, 1<<16)
	err = s.writeRDB(bw, snap, aux)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	size, err := fsys.Size(path)
	if err != nil {
		return err
	}
	in, err := fsys.Open(path)
	if err != nil {
		return err
	}
	defer in.Close()
	io.WriteString(out, "$"+strconv.FormatInt(size, 10)+"\r\n")
	_, err = io.CopyBuffer(struct{ io.Writer }{out}, in, make([]byte, replicaChunk))
	return err
}

// replicaWriter sends a payload to a replica in chunks. Before each chunk
// it waits for the one before to reach gnet, and for what gnet still holds
// for the socket to fall under replicaChunks chunks: a payload of any size
// holds a bounded amount of memory on its way, however slow the replica.
// A replica that fails stops taking bytes but does not fail the writes, so
// the others sharing the snapshot go on; wait reports its error.
type replicaWriter struct {
	rep      *replicaLink
	pending  sync.WaitGroup
	err      atomic.Pointer[error]
	buffered atomic.Int64 // gnet's outbound buffer after the last chunk
}

const (
	replicaChunk  = 1 << 20
	replicaChunks = 4
)

func (w *replicaWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 && w.wait() == nil {
		n := min(len(p), replicaChunk)
		w.throttle()
		w.pending.Add(1)
		err := w.rep.conn.AsyncWrite(append([]byte(nil), p[:n]...), func(c gnet.Conn, err error) error {
			if err != nil {
				w.err.Store(&err)
			}
			w.buffered.Store(int64(c.OutboundBuffered()))
			w.pending.Done()
			return nil
		})
		if err != nil {
			w.pending.Done()
			w.err.Store(&err)
		}
		p = p[n:]
	}
	return total, nil
}

// throttle waits while gnet holds more than replicaChunks chunks for the
// socket, asking the connection's reactor again every few milliseconds.
func (w *replicaWriter) throttle() {
	for w.buffered.Load() > replicaChunks*replicaChunk && w.err.Load() == nil {
		time.Sleep(2 * time.Millisecond)
		w.pending.Add(1)
		err := w.rep.conn.EventLoop().Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
			w.buffered.Store(int64(w.rep.conn.OutboundBuffered()))
			w.pending.Done()
			return nil
		}))
		if err != nil {
			w.pending.Done()
			w.err.Store(&err)
		}
		w.pending.Wait()
	}
}

// wait waits for the chunks sent to reach gnet, and reports whether the
// replica failed.
func (w *replicaWriter) wait() error {
	w.pending.Wait()
	if e := w.err.Load(); e != nil {
		return *e
	}
	return nil
}

// dropReplica forgets a replica (its connection closed, or its sync
// failed).
func (s *Server) dropReplica(rep *replicaLink) {
	r := &s.repl
	r.mu.Lock()
	defer r.mu.Unlock()
	rep.state.Store(replicaGone)
	for i, x := range r.replicas {
		if x == rep {
			r.replicas = append(r.replicas[:i], r.replicas[i+1:]...)
			break
		}
	}
}

// pingReplicas propagates a PING every repl-ping-replica-period seconds, so
// replicas can tell a quiet master from a dead link; the cron calls it.
func (s *Server) pingReplicas() {
	r := &s.repl
	period := time.Duration(s.config().ReplPingReplicaPeriod) * time.Second
	r.mu.Lock()
	due := len(r.replicas) > 0 && time.Since(r.lastPing) >= period
	if due {
		r.lastPing = time.Now()
	}
	r.mu.Unlock()
	if due && !s.isReplica() {
		s.ks.Log.AppendRaw([]byte("*1\r\n$4\r\nPING\r\n"))
	}
}

// waitReq is a WAIT command waiting for acknowledgements.
type waitReq struct {
	cl      *client
	offset  int64
	want    int
	timer   *time.Timer
	done    atomic.Bool
	replies chan int
}

// WAIT numreplicas timeout
func cmdWait(s *Server, cl *client, argv [][]byte) {
	if s.isReplica() {
		cl.w.Error("ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.")
		return
	}
	want, ok := proto.ParseInt(argv[1])
	if !ok {
		cl.w.Error("ERR value is not an integer or out of range")
		return
	}
	ms, ok := parseTimeoutMs(cl, argv[2])
	if !ok {
		return
	}
	offset := cl.ctx.LogOffset
	if n := s.ackedReplicas(offset); n >= int(want) || cl.execing {
		cl.w.Int(int64(n))
		return
	}
	// Ask the replicas for an acknowledgement now rather than within a
	// second, then park the reply until enough come or the time is up.
	s.ks.Log.AppendRaw([]byte("*3\r\n$8\r\nREPLCONF\r\n$6\r\nGETACK\r\n$1\r\n*\r\n"))
	req := &waitReq{cl: cl, offset: offset, want: int(want)}
	s.repl.mu.Lock()
	s.repl.waits = append(s.repl.waits, req)
	if ms > 0 {
		// Set under the mutex, which finishWait takes before it reads
		// the timer: an ACK or the timer itself may end the wait at once.
		req.timer = time.AfterFunc(time.Duration(ms)*time.Millisecond, func() { s.finishWait(req) })
	}
	s.repl.mu.Unlock()
	cl.waiting = req
	cl.noTimeout.Store(true)
}

// ackedReplicas counts the replicas that acknowledged offset.
func (s *Server) ackedReplicas(offset int64) int {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	n := 0
	for _, rep := range s.repl.replicas {
		if rep.state.Load() == replicaOnline && rep.ackOffset.Load() >= offset {
			n++
		}
	}
	return n
}

// checkWaits ends the WAITs that now have their acknowledgements.
func (s *Server) checkWaits() {
	s.repl.mu.Lock()
	waits := append([]*waitReq(nil), s.repl.waits...)
	s.repl.mu.Unlock()
	for _, req := range waits {
		if s.ackedReplicas(req.offset) >= req.want {
			s.finishWait(req)
		}
	}
}

// finishWait replies to a WAIT with the number of replicas that
// acknowledged, once, and wakes its client.
func (s *Server) finishWait(req *waitReq) {
	if !req.done.CompareAndSwap(false, true) {
		return
	}
	s.repl.mu.Lock()
	if req.timer != nil {
		req.timer.Stop()
	}
	for i, x := range s.repl.waits {
		if x == req {
			s.repl.waits = append(s.repl.waits[:i], s.repl.waits[i+1:]...)
			break
		}
	}
	s.repl.mu.Unlock()
	req.cl.waitReply.Store(int64(s.ackedReplicas(req.offset)))
	req.cl.conn.Wake(nil)
}

// ROLE
func cmdRole(s *Server, cl *client, argv [][]byte) { s.roleReply(cl) }

// roleReply writes ROLE's reply: the role, the offset and the peers.
func (s *Server) roleReply(cl *client) {
	s.repl.mu.Lock()
	link := s.repl.link
	replicas := append([]*replicaLink(nil), s.repl.replicas...)
	s.repl.mu.Unlock()
	if link != nil {
		link.roleReply(&cl.w, s.ks.Log.Offset())
		return
	}
	cl.w.ArrayLen(3)
	cl.w.BulkString("master")
	cl.w.Int(s.replOffset())
	var online []*replicaLink
	for _, rep := range replicas {
		if rep.state.Load() == replicaOnline {
			online = append(online, rep)
		}
	}
	cl.w.ArrayLen(len(online))
	for _, rep := range online {
		cl.w.ArrayLen(3)
		cl.w.BulkString(rep.ip)
		cl.w.BulkString(strconv.Itoa(rep.port))
		cl.w.BulkString(strconv.FormatInt(rep.ackOffset.Load(), 10))
	}
}
