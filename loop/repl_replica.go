package loop

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"redis-fast/db"
	"redis-fast/proto"
	"redis-fast/replication"
)

// The replica's side of replication: a goroutine that connects to the
// master, hands it its replication id and offset (PSYNC), loads a full sync
// into a fresh keyspace that then replaces the dataset at once, and applies
// the master's stream through the dispatcher as the master client, passing
// the stream on, byte for byte, to its own write log (its AOF, its own
// replicas), so its offset stays the master's.

// Link states, as ROLE names them.
const (
	linkConnect    int32 = iota // about to connect
	linkConnecting              // handshaking
	linkSync                    // receiving a full sync
	linkConnected               // applying the stream
)

var linkStateNames = [...]string{"connect", "connecting", "sync", "connected"}

// masterLink is this server's link to its master.
type masterLink struct {
	s    *Server
	host string
	port int
	stop chan struct{}
	done chan struct{}

	state    atomic.Int32
	lastIO   atomic.Int64 // Unix seconds
	resynced atomic.Bool  // a sync (full or partial) succeeded once

	wmu  sync.Mutex // writes to conn (the stream loop and the ACK ticker)
	conn net.Conn
}

// REPLICAOF host port | NO ONE
func cmdReplicaof(s *Server, cl *client, argv [][]byte) {
	if proto.EqualFold(argv[1], "NO") && proto.EqualFold(argv[2], "ONE") {
		if s.stopReplication() {
			s.log.Noticef("MASTER MODE enabled (user request from '%s')", cl.addr)
		}
		cl.w.OK()
		return
	}
	port, ok := proto.ParseInt(argv[2])
	if !ok || port < 0 || port > 65535 {
		cl.w.Error("ERR Invalid master port")
		return
	}
	host := string(argv[1])
	s.repl.mu.Lock()
	cur := s.repl.link
	s.repl.mu.Unlock()
	if cur != nil && cur.host == host && cur.port == int(port) {
		cl.w.Simple("OK Already connected to specified master")
		return
	}
	s.startReplication(host, int(port))
	s.log.Noticef("REPLICAOF %s:%d enabled (user request from '%s')", host, port, cl.addr)
	cl.w.OK()
}

// startReplication makes the server a replica of host:port.
func (s *Server) startReplication(host string, port int) {
	// A replica that changes masters keeps its history (no new id, as
	// REPLICAOF NO ONE would give it): it can then continue from a new
	// master that shares it, such as a promoted sibling.
	s.stopLink()
	link := &masterLink{s: s, host: host, port: port, stop: make(chan struct{}), done: make(chan struct{})}
	s.ks.Log.Enable()
	s.repl.mu.Lock()
	s.repl.link = link
	s.repl.mu.Unlock()
	s.setRole(true, host+" "+strconv.Itoa(port))
	// Its own replicas followed the old history: they sync again.
	s.dropAllReplicas()
	go link.run()
}

// stopReplication makes the server a master again, starting a new
// replication history that its former siblings can continue from (the old
// id becomes replid2). It reports whether it was a replica.
func (s *Server) stopReplication() bool {
	if !s.stopLink() {
		return false
	}
	s.setRole(false, "")
	s.repl.ids.Shift(s.ks.Log.Offset())
	// Our replicas must learn the new id: they reconnect, and continue
	// from us under the old one (replid2), as Redis makes them.
	s.dropAllReplicas()
	return true
}

// stopLink closes the link to the master and waits for its goroutine to
// end. It reports whether there was a link.
func (s *Server) stopLink() bool {
	s.repl.mu.Lock()
	link := s.repl.link
	s.repl.link = nil
	s.repl.mu.Unlock()
	if link == nil {
		return false
	}
	close(link.stop)
	link.wmu.Lock()
	if link.conn != nil {
		link.conn.Close()
	}
	link.wmu.Unlock()
	<-link.done
	return true
}

