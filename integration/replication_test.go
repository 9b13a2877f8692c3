package integration

import (
	"flag"
	"io"
	"math/rand/v2"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The replication tests: real binaries on loopback ports, masters and
// replicas of redis-fast and of real Redis. Every wait is a poll with a
// generous deadline (syncDeadline); nothing asserts on speed.

var replSeed = flag.Uint64("repl-seed", 0, "seed of the replication tests' write loads (0: random)")

// seed returns the write loads' seed, logged so a failure can be replayed
// with -repl-seed.
func seed(t testing.TB) uint64 {
	t.Helper()
	s := *replSeed
	if s == 0 {
		s = rand.Uint64()
	}
	t.Logf("seed %d (replay with -repl-seed %d)", s, s)
	return s
}

// compareWithMaster waits until the replicas have the master's offset, then
// compares their datasets with the master's, key by key.
func compareWithMaster(t *testing.T, master *process, replicas ...*process) {
	t.Helper()
	waitInSync(t, master, replicas...)
	want := dumpDataset(t, master.Addr())
	digest := dialRaw(t, master.Addr()).Do("DEBUG", "DIGEST")
	for _, r := range replicas {
		name := "the replica on port " + strconv.Itoa(r.Port)
		sameDataset(t, name, want, dumpDataset(t, r.Addr()))
		if got := dialRaw(t, r.Addr()).Do("DEBUG", "DIGEST"); got != digest {
			t.Errorf("%s: DEBUG DIGEST %q, the master's %q", name, got, digest)
		}
	}
	t.Logf("%d keys alike on the master and %d replica(s), digest %q", len(want), len(replicas), digest)
}

// A master and two replicas under a write load of every type, in several
// databases, with transactions: one replica follows from the start, the
// other attaches in the middle of the load (a full sync while the master
// is written to). Once the load stops and the offsets agree, both hold the
// master's dataset.
func TestReplTwoReplicasUnderLoad(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 1500, dbs: 4})
	r1 := startReplica(t, m.Addr())
	done := make(chan error, 1)
	go func() { done <- runLoad(m.Addr(), s+1, loadOptions{conns: 4, commands: 5000, dbs: 4}) }()
	r2 := startReplica(t, m.Addr())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	compareWithMaster(t, m, r1, r2)
	mi := info(t, m.Addr(), "replication")
	if mi["connected_slaves"] != "2" {
		t.Errorf("master connected_slaves:%s, want 2", mi["connected_slaves"])
	}
	for _, r := range []*process{r1, r2} {
		if id := info(t, r.Addr(), "replication")["master_replid"]; id != mi["master_replid"] {
			t.Errorf("replica on port %d follows replid %s, the master's is %s", r.Port, id, mi["master_replid"])
		}
	}
}

// cutLink cuts the replica's link through the proxy and keeps it down
// until the master has dropped the replica and the replica knows.
func cutLink(t *testing.T, p *linkProxy, master, replica *process) {
	t.Helper()
	p.setRefuse(true)
	p.cut()
	waitFor(t, "the master has dropped its replica", func() (bool, string) {
		n := info(t, master.Addr(), "replication")["connected_slaves"]
		return n == "0", "connected_slaves:" + n
	})
	waitFor(t, "the replica sees its link down", func() (bool, string) {
		st := info(t, replica.Addr(), "replication")["master_link_status"]
		return st == "down", "master_link_status:" + st
	})
}

// A replica whose link breaks continues where it stopped: the master
// answers its PSYNC with +CONTINUE and sends what the backlog holds, and
// does not sync it in full again.
func TestReplPartialResyncAfterLinkBreak(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	proxy := startProxy(t, m.Addr())
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 300, dbs: 3})
	r := startReplica(t, proxy.Addr())
	waitInSync(t, m, r)
	before := readSyncStats(t, m.Addr())

	cutLink(t, proxy, m, r)
	writeLoad(t, m.Addr(), s+1, loadOptions{conns: 2, commands: 200, dbs: 3})
	proxy.setRefuse(false)
	compareWithMaster(t, m, r)

	after := readSyncStats(t, m.Addr())
	if after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("master sync stats went from %+v to %+v; want one more partial resync and no full sync", before, after)
	}
	if !strings.Contains(r.Log(), "Successful partial resynchronization with master") {
		t.Errorf("the replica's log does not record the partial resynchronization")
	}
}

