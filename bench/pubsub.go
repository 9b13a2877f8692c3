package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The pub/sub scenario: redis-benchmark cannot drive it, so the bench does,
// with raw connections. Every subscriber subscribes to one channel; the
// publishers publish to it; a message reaches every subscriber.
//
// Two phases per run, on a fresh server:
//
//   - throughput: the publishers publish as fast as the subscribers drain,
//     each keeping pubWindow PUBLISHes in flight, and all of them holding
//     back while more than pubBacklog messages per subscriber are
//     published but not yet received (so that neither server's output
//     buffers grow without bound and what is measured is the sustained
//     fan-out rate). The figure is messages delivered to subscribers per
//     second, and the server's CPU time per million of them.
//   - latency: the publishers together publish pubPacedRate messages per
//     second, each carrying its send time, and every delivery's delay is
//     recorded: p50 and p99.

const (
	pubChannel   = "bench:pubsub"
	pubPayload   = 64 // bytes; the first 19 are the send time in Unix ns
	pubWindow    = 32
	pubBacklog   = 1000
	pubPacedRate = 2000 // messages per second, all publishers together
)

// pubsubTest is the name -tests knows the pub/sub scenarios by.
const pubsubTest = "pubsub"

// pubsubWanted reports whether -tests (or its absence) asks for the pub/sub
// scenarios.
func (o options) pubsubWanted() bool {
	return len(o.pubsub) > 0 && (o.tests == "" || hasName(o.tests, pubsubTest))
}

// pubsubScenario is one shape of fan-out.
type pubsubScenario struct{ publishers, subscribers int }