// dropMasterConn closes the connection to the master, as CLIENT KILL TYPE
// master does; the link reconnects and asks to continue. It reports
// whether there was a connection.
func (s *Server) dropMasterConn() bool {
	s.repl.mu.Lock()
	link := s.repl.link
	s.repl.mu.Unlock()
	if link == nil {
		return false
	}
	link.wmu.Lock()
	defer link.wmu.Unlock()
	if link.conn == nil || link.state.Load() != linkConnected {
		return false
	}
	link.conn.Close()
	return true
}

// dropAllReplicas disconnects every replica.
func (s *Server) dropAllReplicas() {
	s.repl.mu.Lock()
	reps := s.repl.replicas
	s.repl.replicas = nil
	s.repl.mu.Unlock()
	for _, rep := range reps {
		rep.state.Store(replicaGone)
		rep.conn.Close()
	}
}

// masterLinkUp reports whether the replica is applying its master's stream.
func (s *Server) masterLinkUp() bool {
	s.repl.mu.Lock()
	link := s.repl.link
	s.repl.mu.Unlock()
	return link != nil && link.state.Load() == linkConnected
}

// run keeps the link up until REPLICAOF changes it.
func (l *masterLink) run() {
	defer close(l.done)
	for {
		err := l.session()
		select {
		case <-l.stop:
			return
		default:
		}
		if err != nil {
			l.s.log.Warningf("Replication link to %s:%d: %v", l.host, l.port, err)
		}
		l.state.Store(linkConnect)
		select {
		case <-l.stop:
			return
		case <-time.After(time.Second):
		}
	}
}

// session connects, handshakes, syncs and applies the stream until the
// connection fails.
func (l *masterLink) session() error {
	l.state.Store(linkConnecting)
	conn, err := net.DialTimeout("tcp", net.JoinHostPort(l.host, strconv.Itoa(l.port)), 5*time.Second)
	if err != nil {
		return err
	}
	l.wmu.Lock()
	l.conn = conn
	l.wmu.Unlock()
	defer conn.Close()
	select {
	case <-l.stop:
		return nil
	default:
	}
	l.s.log.Noticef("MASTER <-> REPLICA sync started")
	r := bufio.NewReaderSize(idleLimited{conn, l.s}, 1<<16)
	if err := l.handshake(r); err != nil {
		return err
	}
	id, _, _ := l.s.repl.ids.Get()
	offset := l.s.ks.Log.Offset()
	psync := [][]byte{[]byte("PSYNC"), []byte("?"), []byte("-1")}
	if l.resynced.Load() || l.s.hasHistory() {
		psync = [][]byte{[]byte("PSYNC"), []byte(id), []byte(strconv.FormatInt(offset+1, 10))}
	}
	reply, err := l.call(r, psync...)
	if err != nil {
		return err
	}
	switch {
	case strings.HasPrefix(reply, "+FULLRESYNC "):
		if err := l.fullSync(r, reply); err != nil {
			return err
		}
	case strings.HasPrefix(reply, "+CONTINUE"):
		if fields := strings.Fields(reply); len(fields) == 2 && fields[1] != id {
			// The master began a new history (it was promoted): ours
			// continues under its id, and the old one stays valid up to
			// here as our replid2, so our own replicas, which are told
			// to reconnect to learn the new id, can continue too.
			l.s.repl.ids.ContinueAs(fields[1], offset)
			l.s.dropAllReplicas()
		}
		l.s.log.Noticef("Successful partial resynchronization with master.")
	default:
		return fmt.Errorf("PSYNC: %s", reply)
	}
	l.resynced.Store(true)
	l.state.Store(linkConnected)
	l.s.log.Noticef("MASTER <-> REPLICA sync: Finished with success")
	stopAcks := make(chan struct{})
	defer close(stopAcks)
	go l.ackLoop(stopAcks)
	l.sendAck()
	return l.applyStream(r)
}

// hasHistory reports whether this server's dataset continues a history a
// master could know (it was a master with a backlog, or a replica before).
func (s *Server) hasHistory() bool {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.backlog != nil
}

