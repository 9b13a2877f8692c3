package loop

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"redis-fast/db"
	"redis-fast/pubsub"
)

var infoCommands = []serverCommand{
	{Command: db.Command{Name: "info", Arity: -1, Flags: db.Loading | db.Stale, Group: "server", Since: "1.0.0"}, exec: cmdInfo},
}

// infoSection is one "# Name" block of INFO.
type infoSection struct {
	name string
	// dflt: shown by INFO with no argument (and "default").
	dflt bool
	fill func(s *Server, b *infoWriter)
}

// infoSections are INFO's sections in Redis's order.
var infoSections = []infoSection{
	{name: "server", dflt: true, fill: (*Server).infoServer},
	{name: "clients", dflt: true, fill: (*Server).infoClients},
	{name: "memory", dflt: true, fill: (*Server).infoMemory},
	{name: "persistence", dflt: true, fill: (*Server).infoPersistence},
	{name: "stats", dflt: true, fill: (*Server).infoStats},
	{name: "replication", dflt: true, fill: (*Server).infoReplication},
	{name: "cpu", dflt: true, fill: (*Server).infoCPU},
	{name: "modules", dflt: true, fill: func(*Server, *infoWriter) {}},
	{name: "errorstats", dflt: true, fill: func(*Server, *infoWriter) {}},
	{name: "cluster", dflt: true, fill: (*Server).infoCluster},
	{name: "keyspace", dflt: true, fill: (*Server).infoKeyspace},
}

// infoWriter builds INFO's text: "field:value" lines under "# Section"
// headers, CRLF-terminated, sections separated by a blank line.
type infoWriter struct{ strings.Builder }

func (b *infoWriter) field(name string, value any) {
	fmt.Fprintf(b, "%s:%v\r\n", name, value)
}