func (s pubsubScenario) String() string {
	return fmt.Sprintf("%d publisher%s → %d subscribers", s.publishers, plural(s.publishers), s.subscribers)
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// parsePubsub reads -pubsub: "PxS,PxS", or "none".
func parsePubsub(v string) ([]pubsubScenario, error) {
	if v == "" || v == "none" {
		return nil, nil
	}
	var out []pubsubScenario
	for _, f := range strings.Split(v, ",") {
		p, s, ok := strings.Cut(f, "x")
		np, err1 := strconv.Atoi(p)
		ns, err2 := strconv.Atoi(s)
		if !ok || err1 != nil || err2 != nil || np < 1 || ns < 1 {
			return nil, fmt.Errorf("-pubsub %q: want publishers x subscribers, e.g. 1x100,10x100", v)
		}
		out = append(out, pubsubScenario{publishers: np, subscribers: ns})
	}
	return out, nil
}

// pubsubResult is one run of one scenario on one server.
type pubsubResult struct {
	scenario  int // index in options.pubsub
	server    int // serverRedis or serverFast
	round     int
	delivered float64 // messages received by subscribers per second
	published float64 // PUBLISH commands per second
	cpuPerM   float64 // server CPU seconds per million deliveries
	p50, p99  float64 // delivery latency, ms, at the paced rate
	err       string
}

// pubsubPhases are the phase lengths.
type pubsubPhases struct{ throughput, latency time.Duration }

func (o options) pubsubPhases() pubsubPhases {
	if o.quick {
		return pubsubPhases{throughput: 1500 * time.Millisecond, latency: 700 * time.Millisecond}
	}
	return pubsubPhases{throughput: 2 * time.Second, latency: time.Second}
}

// runPubsub measures every scenario on Redis and redis-fast, rounds times
// (once under -quick), flipping the servers' order every round as the
// matrix does.
func runPubsub(ctx context.Context, o options, tmp string, prog *progress) []pubsubResult {
	serverCPUs, _, _ := strings.Cut(o.cpus, ":")
	launchers := map[int]launcher{serverRedis: redisLauncher(), serverFast: fastLauncher(o)}
	rounds := o.rounds
	if o.quick {
		rounds = 1
	}
	var out []pubsubResult
	for round := 0; round < rounds; round++ {
		order := []int{serverRedis, serverFast}
		if round%2 == 1 {
			order = []int{serverFast, serverRedis}
		}
		for i, sc := range o.pubsub {
			for _, srv := range order {
				if ctx.Err() != nil {
					return out
				}
				prog.note("pub/sub: %s on %s, round %d", sc, serverNames[srv], round+1)
				r := measurePubsub(ctx, launchers[srv], tmp, serverCPUs, sc, o.pubsubPhases())
				r.scenario, r.server, r.round = i, srv, round
				out = append(out, r)
			}
		}
	}
	return out
}

// measurePubsub runs one scenario on a fresh server.
func measurePubsub(ctx context.Context, l launcher, tmp, cpus string, sc pubsubScenario, ph pubsubPhases) pubsubResult {
	var r pubsubResult
	p, err := l.start(tmp, cpus)
	if err != nil {
		r.err = err.Error()
		return r
	}
	defer p.Stop()
	f, err := newFanout(p.port, sc)
	if err != nil {
		r.err = err.Error()
		return r
	}
	defer f.close()
	cpu0, _ := p.cpuTime()
	d0, start := f.deliveries(), time.Now()
	pubs, err := f.flood(ctx, ph.throughput)
	if err != nil {
		r.err = err.Error()
		return r
	}
	f.settle()
	wall := time.Since(start)
	cpu1, _ := p.cpuTime()
	delivered := f.deliveries() - d0
	r.delivered = float64(delivered) / wall.Seconds()
	r.published = float64(pubs) / wall.Seconds()
	if delivered > 0 {
		r.cpuPerM = (cpu1 - cpu0).Seconds() * 1e6 / float64(delivered)
	}
	lat, err := f.paced(ctx, ph.latency)
	if err != nil {
		r.err = err.Error()
		return r
	}
	r.p50, r.p99 = percentileMs(lat, 50), percentileMs(lat, 99)
	return r
}

// fanout is the clients of one run: subscribers, each read by a goroutine
// that counts the messages (and, while timing, records their delay), and
// publishers.
type fanout struct {
	sc     pubsubScenario
	subs   []*pubSubscriber
	pubs   []*conn
	frame  int // bytes of one message frame
	done   sync.WaitGroup
	failed atomic.Pointer[error]
}

type pubSubscriber struct {
	c     net.Conn
	count atomic.Int64
	// timing is set while the latency phase runs: delays are recorded.
	timing atomic.Bool
	mu     sync.Mutex
	delay  []time.Duration
	_      [64]byte
}

func newFanout(port int, sc pubsubScenario) (*fanout, error) {
	f := &fanout{sc: sc}
	f.frame = len(messagePrefix()) + pubPayload + 2
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	for i := 0; i < sc.subscribers; i++ {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err != nil {
			f.close()
			return nil, err
		}
		s := &pubSubscriber{c: c}
		f.subs = append(f.subs, s)
		if err := subscribe(c); err != nil {
			f.close()
			return nil, err
		}
	}
	for _, s := range f.subs {
		f.done.Add(1)
		go f.read(s)
	}
	for i := 0; i < sc.publishers; i++ {
		c, err := dial(port)
		if err != nil {
			f.close()
			return nil, err
		}
		f.pubs = append(f.pubs, c)
	}
	return f, nil
}

// messagePrefix is a message frame up to its payload.
func messagePrefix() string {
	return "*3\r\n$7\r\nmessage\r\n$" + strconv.Itoa(len(pubChannel)) + "\r\n" + pubChannel +
		"\r\n$" + strconv.Itoa(pubPayload) + "\r\n"
}

// subscribe subscribes c and reads the confirmation.
func subscribe(c net.Conn) error {
	c.SetDeadline(time.Now().Add(5 * time.Second))
	defer c.SetDeadline(time.Time{})
	if _, err := c.Write(encode("SUBSCRIBE", pubChannel)); err != nil {
		return err
	}
	want := "*3\r\n$9\r\nsubscribe\r\n$" + strconv.Itoa(len(pubChannel)) + "\r\n" + pubChannel + "\r\n:1\r\n"
	got := make([]byte, len(want))
	if _, err := io.ReadFull(c, got); err != nil {
		return err
	}
	if string(got) != want {
		return fmt.Errorf("SUBSCRIBE answered %q", got)
	}
	return nil
}

// read counts s's messages until its connection closes. Every message has
// the same length, so it reads them whole from a buffered reader.
func (f *fanout) read(s *pubSubscriber) {
	defer f.done.Done()
	r := bufio.NewReaderSize(s.c, 256<<10)
	buf := make([]byte, f.frame)
	prefix := []byte(messagePrefix())
	for first := true; ; first = false {
		if _, err := io.ReadFull(r, buf); err != nil {
			return
		}
		if first && !bytes.HasPrefix(buf, prefix) {
			err := fmt.Errorf("unexpected frame %q", buf)
			f.failed.Store(&err)
			return
		}
		if s.timing.Load() {
			sent, _ := strconv.ParseInt(string(buf[len(prefix):len(prefix)+19]), 10, 64)
			s.mu.Lock()
			s.delay = append(s.delay, time.Duration(time.Now().UnixNano()-sent))
			s.mu.Unlock()
		}
		s.count.Add(1)
	}
}

// deliveries is the number of messages the subscribers have received.
func (f *fanout) deliveries() int64 {
	var n int64
	for _, s := range f.subs {
		n += s.count.Load()
	}
	return n
}

// settle waits, briefly, for the messages still on their way.
func (f *fanout) settle() {
	deadline := time.Now().Add(2 * time.Second)
	last := f.deliveries()
	for time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
		n := f.deliveries()
		if n == last {
			return
		}
		last = n
	}
}

