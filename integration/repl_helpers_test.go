package integration

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// The helpers of the replication tests: starting masters and replicas,
// reading INFO, waiting until offsets agree, a write load of every type,
// dumping a dataset key by key, and a proxy that can cut a replica's link.

// syncDeadline bounds every wait for replication to catch up: generous, so
// a loaded machine slows the tests down but does not fail them.
const syncDeadline = 30 * time.Second

// startMaster starts redis-fast ready to serve replicas at once (no
// diskless-sync delay) and to take DEBUG commands.
func startMaster(t testing.TB, args ...string) *process {
	t.Helper()
	return startServer(t, append([]string{"--repl-diskless-sync-delay", "0", "--enable-debug-command", "yes"}, args...)...)
}

// startReplica starts redis-fast as a replica of addr and waits until its
// link is up.
func startReplica(t testing.TB, addr string, args ...string) *process {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	p := startServer(t, append([]string{"--replicaof", host + " " + port, "--repl-diskless-sync-delay", "0",
		"--enable-debug-command", "yes"}, args...)...)
	waitLinkUp(t, p)
	return p
}

// startRedisReplica starts a real redis-server as a replica of addr and
// waits until its link is up.
func startRedisReplica(t testing.TB, addr string, extra ...string) *process {
	t.Helper()
	host, port, _ := strings.Cut(addr, ":")
	p := startRedis(t, append([]string{"replicaof " + host + " " + port}, extra...)...)
	waitLinkUp(t, p)
	return p
}

// info reads one INFO section as a map of its fields.
func info(t testing.TB, addr, section string) map[string]string {
	t.Helper()
	c := dialRaw(t, addr)
	defer c.conn.Close()
	reply := c.Do("INFO", section)
	if !strings.HasPrefix(reply, "$") {
		t.Fatalf("INFO %s on %s: %q", section, addr, reply)
	}
	fields := map[string]string{}
	for _, line := range strings.Split(reply, "\r\n") {
		if k, v, ok := strings.Cut(line, ":"); ok {
			fields[k] = v
		}
	}
	return fields
}

// infoInt reads one integer field of INFO.
func infoInt(t testing.TB, addr, section, field string) int64 {
	t.Helper()
	v, ok := info(t, addr, section)[field]
	if !ok {
		t.Fatalf("INFO %s on %s has no %s", section, addr, field)
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		t.Fatalf("INFO %s on %s: %s = %q", section, addr, field, v)
	}
	return n
}

// syncStats are a master's counters of the syncs it served.
type syncStats struct{ full, partialOK, partialErr int64 }

func readSyncStats(t testing.TB, addr string) syncStats {
	t.Helper()
	m := info(t, addr, "stats")
	get := func(k string) int64 {
		n, err := strconv.ParseInt(m[k], 10, 64)
		if err != nil {
			t.Fatalf("INFO stats on %s: %s = %q", addr, k, m[k])
		}
		return n
	}
	return syncStats{full: get("sync_full"), partialOK: get("sync_partial_ok"), partialErr: get("sync_partial_err")}
}