// A partial resync continues the master's stream in the middle, where no
// SELECT says which database the next command is for: the replica must
// carry its master client's database over from the broken link, as Redis
// keeps its master client cached. Against redis-fast and a real Redis
// master alike.
func TestReplPartialResyncKeepsTheStreamDB(t *testing.T) {
	t.Parallel()
	masters := []struct {
		name  string
		start func(t *testing.T) *process
	}{
		{"redis-fast", func(t *testing.T) *process { return startMaster(t) }},
		{"redis", func(t *testing.T) *process { return startRedis(t, "repl-diskless-sync-delay 0") }},
	}
	for _, master := range masters {
		t.Run(master.name, func(t *testing.T) {
			t.Parallel()
			m := master.start(t)
			proxy := startProxy(t, m.Addr())
			r := startReplica(t, proxy.Addr())
			c := dialRaw(t, m.Addr())
			c.Do("SELECT", "2")
			c.Do("SET", "a", "1")
			waitInSync(t, m, r)
			before := readSyncStats(t, m.Addr())
			cutLink(t, proxy, m, r)
			c.Do("SET", "b", "2") // still in database 2: no SELECT in the stream
			proxy.setRefuse(false)
			compareWithMaster(t, m, r)
			if after := readSyncStats(t, m.Addr()); after.partialOK != before.partialOK+1 {
				t.Fatalf("master sync stats went from %+v to %+v; want a partial resync", before, after)
			}
		})
	}
}

// A replica stopped and started again continues where it stopped: it
// saves its replication id and offset in its dump at shutdown, loads them
// at start, and the master answers its PSYNC with +CONTINUE.
func TestReplRestartedReplicaContinues(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	dir := t.TempDir()
	args := []string{"--replicaof", "127.0.0.1 " + strconv.Itoa(m.Port), "--repl-diskless-sync-delay", "0",
		"--enable-debug-command", "yes"}
	r := startServerIn(t, dir, args...)
	waitLinkUp(t, r)
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 300, dbs: 3})
	// The stream stops in database 2 and goes on there after the restart,
	// with no SELECT: the dump must say where it stood (repl-stream-db).
	c := dialRaw(t, m.Addr())
	c.Do("SELECT", "2")
	c.Do("SET", "last-before", "1")
	waitInSync(t, m, r)
	before := readSyncStats(t, m.Addr())

	r.Stop()
	waitFor(t, "the master has dropped its replica", func() (bool, string) {
		n := info(t, m.Addr(), "replication")["connected_slaves"]
		return n == "0", "connected_slaves:" + n
	})
	c.Do("SET", "first-after", "2")
	writeLoad(t, m.Addr(), s+1, loadOptions{conns: 2, commands: 200, dbs: 3})
	r = startServerIn(t, dir, args...)
	compareWithMaster(t, m, r)
	if after := readSyncStats(t, m.Addr()); after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("master sync stats went from %+v to %+v; want the restarted replica to continue, not sync in full", before, after)
	}
}

// CLIENT KILL TYPE replica on a master closes its replicas' links (Redis
// answers with the number killed); the replica comes back with a partial
// resync.
func TestReplClientKillTypeReplica(t *testing.T) {
	t.Parallel()
	m := startMaster(t)
	r := startReplica(t, m.Addr())
	c := dialRaw(t, m.Addr())
	c.Do("SET", "before", "1")
	waitInSync(t, m, r)
	before := readSyncStats(t, m.Addr())
	if got := c.Do("CLIENT", "KILL", "TYPE", "replica"); got != ":1\r\n" {
		t.Fatalf("CLIENT KILL TYPE replica = %q, want :1 (the one replica)", got)
	}
	c.Do("SET", "after", "2")
	compareWithMaster(t, m, r)
	if after := readSyncStats(t, m.Addr()); after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("master sync stats went from %+v to %+v; want one more partial resync and no full sync", before, after)
	}
}