// handshake says who we are: PING, AUTH, REPLCONF.
func (l *masterLink) handshake(r *bufio.Reader) error {
	reply, err := l.call(r, []byte("PING"))
	if err != nil {
		return err
	}
	if !strings.HasPrefix(reply, "+") && !strings.HasPrefix(reply, "-NOAUTH") {
		return fmt.Errorf("PING: %s", reply)
	}
	cfg := l.s.config()
	if cfg.MasterAuth != "" {
		args := [][]byte{[]byte("AUTH"), []byte(cfg.MasterAuth)}
		if cfg.MasterUser != "" {
			args = [][]byte{[]byte("AUTH"), []byte(cfg.MasterUser), []byte(cfg.MasterAuth)}
		}
		if reply, err := l.call(r, args...); err != nil || reply != "+OK" {
			return fmt.Errorf("AUTH: %s %v", reply, err)
		}
	}
	port := cfg.Port
	if a := l.s.Addr(); a != nil {
		port = a.Port
	}
	if reply, err := l.call(r, []byte("REPLCONF"), []byte("listening-port"), []byte(strconv.Itoa(port))); err != nil || !strings.HasPrefix(reply, "+") {
		return fmt.Errorf("REPLCONF listening-port: %s %v", reply, err)
	}
	if reply, err := l.call(r, []byte("REPLCONF"), []byte("capa"), []byte("eof"), []byte("capa"), []byte("psync2")); err != nil || !strings.HasPrefix(reply, "+") {
		return fmt.Errorf("REPLCONF capa: %s %v", reply, err)
	}
	return nil
}

// idleLimited reads the link with repl-timeout as the limit of silence,
// not of the whole transfer: each read gets the full timeout again, so a
// big payload that keeps coming is never cut off.
type idleLimited struct {
	conn net.Conn
	s    *Server
}

func (c idleLimited) Read(p []byte) (int, error) {
	c.conn.SetReadDeadline(time.Now().Add(time.Duration(c.s.config().ReplTimeout) * time.Second))
	return c.conn.Read(p)
}

// call sends a command and reads a one-line reply. Empty lines before it
// are the master's keep-alives while it prepares a reply (PSYNC's).
func (l *masterLink) call(r *bufio.Reader, argv ...[]byte) (string, error) {
	if err := l.write(encodeArgv(argv)); err != nil {
		return "", err
	}
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		l.lastIO.Store(time.Now().Unix())
		if line = strings.TrimRight(line, "\r\n"); line != "" {
			return line, nil
		}
	}
}

func (l *masterLink) write(b []byte) error {
	l.wmu.Lock()
	defer l.wmu.Unlock()
	if l.conn == nil {
		return errors.New("not connected")
	}
	_, err := l.conn.Write(b)
	return err
}

func encodeArgv(argv [][]byte) []byte {
	b := proto.AppendArrayLen(nil, len(argv))
	for _, a := range argv {
		b = proto.AppendBulk(b, a)
	}
	return b
}