// payload is a message carrying the time t.
func payload(t time.Time) string {
	ts := strconv.FormatInt(t.UnixNano(), 10)
	return strings.Repeat("0", 19-len(ts)) + ts + strings.Repeat("x", pubPayload-19)
}

// flood publishes from every publisher for d, as fast as the subscribers
// keep up, and returns how many messages were published.
func (f *fanout) flood(ctx context.Context, d time.Duration) (int64, error) {
	var published atomic.Int64
	subs := int64(f.sc.subscribers)
	cmd := encode("PUBLISH", pubChannel, payload(time.Now()))
	end := time.Now().Add(d)
	errs := make(chan error, len(f.pubs))
	for _, c := range f.pubs {
		go func(c *conn) {
			batch := bytes.Repeat(cmd, pubWindow)
			for time.Now().Before(end) && ctx.Err() == nil {
				for published.Load()*subs-f.deliveries() > pubBacklog*subs {
					if time.Now().After(end) {
						errs <- nil
						return
					}
					time.Sleep(50 * time.Microsecond)
				}
				if err := c.publish(batch, pubWindow); err != nil {
					errs <- err
					return
				}
				published.Add(pubWindow)
			}
			errs <- nil
		}(c)
	}
	for range f.pubs {
		if err := <-errs; err != nil {
			return published.Load(), err
		}
	}
	if p := f.failed.Load(); p != nil {
		return published.Load(), *p
	}
	return published.Load(), ctx.Err()
}

// paced publishes pubPacedRate messages a second for d, each stamped with
// its send time, and returns every delivery's delay.
func (f *fanout) paced(ctx context.Context, d time.Duration) ([]time.Duration, error) {
	for _, s := range f.subs {
		s.mu.Lock()
		s.delay = s.delay[:0]
		s.mu.Unlock()
		s.timing.Store(true)
	}
	interval := time.Second * time.Duration(len(f.pubs)) / pubPacedRate
	var wg sync.WaitGroup
	errs := make(chan error, len(f.pubs))
	end := time.Now().Add(d)
	for i, c := range f.pubs {
		wg.Add(1)
		go func(i int, c *conn) {
			defer wg.Done()
			next := time.Now().Add(interval * time.Duration(i) / time.Duration(len(f.pubs)))
			for next.Before(end) && ctx.Err() == nil {
				time.Sleep(time.Until(next))
				if err := c.publish(encode("PUBLISH", pubChannel, payload(time.Now())), 1); err != nil {
					errs <- err
					return
				}
				next = next.Add(interval)
			}
		}(i, c)
	}
	wg.Wait()
	f.settle()
	close(errs)
	var lat []time.Duration
	for _, s := range f.subs {
		s.timing.Store(false)
		s.mu.Lock()
		lat = append(lat, s.delay...)
		s.mu.Unlock()
	}
	if err := <-errs; err != nil {
		return nil, err
	}
	if len(lat) == 0 {
		return nil, errors.New("no message was delivered while timing")
	}
	return lat, nil
}

// publish writes batch (n PUBLISH commands) and reads their n replies.
func (c *conn) publish(batch []byte, n int) error {
	c.c.SetDeadline(time.Now().Add(c.timeout))
	if _, err := c.c.Write(batch); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		line, err := c.r.ReadSlice('\n')
		if err != nil {
			return err
		}
		if line[0] != ':' {
			return fmt.Errorf("PUBLISH answered %q", line)
		}
	}
	return nil
}

// close disconnects every client and waits for the readers.
func (f *fanout) close() {
	for _, c := range f.pubs {
		c.close()
	}
	for _, s := range f.subs {
		s.c.Close()
	}
	f.done.Wait()
}

// encode returns args as a RESP multibulk frame.
func encode(args ...string) []byte {
	b := []byte("*" + strconv.Itoa(len(args)) + "\r\n")
	for _, a := range args {
		b = append(b, '$')
		b = strconv.AppendInt(b, int64(len(a)), 10)
		b = append(b, "\r\n"...)
		b = append(b, a...)
		b = append(b, "\r\n"...)
	}
	return b
}

// percentileMs is the p-th percentile of d, in ms.
func percentileMs(d []time.Duration, p float64) float64 {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := int(float64(len(s)-1) * p / 100)
	return float64(s[i]) / float64(time.Millisecond)
}

// pubsubFile is the raw pub/sub runs.
const pubsubFile = "pubsub.csv"