// waitFor polls cond until it holds, failing after syncDeadline with a
// message that says what was awaited and what was last seen.
func waitFor(t testing.TB, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(syncDeadline)
	for {
		ok, seen := cond()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v still waiting until %s; last seen: %s", syncDeadline, what, seen)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitLinkUp waits until a replica reports master_link_status:up.
func waitLinkUp(t testing.TB, replica *process) {
	t.Helper()
	waitFor(t, "the replica on port "+strconv.Itoa(replica.Port)+" has its link up", func() (bool, string) {
		m := info(t, replica.Addr(), "replication")
		return m["master_link_status"] == "up", "master_link_status:" + m["master_link_status"]
	})
}

// waitInSync waits until every replica's slave_repl_offset equals the
// master's master_repl_offset, with its link up (the write load must have
// stopped). For a chain, each replica is compared with the top master.
func waitInSync(t testing.TB, master *process, replicas ...*process) {
	t.Helper()
	for _, r := range replicas {
		waitFor(t, fmt.Sprintf("the replica on port %d has the offset of the master on port %d", r.Port, master.Port), func() (bool, string) {
			want := info(t, master.Addr(), "replication")["master_repl_offset"]
			m := info(t, r.Addr(), "replication")
			return m["master_link_status"] == "up" && m["slave_repl_offset"] == want,
				fmt.Sprintf("master_repl_offset:%s, replica link %s slave_repl_offset:%s", want, m["master_link_status"], m["slave_repl_offset"])
		})
	}
}

// keyState is what the comparison of two datasets looks at for one key.
type keyState struct {
	typ     string
	content string // a canonical rendering of the value
	ttl     bool   // whether the key has an expiry
}

// dataset is every key of every database: "db:key" -> state.
type dataset map[string]keyState

// dumpDataset reads every key of databases 0..15 with SCAN, and renders
// each value canonically (sets and hashes sorted).
func dumpDataset(t testing.TB, addr string) dataset {
	t.Helper()
	ctx := context.Background()
	out := dataset{}
	for db := 0; db < 16; db++ {
		c := redis.NewClient(&redis.Options{Addr: addr, DB: db, Protocol: 2, ReadTimeout: 10 * time.Second})
		var cursor uint64
		for {
			keys, next, err := c.Scan(ctx, cursor, "*", 1000).Result()
			if err != nil {
				c.Close()
				t.Fatalf("SCAN db %d on %s: %v", db, addr, err)
			}
			for _, k := range keys {
				if st, ok := readKey(t, ctx, c, k); ok {
					out[strconv.Itoa(db)+":"+k] = st
				}
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		c.Close()
	}
	return out
}

// readKey renders one key; false when it vanished between SCAN and TYPE.
func readKey(t testing.TB, ctx context.Context, c *redis.Client, k string) (keyState, bool) {
	t.Helper()
	typ, err := c.Type(ctx, k).Result()
	if err != nil {
		t.Fatalf("TYPE %s: %v", k, err)
	}
	var content string
	switch typ {
	case "none":
		return keyState{}, false
	case "string":
		content, err = c.Get(ctx, k).Result()
	case "list":
		var v []string
		v, err = c.LRange(ctx, k, 0, -1).Result()
		content = strings.Join(v, "\x00")
	case "set":
		var v []string
		v, err = c.SMembers(ctx, k).Result()
		sort.Strings(v)
		content = strings.Join(v, "\x00")
	case "hash":
		var v map[string]string
		v, err = c.HGetAll(ctx, k).Result()
		pairs := make([]string, 0, len(v))
		for f, x := range v {
			pairs = append(pairs, f+"="+x)
		}
		sort.Strings(pairs)
		content = strings.Join(pairs, "\x00")
	case "zset":
		var v []any
		v, err = c.Do(ctx, "ZRANGE", k, 0, -1, "WITHSCORES").Slice()
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = fmt.Sprint(x)
		}
		content = strings.Join(parts, "\x00")
	default:
		t.Fatalf("key %s has type %s, which the comparison does not know", k, typ)
	}
	if err != nil {
		t.Fatalf("reading %s key %s: %v", typ, k, err)
	}
	ttl, err := c.PTTL(ctx, k).Result()
	if err != nil {
		t.Fatalf("PTTL %s: %v", k, err)
	}
	return keyState{typ: typ, content: content, ttl: ttl > 0}, true
}

// sameDataset fails the test with the first differences (up to ten) between
// the master's dataset and a replica's.
func sameDataset(t testing.TB, name string, want, got dataset) {
	t.Helper()
	var diffs []string
	for k, w := range want {
		g, ok := got[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("%s: missing (master has %s %q ttl=%v)", k, w.typ, short(w.content), w.ttl))
		case g != w:
			diffs = append(diffs, fmt.Sprintf("%s: %s %q ttl=%v, master has %s %q ttl=%v", k, g.typ, short(g.content), g.ttl, w.typ, short(w.content), w.ttl))
		}
	}
	for k, g := range got {
		if _, ok := want[k]; !ok {
			diffs = append(diffs, fmt.Sprintf("%s: extra %s %q", k, g.typ, short(g.content)))
		}
	}
	if len(diffs) > 0 {
		sort.Strings(diffs)
		t.Fatalf("%s differs from the master in %d of %d keys; first ones:\n  %s", name, len(diffs), len(want),
			strings.Join(diffs[:min(10, len(diffs))], "\n  "))
	}
	if len(want) == 0 {
		t.Fatalf("%s: the master's dataset is empty; the load wrote nothing", name)
	}
}

func short(s string) string {
	if len(s) > 60 {
		return s[:60] + "..."
	}
	return s
}

// The write load. Keys are drawn from small pools, one per type, so
// commands keep meeting the same keys (and each other's effects) across
// connections and databases. Expiries are long: a key must not expire
// between the master's dump and a replica's.

func randKey(rng *rand.Rand, prefix string, n int) string {
	return prefix + strconv.Itoa(rng.IntN(n))
}

func randVal(rng *rand.Rand) string {
	return strings.Repeat(string(rune('a'+rng.IntN(26))), 1+rng.IntN(12)) + strconv.Itoa(rng.IntN(1000))
}

// poolSize is how many keys of each type the load draws from.
const poolSize = 40

// anyKey is a key of any type.
func anyKey(rng *rand.Rand) string {
	return randKey(rng, []string{"s:", "n:", "l:", "h:", "S:", "z:"}[rng.IntN(6)], poolSize)
}

// randomWrite returns one write command of any type.
func randomWrite(rng *rand.Rand) []string {
	s, n, l, h, S, z := randKey(rng, "s:", poolSize), randKey(rng, "n:", poolSize/4), randKey(rng, "l:", poolSize),
		randKey(rng, "h:", poolSize), randKey(rng, "S:", poolSize), randKey(rng, "z:", poolSize)
	v := randVal(rng)
	switch rng.IntN(34) {
	case 0:
		return []string{"SET", s, v}
	case 1:
		return []string{"SET", s, v, "EX", "3600"}
	case 2:
		return []string{"SET", s, v, "PX", "3600000", "GET"}
	case 3:
		return []string{"APPEND", s, v}
	case 4:
		return []string{"INCR", n}
	case 5:
		return []string{"INCRBY", n, strconv.Itoa(rng.IntN(100) - 50)}
	case 6:
		return []string{"INCRBYFLOAT", randKey(rng, "s:f", 3), "1.25"}
	case 7:
		return []string{"MSET", s, v, randKey(rng, "s:", poolSize), randVal(rng)}
	case 8:
		return []string{"GETEX", s, "EX", "7200"}
	case 9:
		return []string{"RPUSH", l, v, randVal(rng), randVal(rng)}
	case 10:
		return []string{"LPUSH", l, v}
	case 11:
		return []string{"LPOP", l}
	case 12:
		return []string{"RPOP", l, "2"}
	case 13:
		return []string{"LTRIM", l, "0", "15"}
	case 14:
		return []string{"LMOVE", l, randKey(rng, "l:", poolSize), "LEFT", "RIGHT"}
	case 15:
		return []string{"HSET", h, "f" + strconv.Itoa(rng.IntN(10)), v, "g", randVal(rng)}
	case 16:
		return []string{"HDEL", h, "f" + strconv.Itoa(rng.IntN(10))}
	case 17:
		return []string{"HINCRBY", h, "count", "3"}
	case 18:
		return []string{"HINCRBYFLOAT", h, "float", "0.5"}
	case 19:
		return []string{"SADD", S, "m" + strconv.Itoa(rng.IntN(30)), "m" + strconv.Itoa(rng.IntN(30))}
	case 20:
		return []string{"SREM", S, "m" + strconv.Itoa(rng.IntN(30))}
	case 21:
		return []string{"SPOP", S}
	case 22:
		return []string{"SMOVE", S, randKey(rng, "S:", poolSize), "m" + strconv.Itoa(rng.IntN(30))}
	case 23:
		return []string{"SUNIONSTORE", S, randKey(rng, "S:", poolSize), randKey(rng, "S:", poolSize)}
	case 24:
		return []string{"ZADD", z, strconv.Itoa(rng.IntN(100)), "m" + strconv.Itoa(rng.IntN(20))}
	case 25:
		return []string{"ZINCRBY", z, "1.5", "m" + strconv.Itoa(rng.IntN(20))}
	case 26:
		return []string{"ZPOPMIN", z}
	case 27:
		return []string{"ZUNIONSTORE", z, "2", randKey(rng, "z:", poolSize), randKey(rng, "z:", poolSize)}
	case 28:
		return []string{"DEL", anyKey(rng)}
	case 29:
		return []string{"UNLINK", anyKey(rng), anyKey(rng)}
	case 30:
		return []string{"EXPIRE", anyKey(rng), strconv.Itoa(3600 + rng.IntN(3600))}
	case 31:
		return []string{"PERSIST", anyKey(rng)}
	case 32:
		return []string{"RENAME", s, randKey(rng, "s:", poolSize)}
	default:
		return []string{"COPY", h, randKey(rng, "h:", poolSize), "REPLACE"}
	}
}

// loadOptions shape a write load.
type loadOptions struct {
	conns    int // concurrent connections, each with its own random stream
	commands int // per connection
	dbs      int // databases the load SELECTs among, from 0
}

// writeLoad runs a random write load against addr (see runLoad) and
// fails the test if it goes wrong.
func writeLoad(t testing.TB, addr string, seed uint64, o loadOptions) {
	t.Helper()
	t.Logf("write load on %s: seed %d, %d connections x %d commands, %d databases", addr, seed, o.conns, o.commands, o.dbs)
	if err := runLoad(addr, seed, o); err != nil {
		t.Fatal(err)
	}
}

// runLoad runs a random write load against addr: each connection sends
// batches of random writes, with SELECT between databases and MULTI/EXEC
// blocks among them, pipelined, and checks that every command got a reply
// (error replies like WRONGTYPE are part of the load). It returns when
// every command was answered. It does not touch a testing.T, so it may run
// on a goroutine of its own.
func runLoad(addr string, seed uint64, o loadOptions) error {
	var wg sync.WaitGroup
	errs := make(chan error, o.conns)
	for i := 0; i < o.conns; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if err := loadConn(addr, rand.New(rand.NewPCG(seed, uint64(i))), o); err != nil {
				errs <- fmt.Errorf("load connection %d: %w", i, err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	return <-errs
}

func loadConn(addr string, rng *rand.Rand, o loadOptions) error {
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return err
	}
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	for sent := 0; sent < o.commands; {
		var batch []byte
		replies := 0
		add := func(argv ...string) {
			batch = append(batch, encodeCommand(argv...)...)
			replies++
		}
		if o.dbs > 1 && rng.IntN(4) == 0 {
			add("SELECT", strconv.Itoa(rng.IntN(o.dbs)))
		}
		for k := 0; k < 40; k++ {
			if rng.IntN(15) == 0 {
				add("MULTI")
				for q := 0; q < 1+rng.IntN(4); q++ {
					add(randomWrite(rng)...)
				}
				add("EXEC")
			} else {
				add(randomWrite(rng)...)
			}
			sent++
		}
		c.SetDeadline(time.Now().Add(20 * time.Second))
		if _, err := c.Write(batch); err != nil {
			return err
		}
		for ; replies > 0; replies-- {
			reply, err := readReply(r)
			if err != nil {
				return fmt.Errorf("reading a reply: %w (%q)", err, reply)
			}
			if strings.HasPrefix(string(reply), "-") && !strings.HasPrefix(string(reply), "-WRONGTYPE") &&
				!strings.HasPrefix(string(reply), "-ERR no such key") &&
				!strings.HasPrefix(string(reply), "-ERR source and destination objects are the same") {
				return fmt.Errorf("unexpected error reply %q", reply)
			}
		}
	}
	return nil
}

// linkProxy sits between a replica and its master, so a test can cut the
// link and keep it down (the replica retries every second and is turned
// away) while the master takes more writes.
type linkProxy struct {
	ln     net.Listener
	target string

	mu      sync.Mutex
	conns   []net.Conn
	refuse  bool
	accepts int // connections passed through, over the proxy's life
}

func startProxy(t testing.TB, target string) *linkProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &linkProxy{ln: ln, target: target}
	go p.serve()
	t.Cleanup(func() {
		ln.Close()
		p.cut()
	})
	return p
}

// Addr is the address replicas are pointed at.
func (p *linkProxy) Addr() string { return p.ln.Addr().String() }

func (p *linkProxy) serve() {
	for {
		in, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		refuse := p.refuse
		p.mu.Unlock()
		if refuse {
			in.Close()
			continue
		}
		out, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			in.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, in, out)
		p.accepts++
		p.mu.Unlock()
		go pipe(out, in)
		go pipe(in, out)
	}
}

func pipe(dst, src net.Conn) {
	io.Copy(dst, src)
	dst.Close()
	src.Close()
}

// cut closes every connection through the proxy.
func (p *linkProxy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns = nil
	p.mu.Unlock()
	for _, c := range conns {
		c.Close()
	}
}

// setRefuse makes the proxy turn new connections away, or let them through.
func (p *linkProxy) setRefuse(refuse bool) {
	p.mu.Lock()
	p.refuse = refuse
	p.mu.Unlock()
}

// accepted is how many connections the proxy passed through.
func (p *linkProxy) accepted() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accepts
}