// A replica that was away while the master wrote more than its backlog
// holds cannot continue: the master syncs it in full, and it converges.
// CONFIG SET repl-backlog-size 1 gives Redis's smallest backlog, 16 KB.
func TestReplBacklogOverrunFallsBackToFullSync(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	proxy := startProxy(t, m.Addr())
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 200, dbs: 2})
	r := startReplica(t, proxy.Addr())
	waitInSync(t, m, r)
	c := dialRaw(t, m.Addr())
	if got := c.Do("CONFIG", "SET", "repl-backlog-size", "1"); got != "+OK\r\n" {
		t.Fatalf("CONFIG SET repl-backlog-size 1 = %q", got)
	}
	if got := infoInt(t, m.Addr(), "replication", "repl_backlog_size"); got != 16384 {
		t.Errorf("repl_backlog_size:%d after CONFIG SET repl-backlog-size 1; Redis clamps it to 16384", got)
	}
	before := readSyncStats(t, m.Addr())

	cutLink(t, proxy, m, r)
	value := strings.Repeat("x", 1024)
	for i := 0; i < 100; i++ { // 100 KB: six times the backlog
		if got := c.Do("SET", "big:"+strconv.Itoa(i), value); got != "+OK\r\n" {
			t.Fatalf("SET = %q", got)
		}
	}
	if histlen := infoInt(t, m.Addr(), "replication", "repl_backlog_histlen"); histlen > 16384 {
		t.Errorf("repl_backlog_histlen:%d, more than the 16384 bytes the backlog may hold", histlen)
	}
	proxy.setRefuse(false)
	compareWithMaster(t, m, r)

	after := readSyncStats(t, m.Addr())
	if after.full != before.full+1 || after.partialOK != before.partialOK || after.partialErr != before.partialErr+1 {
		t.Fatalf("master sync stats went from %+v to %+v; want one refused partial resync and one more full sync", before, after)
	}
}

// Promotion: with the master gone, one replica becomes a master (REPLICAOF
// NO ONE) and keeps the old history as replid2; the other replica, pointed
// at it, continues with a partial resync instead of a full one.
func TestReplPromotedReplicaServesItsSibling(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	a := startReplica(t, m.Addr())
	b := startReplica(t, m.Addr())
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 400, dbs: 3})
	waitInSync(t, m, a, b)
	old := info(t, m.Addr(), "replication")
	oldID := old["master_replid"]
	offset, _ := strconv.ParseInt(old["master_repl_offset"], 10, 64)
	m.Kill() // the master fails

	ca := dialRaw(t, a.Addr())
	if got := ca.Do("REPLICAOF", "NO", "ONE"); got != "+OK\r\n" {
		t.Fatalf("REPLICAOF NO ONE = %q", got)
	}
	ai := info(t, a.Addr(), "replication")
	if ai["role"] != "master" || ai["master_replid2"] != oldID || ai["master_replid"] == oldID {
		t.Fatalf("after promotion: role:%s master_replid:%s master_replid2:%s; want master, a new id, and replid2 %s",
			ai["role"], ai["master_replid"], ai["master_replid2"], oldID)
	}
	if ai["second_repl_offset"] != strconv.FormatInt(offset+1, 10) {
		t.Errorf("second_repl_offset:%s, want the old master's offset + 1 = %d", ai["second_repl_offset"], offset+1)
	}
	before := readSyncStats(t, a.Addr())

	cb := dialRaw(t, b.Addr())
	if got := cb.Do("REPLICAOF", "127.0.0.1", strconv.Itoa(a.Port)); got != "+OK\r\n" {
		t.Fatalf("REPLICAOF the promoted replica = %q", got)
	}
	waitLinkUp(t, b)
	after := readSyncStats(t, a.Addr())
	if after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("the promoted master's sync stats went from %+v to %+v; want a partial resync through replid2, no full sync", before, after)
	}
	if bi := info(t, b.Addr(), "replication"); bi["master_replid"] != ai["master_replid"] || bi["master_replid2"] != oldID {
		t.Errorf("the sibling has master_replid:%s master_replid2:%s, want the new master's %s and the old %s",
			bi["master_replid"], bi["master_replid2"], ai["master_replid"], oldID)
	}
	writeLoad(t, a.Addr(), s+1, loadOptions{conns: 2, commands: 300, dbs: 3})
	compareWithMaster(t, a, b)
}