// fullSync reads the payload that follows +FULLRESYNC <replid> <offset>,
// loads it into a fresh keyspace, and puts that in place of the dataset.
func (l *masterLink) fullSync(r *bufio.Reader, reply string) error {
	fields := strings.Fields(reply)
	if len(fields) != 3 {
		return fmt.Errorf("bad FULLRESYNC reply %q", reply)
	}
	id := fields[1]
	offset, err := strconv.ParseInt(fields[2], 10, 64)
	if err != nil {
		return fmt.Errorf("bad FULLRESYNC offset %q", reply)
	}
	l.state.Store(linkSync)
	s := l.s
	cfg := s.config()
	path := filepath.Join(cfg.Dir, fmt.Sprintf("temp-%d.%d.rdb", time.Now().Unix(), os.Getpid()))
	if err := l.receivePayload(r, path); err != nil {
		return err
	}
	defer s.persist.fs.Remove(path)
	in, err := s.persist.fs.Open(path)
	if err != nil {
		return err
	}
	fresh := db.NewKeyspace(s.ks.Len())
	fresh.Limits.CopyFrom(&s.ks.Limits)
	info, err := s.loadRDB(bufio.NewReaderSize(in, 1<<16), fresh, true)
	in.Close()
	if err != nil {
		return fmt.Errorf("loading the master's dump: %w", err)
	}
	// The stream after the dump goes on in the database the master's own
	// stream was in (a master's starts with a SELECT anyway).
	s.setReplStreamDB(info.ReplStreamDB)
	// The AOF described the old dataset: it is closed, and a new one is
	// written from the new dataset once it is in place (Redis restarts
	// its AOF after a sync the same way).
	hadAOF := s.aofWriter() != nil
	if hadAOF {
		if err := s.stopAOF(); err != nil {
			s.log.Warningf("Closing the AOF before loading the master's dump: %v", err)
		}
	}
	s.ks.Replace(fresh)
	s.ks.Log.Reset(offset)
	s.repl.ids.Follow(id)
	s.repl.mu.Lock()
	s.repl.backlog = replication.NewBacklog(replication.BacklogSize(cfg.ReplBacklogSize), offset)
	s.startPumpLocked()
	s.repl.mu.Unlock()
	s.dropAllReplicas()
	s.log.Noticef("MASTER <-> REPLICA sync: Loading DB in memory done")
	if hadAOF {
		if err := s.openAOF(nil, offset); err != nil {
			s.log.Warningf("Reopening the AOF after the sync: %v", err)
		} else {
			go s.rewriteAOF(s.beginRewrite(true))
		}
	}
	return nil
}

// receivePayload copies the RDB payload to path: a $<length> bulk, or
// bytes framed by $EOF:<mark> and the mark itself.
func (l *masterLink) receivePayload(r *bufio.Reader, path string) error {
	var head string
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return err
		}
		l.lastIO.Store(time.Now().Unix())
		if line != "\n" { // the master's keep-alive newlines while it prepares
			head = strings.TrimRight(line, "\r\n")
			break
		}
	}
	if !strings.HasPrefix(head, "$") {
		return fmt.Errorf("bad payload header %q", head)
	}
	f, err := l.s.persist.fs.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if mark, ok := strings.CutPrefix(head, "$EOF:"); ok {
		if len(mark) != 40 {
			return fmt.Errorf("bad EOF mark %q", head)
		}
		if err := copyUntilMark(f, r, []byte(mark)); err != nil {
			return err
		}
	} else {
		size, err := strconv.ParseInt(head[1:], 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("bad payload length %q", head)
		}
		if _, err := io.CopyN(f, r, size); err != nil {
			return err
		}
	}
	return f.Sync()
}

// copyUntilMark copies r to w until the bytes read end with mark, which is
// not copied. Nothing follows the mark until the replica acknowledges, and
// nothing past it is read. It works a buffered chunk at a time, searching
// the chunk behind the last len(mark)-1 bytes of the one before, which are
// held back in case the mark begins in them.
func copyUntilMark(w io.Writer, r *bufio.Reader, mark []byte) error {
	var seen, tail []byte
	for {
		if _, err := r.Peek(1); err != nil {
			return err
		}
		chunk, _ := r.Peek(r.Buffered())
		seen = append(append(seen[:0], tail...), chunk...)
		if i := bytes.Index(seen, mark); i >= 0 {
			_, err := w.Write(seen[:i])
			r.Discard(i + len(mark) - len(tail))
			return err
		}
		n := max(len(seen)-(len(mark)-1), 0)
		if _, err := w.Write(seen[:n]); err != nil {
			return err
		}
		tail = append(tail[:0], seen[n:]...)
		r.Discard(len(chunk))
	}
}