// INFO [section [section ...]]
func cmdInfo(s *Server, cl *client, argv [][]byte) {
	want := map[string]bool{}
	all, everything := false, false
	for _, a := range argv[1:] {
		sec := strings.ToLower(string(a))
		switch sec {
		case "all":
			all = true
		case "everything":
			everything = true
		case "default":
			for _, is := range infoSections {
				want[is.name] = want[is.name] || is.dflt
			}
		default:
			want[sec] = true
		}
	}
	if len(argv) == 1 {
		for _, is := range infoSections {
			want[is.name] = is.dflt
		}
	}
	var b infoWriter
	for _, is := range infoSections {
		if !all && !everything && !want[is.name] {
			continue
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		b.WriteString("# " + strings.ToUpper(is.name[:1]) + is.name[1:] + "\r\n")
		is.fill(s, &b)
	}
	cl.w.Verbatim("txt", b.String())
}

func (s *Server) infoServer(b *infoWriter) {
	cfg := s.config()
	now := time.Now()
	exe, _ := os.Executable()
	uptime := int64(now.Sub(s.started).Seconds())
	b.field("redis_version", Version)
	b.field("redis_git_sha1", "00000000")
	b.field("redis_git_dirty", 0)
	b.field("redis_build_id", "0")
	b.field("redis_mode", "standalone")
	b.field("os", runtime.GOOS+" "+runtime.GOARCH)
	b.field("arch_bits", 64)
	b.field("monotonic_clock", "POSIX clock_gettime")
	b.field("multiplexing_api", "epoll")
	b.field("atomicvar_api", "c11-builtin")
	b.field("go_version", runtime.Version())
	b.field("process_id", os.Getpid())
	b.field("process_supervised", "no")
	b.field("run_id", s.runID)
	b.field("tcp_port", cfg.Port)
	b.field("server_time_usec", now.UnixMicro())
	b.field("uptime_in_seconds", uptime)
	b.field("uptime_in_days", uptime/86400)
	b.field("hz", cfg.Hz)
	b.field("configured_hz", cfg.Hz)
	b.field("lru_clock", now.Unix()&(1<<24-1))
	b.field("executable", exe)
	b.field("config_file", cfg.ConfigFile)
	b.field("io_threads_active", 0)
	b.field("event_loops", cfg.loops())
	b.field("gomaxprocs", s.procs.Load())
	b.field("gomaxprocs_seconds", strconv.FormatFloat(s.tuner.procTime(now), 'f', 3, 64))
	infoGoRuntime(b)
}

func (s *Server) infoClients(b *infoWriter) {
	cfg := s.config()
	b.field("connected_clients", s.clients.count())
	b.field("cluster_connections", 0)
	b.field("maxclients", cfg.MaxClients)
	b.field("client_recent_max_input_buffer", 0)
	b.field("client_recent_max_output_buffer", 0)
	b.field("blocked_clients", s.blocked.count())
	b.field("tracking_clients", 0)
	b.field("clients_in_timeout_table", 0)
}

func (s *Server) infoMemory(b *infoWriter) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	rss := residentBytes()
	b.field("used_memory", ms.HeapAlloc)
	b.field("used_memory_human", humanBytes(int64(ms.HeapAlloc)))
	b.field("used_memory_rss", rss)
	b.field("used_memory_rss_human", humanBytes(rss))
	b.field("used_memory_peak", s.peakMemory(ms.HeapAlloc))
	b.field("used_memory_peak_human", humanBytes(int64(s.peakMemory(ms.HeapAlloc))))
	b.field("total_system_memory", totalSystemMemory())
	b.field("total_system_memory_human", humanBytes(totalSystemMemory()))
	b.field("maxmemory", 0)
	b.field("maxmemory_human", "0B")
	b.field("maxmemory_policy", "noeviction")
	frag := 0.0
	if ms.HeapAlloc > 0 {
		frag = float64(rss) / float64(ms.HeapAlloc)
	}
	b.field("mem_fragmentation_ratio", fmt.Sprintf("%.2f", frag))
	b.field("mem_allocator", "go-"+runtime.Version())
	b.field("gc_cycles", ms.NumGC)
	b.field("gc_pause_total_ns", ms.PauseTotalNs)
	b.field("lazyfree_pending_objects", 0)
}

// usedMemory is used_memory: the bytes of the heap's live objects.
func (s *Server) usedMemory() uint64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// peakMemory records and returns the highest used_memory seen.
func (s *Server) peakMemory(cur uint64) uint64 {
	for {
		peak := s.memPeak.Load()
		if cur <= peak || s.memPeak.CompareAndSwap(peak, cur) {
			return max(peak, cur)
		}
	}
}

func (s *Server) infoPersistence(b *infoWriter) {
	b.field("loading", 0)
	b.field("async_loading", 0)
	// Snapshots copy on write per object, not per page: there is no fork
	// whose copy-on-write these fields would measure.
	b.field("current_cow_peak", 0)
	b.field("current_cow_size", 0)
	b.field("current_cow_size_age", 0)
	b.field("current_fork_perc", "0.00")
	b.field("current_save_keys_processed", 0)
	b.field("current_save_keys_total", 0)
	s.infoPersistenceRDB(b)
	s.infoPersistenceAOF(b)
	b.field("module_fork_in_progress", 0)
	b.field("module_fork_last_cow_size", 0)
}