// A promoted replica's own replicas learn its new id: it disconnects them,
// and they come back with a partial resync under the old id (replid2).
func TestReplPromotedReplicaKeepsItsReplicas(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t)
	a := startReplica(t, m.Addr())
	leaf := startReplica(t, a.Addr())
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 300, dbs: 3})
	waitInSync(t, m, a, leaf)
	m.Kill()
	before := readSyncStats(t, a.Addr())
	if got := dialRaw(t, a.Addr()).Do("REPLICAOF", "NO", "ONE"); got != "+OK\r\n" {
		t.Fatalf("REPLICAOF NO ONE = %q", got)
	}
	newID := info(t, a.Addr(), "replication")["master_replid"]
	waitFor(t, "the leaf follows the promoted replica's new id", func() (bool, string) {
		li := info(t, leaf.Addr(), "replication")
		return li["master_link_status"] == "up" && li["master_replid"] == newID,
			"link " + li["master_link_status"] + ", master_replid " + li["master_replid"]
	})
	if after := readSyncStats(t, a.Addr()); after.partialOK != before.partialOK+1 || after.full != before.full {
		t.Fatalf("the promoted replica's sync stats went from %+v to %+v; want its replica back with a partial resync", before, after)
	}
	writeLoad(t, a.Addr(), s+1, loadOptions{conns: 2, commands: 200, dbs: 3})
	compareWithMaster(t, a, leaf)
}

// A replica of a replica converges to the top master's dataset and offset.
// The top master syncs through a file (repl-diskless-sync no), the middle
// one diskless.
func TestReplChainedReplica(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startMaster(t, "--repl-diskless-sync", "no")
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 300, dbs: 3})
	mid := startReplica(t, m.Addr())
	done := make(chan error, 1)
	go func() { done <- runLoad(m.Addr(), s+1, loadOptions{conns: 3, commands: 4000, dbs: 3}) }()
	leaf := startReplica(t, mid.Addr())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	compareWithMaster(t, m, mid, leaf)
	top := info(t, m.Addr(), "replication")["master_replid"]
	if id := info(t, leaf.Addr(), "replication")["master_replid"]; id != top {
		t.Errorf("the chained replica follows replid %s, want the top master's %s", id, top)
	}
}