// applyStream runs the master's commands as the master client and passes
// each on to the write log exactly as it came.
func (l *masterLink) applyStream(r *bufio.Reader) error {
	s := l.s
	master := s.newClient(nil)
	master.isMaster = true
	master.ctx.FromMaster = true
	master.setAuthenticated(true)
	master.selectDB(s.ks, int(s.repl.streamDB.Load()))
	var p proto.Parser
	buf := make([]byte, 0, 1<<16)
	var tx []byte // the frames of an open MULTI, logged at its EXEC
	// applying is true while this goroutine holds ks.StreamMu: from a
	// frame's dispatch until it is logged, and from MULTI to EXEC, so that
	// a snapshot never falls inside a transaction either.
	applying := false
	defer func() {
		if applying {
			s.ks.StreamMu.Unlock()
		}
	}()
	for {
		if cap(buf)-len(buf) < 16<<10 {
			grown := make([]byte, len(buf), 2*cap(buf))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		if err != nil {
			return err
		}
		l.lastIO.Store(time.Now().Unix())
		buf = buf[:len(buf)+n]
		off := 0
		for off < len(buf) {
			args, n, _, err := p.Parse(buf[off:])
			if err != nil {
				return fmt.Errorf("bad stream from the master: %w", err)
			}
			if n == 0 {
				break
			}
			frame := buf[off : off+n]
			off += n
			if len(args) == 0 {
				continue
			}
			if proto.EqualFold(args[0], "REPLCONF") && len(args) > 1 && proto.EqualFold(args[1], "GETACK") {
				s.ks.Log.AppendRaw(frame)
				l.sendAck()
				continue
			}
			if !applying {
				s.ks.StreamMu.Lock()
				applying = true
			}
			// The command and its bytes in the log go together: no
			// snapshot (a save, a rewrite, a sub-replica's sync) may
			// begin between them, or it would hold the command's effect
			// at an offset before it, and a restart would apply it twice.
			b := newBatch()
			s.dispatch(master, args, &b)
			master.w.Buf = master.w.Buf[:0]
			switch {
			case master.multi != nil:
				// Inside MULTI: the offset moves past the transaction only
				// when EXEC has applied it, as Redis's does, so a link lost
				// in the middle is continued from the MULTI.
				tx = append(tx, frame...)
			case len(tx) > 0:
				s.ks.Log.AppendRaw(append(tx, frame...))
				tx = tx[:0]
			default:
				s.ks.Log.AppendRaw(frame)
			}
			s.repl.streamDB.Store(master.dbIndex.Load())
			if master.multi == nil {
				s.ks.StreamMu.Unlock()
				applying = false
			}
		}
		buf = append(buf[:0], buf[off:]...)
	}
}

// ackLoop sends REPLCONF ACK <offset> every second.
func (l *masterLink) ackLoop(stop chan struct{}) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-stop:
			return
		case <-l.stop:
			return
		case <-t.C:
			l.sendAck()
		}
	}
}

func (l *masterLink) sendAck() {
	off := strconv.FormatInt(l.s.ks.Log.Offset(), 10)
	l.write(encodeArgv([][]byte{[]byte("REPLCONF"), []byte("ACK"), []byte(off)}))
}

// info writes the replica's fields of INFO replication.
func (l *masterLink) info(b *infoWriter, offset int64) {
	st := l.state.Load()
	b.field("master_host", l.host)
	b.field("master_port", l.port)
	status := "down"
	if st == linkConnected {
		status = "up"
	}
	b.field("master_link_status", status)
	b.field("master_last_io_seconds_ago", time.Now().Unix()-l.lastIO.Load())
	sync := 0
	if st == linkSync {
		sync = 1
	}
	b.field("master_sync_in_progress", sync)
	b.field("slave_read_repl_offset", offset)
	b.field("slave_repl_offset", offset)
	b.field("slave_priority", 100)
	ro := 0
	if l.s.config().ReplicaReadOnly {
		ro = 1
	}
	b.field("slave_read_only", ro)
	b.field("replica_announced", 1)
}

// roleReply writes ROLE's answer for a replica.
func (l *masterLink) roleReply(w *proto.Writer, offset int64) {
	w.ArrayLen(5)
	w.BulkString("slave")
	w.BulkString(l.host)
	w.Int(int64(l.port))
	w.BulkString(linkStateNames[l.state.Load()])
	w.Int(offset)
}