// writePubsubRuns writes every pub/sub run as a CSV row.
func (r *results) writePubsubRuns(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write([]string{"round", "publishers", "subscribers", "server", "delivered_per_s",
		"published_per_s", "server_cpu_s_per_1m", "p50_ms", "p99_ms", "error"})
	for _, x := range r.pubsub {
		sc := r.opts.pubsub[x.scenario]
		cw.Write([]string{strconv.Itoa(x.round + 1), strconv.Itoa(sc.publishers), strconv.Itoa(sc.subscribers),
			serverNames[x.server], num(x.delivered), num(x.published), num(x.cpuPerM),
			num(x.p50), num(x.p99), x.err})
	}
	cw.Flush()
	return cw.Error()
}

// pubsubFigures are one scenario's medians on one server.
type pubsubFigures struct {
	delivered, published, cpuPerM, p50, p99 float64
	errs                                    []string
}

// pubsubMedians sums up scenario sc's runs on server srv.
func (r *results) pubsubMedians(sc, srv int) pubsubFigures {
	var d, pub, cpu, p50, p99 []float64
	var f pubsubFigures
	for _, x := range r.pubsub {
		switch {
		case x.scenario != sc || x.server != srv:
		case x.err != "":
			f.errs = append(f.errs, x.err)
		default:
			d, pub, cpu = append(d, x.delivered), append(pub, x.published), append(cpu, x.cpuPerM)
			p50, p99 = append(p50, x.p50), append(p99, x.p99)
		}
	}
	f.delivered, f.published, f.cpuPerM = median(d), median(pub), median(cpu)
	f.p50, f.p99 = median(p50), median(p99)
	return f
}

// pubsubRatio is the median over the rounds of redis-fast's delivered
// messages/s over Redis's, run by run.
func (r *results) pubsubRatio(sc int) float64 {
	byRound := map[int]*[numServers]float64{}
	for _, x := range r.pubsub {
		if x.scenario != sc || x.err != "" {
			continue
		}
		if byRound[x.round] == nil {
			byRound[x.round] = &[numServers]float64{}
		}
		byRound[x.round][x.server] = x.delivered
	}
	var ratios []float64
	for _, v := range byRound {
		if v[serverRedis] > 0 && v[serverFast] > 0 {
			ratios = append(ratios, v[serverFast]/v[serverRedis])
		}
	}
	return median(ratios)
}

// writePubsub writes the pub/sub section of REPORT.md.
func (r *results) writePubsub(p *mdWriter) {
	if len(r.pubsub) == 0 {
		return
	}
	ph := r.opts.pubsubPhases()
	p.line("## Pub/sub fan-out")
	p.line("")
	p.line("redis-benchmark cannot drive pub/sub, so the bench does (`bench/pubsub.go`): every subscriber")
	p.line("subscribes to one channel, the publishers PUBLISH %d-byte messages to it over raw", pubPayload)
	p.line("connections on the loopback, each server fresh for each run. **delivered/s** is messages")
	p.line("received by the subscribers per second over %s, the publishers keeping %d PUBLISHes in flight", ph.throughput, pubWindow)
	p.line("each and holding back while more than %d messages per subscriber are on their way (so", pubBacklog)
	p.line("output buffers stay bounded and the rate is one both ends sustain). **CPU s/1M** is the")
	p.line("server's CPU time per million deliveries. **p50** and **p99** are the delay from PUBLISH to")
	p.line("a subscriber's read, over %s at %d messages/s in all. The client runs on the same machine,", ph.latency, pubPacedRate)
	p.line("so it bounds both servers alike; the results of every run are in %s.", pubsubFile)
	p.line("")
	p.line("| scenario | server | delivered/s | PUBLISH/s | CPU s/1M | p50 ms | p99 ms |")
	p.line("|---|---|---|---|---|---|---|")
	for i, sc := range r.opts.pubsub {
		for _, srv := range []int{serverRedis, serverFast} {
			f := r.pubsubMedians(i, srv)
			if len(f.errs) > 0 && math.IsNaN(f.delivered) {
				p.line("| %s | %s | failed: %s | | | | |", sc, serverNames[srv], oneLine(f.errs[0]))
				continue
			}
			p.line("| %s | %s | %s | %s | %s | %s | %s |", sc, serverNames[srv], rate(f.delivered),
				rate(f.published), seconds(f.cpuPerM), millis(f.p50), millis(f.p99))
		}
	}
	p.line("")
	for i, sc := range r.opts.pubsub {
		v := r.pubsubRatio(i)
		verdict := "not met"
		if v > 1 {
			verdict = "met"
		}
		p.line("- %s: redis-fast delivers %s Redis's messages/s (issue 7's goal, more than 1x: %s).", sc, ratio(v), verdict)
	}
	p.line("")
}