func (s *Server) infoStats(b *infoWriter) {
	t := s.sumStats()
	b.field("total_connections_received", s.connectionsReceived.Load())
	b.field("total_commands_processed", t.commands.Load())
	b.field("instantaneous_ops_per_sec", s.opsPerSec())
	b.field("total_net_input_bytes", t.netIn.Load())
	b.field("total_net_output_bytes", t.netOut.Load())
	b.field("rejected_connections", s.rejectedConnections.Load())
	s.repl.mu.Lock()
	full, ok, refused := s.repl.syncs, s.repl.partials, s.repl.partErrs
	s.repl.mu.Unlock()
	b.field("sync_full", full)
	b.field("sync_partial_ok", ok)
	b.field("sync_partial_err", refused)
	b.field("expired_keys", t.ExpiredKeys.Load())
	b.field("evicted_keys", 0)
	b.field("evicted_clients", 0)
	b.field("keyspace_hits", t.Hits.Load())
	b.field("keyspace_misses", t.Misses.Load())
	b.field("pubsub_channels", s.pubsub.NumChannels(pubsub.Channel))
	b.field("pubsub_patterns", s.pubsub.NumPat())
	b.field("pubsubshard_channels", s.pubsub.NumChannels(pubsub.Shard))
	b.field("latest_fork_usec", 0)
	b.field("total_forks", 0)
	b.field("client_query_buffer_limit_disconnections", s.qbufDisconnects.Load())
	b.field("client_output_buffer_limit_disconnections", s.obufDisconnects.Load())
}

func (s *Server) infoCPU(b *infoWriter) {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	b.field("used_cpu_sys", fmt.Sprintf("%.6f", tvSeconds(ru.Stime)))
	b.field("used_cpu_user", fmt.Sprintf("%.6f", tvSeconds(ru.Utime)))
	b.field("used_cpu_sys_children", "0.000000")
	b.field("used_cpu_user_children", "0.000000")
}

func tvSeconds(tv syscall.Timeval) float64 {
	return float64(tv.Sec) + float64(tv.Usec)/1e6
}

func (s *Server) infoCluster(b *infoWriter) {
	b.field("cluster_enabled", 0)
}

func (s *Server) infoKeyspace(b *infoWriter) {
	for i := 0; i < s.ks.Len(); i++ {
		keys, expires, avgTTL := s.ks.DB(i).Stats()
		if keys == 0 {
			continue
		}
		b.field("db"+strconv.Itoa(i), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=%d", keys, expires, avgTTL))
	}
}

// sumStats adds up the counters of the open connections, the closed ones
// and the background expiry.
func (s *Server) sumStats() *counters {
	t := &counters{}
	add := func(c *counters) {
		t.Hits.Add(c.Hits.Load())
		t.Misses.Add(c.Misses.Load())
		t.ExpiredKeys.Add(c.ExpiredKeys.Load())
		t.Dirty.Add(c.Dirty.Load())
		t.commands.Add(c.commands.Load())
		t.netIn.Add(c.netIn.Load())
		t.netOut.Add(c.netOut.Load())
	}
	add(&s.closed)
	for _, cl := range s.clients.list() {
		add(&cl.counters)
	}
	t.ExpiredKeys.Add(s.expiry.ExpiredKeys.Load())
	t.Dirty.Add(s.expiry.Dirty.Load())
	return t
}

// opsPerSec is instantaneous_ops_per_sec: commands per second over the
// cron's recent samples.
func (s *Server) opsPerSec() int64 { return s.opsRate.Load() }

// humanBytes formats n as Redis's bytesToHuman does: 1.02M, 7.21G, 200B.
func humanBytes(n int64) string {
	f := float64(n)
	switch {
	case n < 1024:
		return strconv.FormatInt(n, 10) + "B"
	case n < 1<<20:
		return fmt.Sprintf("%.2fK", f/(1<<10))
	case n < 1<<30:
		return fmt.Sprintf("%.2fM", f/(1<<20))
	case n < 1<<40:
		return fmt.Sprintf("%.2fG", f/(1<<30))
	}
	return fmt.Sprintf("%.2fT", f/(1<<40))
}

// residentBytes reads the process's resident set size from /proc.
func residentBytes() int64 {
	data, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	fields := strings.Fields(string(data))
	if len(fields) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(fields[1], 10, 64)
	return pages * int64(os.Getpagesize())
}

func totalSystemMemory() int64 {
	var si syscall.Sysinfo_t
	if syscall.Sysinfo(&si) != nil {
		return 0
	}
	return int64(si.Totalram) * int64(si.Unit)
}
