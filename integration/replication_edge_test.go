package integration

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Replication at its edges: a transaction cut by a broken link, a replica
// that also keeps an AOF, a writable replica's own writes, and a master
// restarted from its dump.

// scriptedMaster is a master played by the test over raw TCP, so that the
// stream can stop exactly where the test wants: between MULTI and EXEC.
type scriptedMaster struct {
	t  *testing.T
	ln net.Listener
}

func newScriptedMaster(t *testing.T) *scriptedMaster {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	return &scriptedMaster{t: t, ln: ln}
}

// accept takes the replica's connection and answers its handshake up to
// PSYNC, returning the connection, a reader and PSYNC's arguments.
func (m *scriptedMaster) accept() (net.Conn, *bufio.Reader, []string) {
	m.t.Helper()
	conn, err := m.ln.Accept()
	if err != nil {
		m.t.Fatal(err)
	}
	m.t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(syncDeadline))
	r := bufio.NewReader(conn)
	for {
		argv := readCommand(m.t, r)
		switch strings.ToUpper(argv[0]) {
		case "PING":
			conn.Write([]byte("+PONG\r\n"))
		case "REPLCONF", "AUTH":
			conn.Write([]byte("+OK\r\n"))
		case "PSYNC":
			return conn, r, argv[1:]
		default:
			m.t.Fatalf("the replica sent %q in its handshake", argv)
		}
	}
}

// readCommand reads one RESP array of bulk strings.
func readCommand(t *testing.T, r *bufio.Reader) []string {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil {
		t.Fatalf("reading the replica's command: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(line[1:]))
	if line[0] != '*' || err != nil {
		t.Fatalf("the replica sent %q", line)
	}
	argv := make([]string, n)
	for i := range argv {
		head, _ := r.ReadString('\n')
		size, _ := strconv.Atoi(strings.TrimSpace(head[1:]))
		buf := make([]byte, size+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			t.Fatal(err)
		}
		argv[i] = string(buf[:size])
	}
	return argv
}

func respCommand(argv ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(argv))
	for _, a := range argv {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return b.String()
}

// A link lost between MULTI and EXEC: the replica's offset must not have
// moved past the MULTI (Redis counts a transaction when EXEC applies it),
// so it asks to continue from the MULTI and gets the whole transaction
// again; had it counted the queued commands, the key would be lost.
func TestReplTransactionCutByTheLink(t *testing.T) {
	t.Parallel()
	m := newScriptedMaster(t)
	replica := startServer(t, "--replicaof", "127.0.0.1 "+strconv.Itoa(m.ln.Addr().(*net.TCPAddr).Port))
	const id = "0123456789012345678901234567890123456789"
	conn, _, psync := m.accept()
	if len(psync) != 2 || psync[0] != "?" {
		t.Fatalf("a new replica asked PSYNC %q", psync)
	}
	// An empty dump: the header, the end opcode and a zero checksum,
	// which means "not computed".
	empty := "REDIS0009\xff" + strings.Repeat("\x00", 8)
	fmt.Fprintf(conn, "+FULLRESYNC %s 100\r\n$%d\r\n%s", id, len(empty), empty)
	selectDB := respCommand("SELECT", "0")
	first := respCommand("SET", "before", "1")
	conn.Write([]byte(selectDB + first + respCommand("MULTI") + respCommand("SET", "k", "v")))
	rc := dialRaw(t, replica.Addr())
	waitFor(t, "the replica applies the commands before MULTI", func() (bool, string) {
		got := rc.Do("GET", "before")
		return got == "$1\r\n1\r\n", got
	})
	conn.Close() // before EXEC

	conn2, _, psync2 := m.accept()
	want := strconv.Itoa(100 + len(selectDB) + len(first) + 1)
	if len(psync2) != 2 || psync2[0] != id || psync2[1] != want {
		t.Fatalf("after the cut the replica asked PSYNC %q, want [%s %s] (continue at the MULTI)", psync2, id, want)
	}
	conn2.Write([]byte("+CONTINUE\r\n" + respCommand("MULTI") + respCommand("SET", "k", "v") + respCommand("EXEC")))
	waitFor(t, "the replica applies the transaction sent again", func() (bool, string) {
		got := rc.Do("GET", "k")
		return got == "$1\r\nv\r\n", got
	})
}

// A replica with appendonly yes: its full sync replaces the dataset the AOF
// described, so the AOF is written anew from the new dataset; the replica
// keeps following, and a restart on its AOF holds the master's data.
func TestReplReplicaWithAOF(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 500, dbs: 2})
	dir := t.TempDir()
	host, port, _ := strings.Cut(m.Addr(), ":")
	args := []string{"--replicaof", host + " " + port, "--repl-diskless-sync-delay", "0",
		"--enable-debug-command", "yes", "--appendonly", "yes"}
	r := startServerIn(t, dir, args...)
	waitLinkUp(t, r)
	writeLoad(t, m.Addr(), s+1, loadOptions{conns: 2, commands: 500, dbs: 2})
	compareWithMaster(t, m, r)
	waitRewriteDone(t, r.Addr(), 1)
	checkAOF(t, dir)
	want := dumpDataset(t, m.Addr())
	r.Stop()
	// Started alone on its AOF, it must hold what it had from the master.
	alone := startServerIn(t, dir, "--appendonly", "yes")
	sameDataset(t, "the replica restarted on its AOF", want, dumpDataset(t, alone.Addr()))
}