// SYNC, the protocol before PSYNC (redis-cli --replica and --rdb use it),
// gets the dump as a $<length> bulk with no +FULLRESYNC line before it, as
// from Redis, and then the stream.
func TestReplSyncCommand(t *testing.T) {
	t.Parallel()
	m := startMaster(t)
	mc := dialRaw(t, m.Addr())
	mc.Do("SET", "before", "1")
	c := dialRaw(t, m.Addr())
	c.Send([]byte("SYNC\r\n"))
	c.conn.SetReadDeadline(time.Now().Add(syncDeadline))
	head, err := c.r.ReadString('\n')
	for err == nil && head == "\n" { // keep-alives while the dump is prepared
		head, err = c.r.ReadString('\n')
	}
	if err != nil || !strings.HasPrefix(head, "$") || strings.HasPrefix(head, "$EOF:") {
		t.Fatalf("SYNC answered %q (%v), want a $<length> payload", head, err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(head[1:]))
	if err != nil {
		t.Fatalf("payload length %q", head)
	}
	dump := make([]byte, n)
	if _, err := io.ReadFull(c.r, dump); err != nil || !strings.HasPrefix(string(dump), "REDIS") {
		t.Fatalf("reading the %d-byte dump: %v (%q...)", n, err, dump[:min(n, 9)])
	}
	mc.Do("SET", "after", "2")
	want := string(encodeCommand("SET", "after", "2"))
	var stream strings.Builder
	for !strings.Contains(stream.String(), want) {
		frame, err := readReply(c.r)
		if err != nil {
			t.Fatalf("reading the stream: %v; so far %q", err, stream.String())
		}
		stream.Write(frame)
	}
}

// WAIT counts the replicas that acknowledged the client's last write; on a
// replica it is an error.
func TestReplWait(t *testing.T) {
	t.Parallel()
	m := startMaster(t)
	r1 := startReplica(t, m.Addr())
	startReplica(t, m.Addr())
	c := dialRaw(t, m.Addr())
	c.Do("SET", "k", "v")
	if got := c.Do("WAIT", "2", "5000"); got != ":2\r\n" {
		t.Fatalf("WAIT 2 5000 = %q, want :2", got)
	}
	c.Do("SET", "k", "w")
	start := time.Now()
	if got := c.Do("WAIT", "3", "100"); got != ":2\r\n" {
		t.Fatalf("WAIT 3 100 = %q, want :2 once the timeout passed", got)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("WAIT 3 100 returned after %v, before its timeout", d)
	}
	if got := c.Do("WAIT", "0", "0"); got != ":2\r\n" {
		t.Errorf("WAIT 0 0 = %q, want :2 at once", got)
	}
	const msg = "-ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.\r\n"
	if got := dialRaw(t, r1.Addr()).Do("WAIT", "1", "100"); got != msg {
		t.Errorf("WAIT on a replica = %q, want %q", got, msg)
	}
}

// sameReplies sends each command to both servers and compares the raw
// replies byte for byte.
func sameReplies(t *testing.T, what string, redisAddr, fastAddr string, cmds [][]string) {
	t.Helper()
	rc, fc := dialRaw(t, redisAddr), dialRaw(t, fastAddr)
	for _, cmd := range cmds {
		want, got := rc.Do(cmd...), fc.Do(cmd...)
		if cmd[0] == "INFO" {
			// The fields differ; the reply's kind and its section do not.
			want, got = infoShape(want), infoShape(got)
		}
		if want != got {
			t.Errorf("%s: %q: redis-fast %q, Redis %q", what, cmd, got, want)
		}
	}
}

// infoShape is an INFO reply without its fields: the reply's first byte and
// the section heads.
func infoShape(reply string) string {
	shape := reply[:1]
	for _, line := range strings.Split(reply, "\r\n") {
		if strings.HasPrefix(line, "# ") {
			shape += " " + line
		}
	}
	return shape
}

// The refusals of a replica and of a master short of replicas, compared
// byte for byte with a real Redis in the same state: READONLY on a write
// (and EXECABORT for a transaction that queued one), MASTERDOWN while the
// link is down with replica-serve-stale-data no (commands flagged stale,
// like INFO, still run), NOREPLICAS with min-replicas-to-write 1 and no
// replica.
func TestReplRefusalsMatchRedis(t *testing.T) {
	t.Parallel()
	redisServerPath(t)

	t.Run("read-only replica", func(t *testing.T) {
		t.Parallel()
		rm := startRedis(t, "repl-diskless-sync-delay 0")
		dialRaw(t, rm.Addr()).Do("SET", "k", "v")
		rr := startRedisReplica(t, rm.Addr())
		fr := startReplica(t, rm.Addr())
		waitInSync(t, rm, rr, fr)
		sameReplies(t, "replica", rr.Addr(), fr.Addr(), [][]string{
			{"GET", "k"},
			{"SET", "k", "w"},
			{"DEL", "k"},
			{"MULTI"}, {"SET", "k", "w"}, {"GET", "k"}, {"EXEC"},
			{"MULTI"}, {"GET", "k"}, {"EXEC"},
			{"WAIT", "1", "100"},
			{"EXPIRE", "k", "100"},
		})
		if got := dialRaw(t, fr.Addr()).Do("SET", "k", "w"); got != "-"+msgReadOnlyReply+"\r\n" {
			t.Errorf("SET on a replica = %q", got)
		}
	})

	t.Run("link down, stale data refused", func(t *testing.T) {
		t.Parallel()
		dead := strconv.Itoa(freePort(t)) // nobody listens there
		// Both start serving stale data: the harness waits for PING, which
		// MASTERDOWN refuses.
		rr := startRedis(t, "replicaof 127.0.0.1 "+dead)
		fr := startServer(t, "--replicaof", "127.0.0.1 "+dead)
		for _, p := range []*process{rr, fr} {
			if got := dialRaw(t, p.Addr()).Do("CONFIG", "SET", "replica-serve-stale-data", "no"); got != "+OK\r\n" {
				t.Fatalf("CONFIG SET replica-serve-stale-data no on port %d = %q", p.Port, got)
			}
		}
		sameReplies(t, "link down", rr.Addr(), fr.Addr(), [][]string{
			{"GET", "k"},
			{"PING"},
			{"ECHO", "hello"},
			{"SET", "k", "v"},
			{"INFO", "replication"},
			{"DBSIZE"},
			{"MULTI"}, {"GET", "k"}, {"EXEC"},
			{"MULTI"}, {"PING"}, {"EXEC"},
			{"CONFIG", "SET", "replica-serve-stale-data", "yes"},
			{"GET", "k"},
		})
	})

	t.Run("min-replicas-to-write", func(t *testing.T) {
		t.Parallel()
		rm := startRedis(t, "min-replicas-to-write 1")
		fm := startServer(t, "--min-replicas-to-write", "1")
		sameReplies(t, "no good replica", rm.Addr(), fm.Addr(), [][]string{
			{"SET", "k", "v"},
			{"GET", "k"},
			{"PING"},
			{"MULTI"}, {"SET", "k", "v"}, {"EXEC"},
			{"MULTI"}, {"GET", "k"}, {"EXEC"},
			{"CONFIG", "SET", "min-replicas-to-write", "0"},
			{"SET", "k", "v"},
		})
	})
}

// msgReadOnlyReply is Redis's READONLY error, byte for byte.
const msgReadOnlyReply = "READONLY You can't write against a read only replica."

// A replica does not expire keys itself: a key past its expiry reads as
// missing on the replica but stays (DBSIZE counts it) until the master
// deletes it and propagates the DEL. Real Redis, run through the same
// steps, shows the behaviour the test expects.
func TestReplReplicaLeavesExpiryToTheMaster(t *testing.T) {
	t.Parallel()
	setups := []struct {
		name  string
		start func(t *testing.T) (master, replica *process)
	}{
		{"redis-fast", func(t *testing.T) (*process, *process) {
			m := startMaster(t)
			return m, startReplica(t, m.Addr())
		}},
		{"redis", func(t *testing.T) (*process, *process) {
			m := startRedis(t, "repl-diskless-sync-delay 0")
			return m, startRedisReplica(t, m.Addr())
		}},
	}
	for _, setup := range setups {
		t.Run(setup.name, func(t *testing.T) {
			t.Parallel()
			m, r := setup.start(t)
			mc, rc := dialRaw(t, m.Addr()), dialRaw(t, r.Addr())
			if got := mc.Do("DEBUG", "SET-ACTIVE-EXPIRE", "0"); got != "+OK\r\n" {
				t.Fatalf("DEBUG SET-ACTIVE-EXPIRE 0 = %q", got)
			}
			mc.Do("SET", "stays", "v")
			mc.Do("SET", "brief", "v", "PX", "200")
			if got := mc.Do("WAIT", "1", "5000"); got != ":1\r\n" {
				t.Fatalf("WAIT 1 5000 = %q", got)
			}
			waitFor(t, "the key reads as expired on the replica", func() (bool, string) {
				got := rc.Do("GET", "brief")
				return got == "$-1\r\n", "GET brief = " + got
			})
			if got := rc.Do("PTTL", "brief"); got != ":-2\r\n" {
				t.Errorf("PTTL of the expired key on the replica = %q, want :-2", got)
			}
			if got := rc.Do("DBSIZE"); got != ":2\r\n" {
				t.Fatalf("replica DBSIZE = %q, want :2: the expired key stays until the master's DEL", got)
			}
			if got := mc.Do("DBSIZE"); got != ":2\r\n" {
				t.Fatalf("master DBSIZE = %q, want :2 with active expiry off", got)
			}
			if got := mc.Do("GET", "brief"); got != "$-1\r\n" {
				t.Fatalf("GET on the master = %q, want nil (and a DEL propagated)", got)
			}
			waitFor(t, "the master's DEL reaches the replica", func() (bool, string) {
				got := rc.Do("DBSIZE")
				return got == ":1\r\n", "replica DBSIZE = " + got
			})
		})
	}
}

// A real redis-server replicating from redis-fast: a full sync of every
// type (the RDB) and then the stream, under a write load, end with the
// same dataset and offset.
func TestInteropRedisReplicaOfFast(t *testing.T) {
	t.Parallel()
	redisServerPath(t)
	s := seed(t)
	m := startMaster(t)
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 1500, dbs: 4})
	done := make(chan error, 1)
	go func() { done <- runLoad(m.Addr(), s+1, loadOptions{conns: 3, commands: 4000, dbs: 4}) }()
	r := startRedisReplica(t, m.Addr())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	compareWithMaster(t, m, r)
}

// redis-fast replicating from a real redis-server, which sends its dump
// through a file ($<length> payload), under a write load.
func TestInteropFastReplicaOfRedis(t *testing.T) {
	t.Parallel()
	s := seed(t)
	m := startRedis(t, "repl-diskless-sync no", "repl-diskless-sync-delay 0")
	writeLoad(t, m.Addr(), s, loadOptions{conns: 2, commands: 1500, dbs: 4})
	done := make(chan error, 1)
	go func() { done <- runLoad(m.Addr(), s+1, loadOptions{conns: 3, commands: 4000, dbs: 4}) }()
	r := startReplica(t, m.Addr())
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	compareWithMaster(t, m, r)
}

// A master that wants a password (requirepass): a replica with the right
// masterauth syncs and follows; one with a wrong password never brings its
// link up, and says so in INFO. Against redis-fast and a real Redis master.
func TestReplMasterAuth(t *testing.T) {
	t.Parallel()
	masters := []struct {
		name  string
		start func(t *testing.T) *process
	}{
		{"redis-fast", func(t *testing.T) *process { return startMaster(t, "--requirepass", "s3cret") }},
		{"redis", func(t *testing.T) *process {
			return startRedis(t, "repl-diskless-sync-delay 0", "requirepass s3cret")
		}},
	}
	for _, master := range masters {
		t.Run(master.name, func(t *testing.T) {
			m := master.start(t)
			c := dialRaw(t, m.Addr())
			if got := c.Do("SET", "k", "v"); !strings.HasPrefix(got, "-NOAUTH") {
				t.Fatalf("SET before AUTH: %q", got)
			}
			if got := c.Do("AUTH", "s3cret"); got != "+OK\r\n" {
				t.Fatalf("AUTH: %q", got)
			}
			c.Do("SET", "before", "1")
			r := startReplica(t, m.Addr(), "--masterauth", "s3cret")
			c.Do("SET", "after", "2")
			rc := dialRaw(t, r.Addr())
			waitFor(t, "the replica has both keys", func() (bool, string) {
				got := rc.Do("MGET", "before", "after")
				return got == "*2\r\n$1\r\n1\r\n$1\r\n2\r\n", got
			})

			host, port, _ := strings.Cut(m.Addr(), ":")
			bad := startServer(t, "--replicaof", host+" "+port, "--masterauth", "wrong")
			// Give the handshake time to run into the refusal more than
			// once; the link must never come up.
			for i := 0; i < 10; i++ {
				if st := info(t, bad.Addr(), "replication")["master_link_status"]; st != "down" {
					t.Fatalf("with a wrong masterauth, master_link_status:%s", st)
				}
				time.Sleep(50 * time.Millisecond)
			}
			if got := dialRaw(t, bad.Addr()).Do("GET", "before"); got != "$-1\r\n" {
				t.Fatalf("the replica with a wrong password has data: %q", got)
			}
		})
	}
}