// A writable replica (replica-read-only no): its own writes stay local and
// do not move its replication offset, so after a broken link the master's
// +CONTINUE resumes at the right byte and nothing of the master's is lost.
func TestReplWritableReplicaKeepsItsOffset(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	r := startReplica(t, m.Addr(), "--replica-read-only", "no")
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 300, dbs: 2})
	waitInSync(t, m, r)
	rc := dialRaw(t, r.Addr())
	for i := 0; i < 50; i++ {
		if got := rc.Do("SET", "local:"+strconv.Itoa(i), strings.Repeat("x", 20)); got != "+OK\r\n" {
			t.Fatalf("SET on the writable replica: %q", got)
		}
	}
	before := readSyncStats(t, m.Addr())
	if got := rc.Do("CLIENT", "KILL", "TYPE", "master"); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL TYPE master on the replica: %q", got)
	}
	mc := dialRaw(t, m.Addr())
	for i := 0; i < 20; i++ {
		mc.Do("SET", "after:"+strconv.Itoa(i), "v")
	}
	waitInSync(t, m, r)
	after := readSyncStats(t, m.Addr())
	if after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("the replica came back with %+v, before %+v: want one partial resync", after, before)
	}
	for i := 0; i < 20; i++ {
		if got := rc.Do("GET", "after:"+strconv.Itoa(i)); got != "$1\r\nv\r\n" {
			t.Fatalf("after the partial resync, after:%d = %q", i, got)
		}
	}
}

// A master restarted from its dump starts a new history, as Redis 7.0's
// does: the dump's id becomes replid2, valid up to the dump's offset, so a
// replica that saw more under the old id cannot be continued into the new.
func TestReplMasterRestartShiftsItsID(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	args := []string{"--save", "3600 1", "--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"}
	m := startServerIn(t, dir, args...)
	r := startReplica(t, m.Addr())
	writeLoad(t, m.Addr(), seed(t), loadOptions{conns: 1, commands: 100, dbs: 1})
	waitInSync(t, m, r)
	// A master PINGs its replicas every repl-ping-replica-period, and the
	// PING moves its offset: read it once no replica is left to ping.
	r.Stop()
	waitFor(t, "the master sees its replica gone", func() (bool, string) {
		n := info(t, m.Addr(), "replication")["connected_slaves"]
		return n == "0", "connected_slaves:" + n
	})
	old := info(t, m.Addr(), "replication")
	m.Stop() // SIGTERM: with a save point set, the dump is written
	if _, err := os.Stat(filepath.Join(dir, "dump.rdb")); err != nil {
		t.Fatal(err)
	}
	m = startServerIn(t, dir, args...)
	now := info(t, m.Addr(), "replication")
	offset, _ := strconv.ParseInt(old["master_repl_offset"], 10, 64)
	switch {
	case now["master_replid"] == old["master_replid"]:
		t.Errorf("the restarted master kept its id %s", now["master_replid"])
	case now["master_replid2"] != old["master_replid"]:
		t.Errorf("master_replid2 = %s, want the old id %s", now["master_replid2"], old["master_replid"])
	case now["master_repl_offset"] != old["master_repl_offset"]:
		t.Errorf("master_repl_offset = %s, want %s", now["master_repl_offset"], old["master_repl_offset"])
	case now["second_repl_offset"] != strconv.FormatInt(offset+1, 10):
		t.Errorf("second_repl_offset = %s, want %d", now["second_repl_offset"], offset+1)
	}
}
