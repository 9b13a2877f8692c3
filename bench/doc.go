// Command bench is the capstone benchmark: it measures redis-fast against a
// real Redis and against the ceiling, the fastest answer redis-fast's event
// loop can give on this machine, and writes the report and its chart.
//
//	make bench          # the full matrix, under 10 minutes on 2 cores
//	make bench-quick    # PING_MBULK, SET, GET, SINTERCARD at 3 bytes, under a minute
//	go run ./bench [-quick] [-twin=false] [-profile=false] [-rounds 3] [-n 20000] [-loops N] [-cpus 0:1]
//	               [-tests set,get,pubsub,replication,aof,bgsave] [-keys 1000000]
//	               [-c 50] [-pubsub 1x100,10x100] [-out dir] [-server path]
//
// It needs redis-server and redis-benchmark on PATH (apt-get install -y
// redis-server redis-tools) and the ./redis-fast binary that make build
// writes. Everything listens on 127.0.0.1, on free ports, with persistence
// off (but in the append-only file and BGSAVE scenarios); every process the
// bench starts is stopped by PID before it exits.
//
// # What runs
//
// Three servers: Redis, redis-fast (with -loops when given), and the ceiling
// (bench/ceiling, built into a temporary directory): a bare gnet server with
// redis-fast's parser and OnTraffic shape that answers every command with a
// fixed reply and stores nothing. Whatever redis-fast spends above the
// ceiling is its own.
//
// The matrix is redis-benchmark's default tests (PING_INLINE ... MSET) at
// -c 50, -P 1 and -P 16, with 3-byte and 1 KiB values, plus the server-bound
// SINTERCARD 2 s1 s2 over two 1000-member sets that share 500 members,
// loaded into every server first. Each cell is one redis-benchmark --csv run
// per server, so the server's CPU time can be read around it; the LRANGE
// family is therefore sent as the command lines redis-benchmark's own LRANGE
// tests send (LPUSH mylist, LRANGE mylist 0 99, ...). A light -P 1 cell gets
// -n requests, a pipelined one ten times as many (SET and GET forty times,
// as the CPU targets are judged there), heavy ones fewer (matrix.go has the
// costs); all the servers get the same count.
//
// Redis's twin, a second identical redis-server, runs in every cell too
// (-twin=false leaves it out; -quick does by default): its ratio to Redis
// is what the machine's noise alone makes of a ratio, shown beside each of
// redis-fast's.
//
// # Fairness on a noisy machine
//
// Each round runs every cell on the servers back to back, and the order
// flips every round (twin, Redis, redis-fast, ceiling; then the reverse).
// The report quotes medians over the rounds, and a ratio is the median of
// the ratios taken within each round, pair by pair. Next to
// throughput it records each server's CPU time per million requests (utime +
// stime from /proc/<pid>/stat before and after the run), which is steadier
// than throughput when the machine is shared. -cpus servers:client pins the
// servers and redis-benchmark to CPU lists with taskset.
//
// A test a server cannot run (redis-benchmark stops at the first error reply)
// is reported as unsupported, with the error, and is not run again on that
// server; the bench goes on. A server that exits, or stops answering (a
// redis-benchmark run still going after a minute, runTimeout, and then no
// answer to PING within two seconds), shows as failed from then on.
//
// # Pub/sub
//
// redis-benchmark cannot drive pub/sub, so the bench does it itself
// (pubsub.go), on Redis and redis-fast, each fresh for each run: -pubsub
// scenarios (default 1x100,10x100: publishers x subscribers on one channel,
// 64-byte messages), a throughput phase (messages delivered per second,
// with flow control so that neither server's buffers grow, and the
// server's CPU per million deliveries) and a paced latency phase (p50 and
// p99 from PUBLISH to the subscriber's read). -tests pubsub runs only this;
// a -tests list without it skips it; -quick runs it once, shorter.
//
// # Replication
//
// replication.go runs two parts on Redis (a Redis master with Redis
// replicas) and on redis-fast (redis-fast with redis-fast replicas), the
// masters serving a sync without delay (repl-diskless-sync-delay 0). First, SET
// throughput with 0, 1 and 2 replicas attached: redis-benchmark -t set with
// the matrix's SET cells (-c, -P 1 and 16, every value size; -n requests
// at -P 1, ten times as many at -P 16) against the master, on fresh
// servers for each combination, the replicas in sync before the run;
// besides requests/s it records the master's CPU per request, the
// replicas' together, and the drain, how long after redis-benchmark ends
// the last replica reaches the master's offset.
// Second, a full sync: a master holding -keys keys (loaded as the memory
// table loads them) and a fresh replica told REPLICAOF, timed until it
// reports master_link_status:up with every key. The servers' order flips
// every round, and every wait for replication is bounded by two minutes.
// -tests replication runs only this; a -tests list without it skips it;
// -quick keeps only the 3-byte cells; -keys 0 skips the full sync.
//
// # The append-only file
//
// aof.go runs redis-benchmark's SET, at the smallest value size and every
// pipeline depth of the matrix, against Redis and redis-fast with
// appendonly yes and the same appendfsync (everysec, then always; the
// other AOF settings at their defaults), each in a fresh directory of its
// own under the temporary directory (the report names its file system),
// and against redis-fast without persistence, the three back to back in
// each round. The report checks issue 5's bar: with everysec redis-fast
// keeps at least 0.9x of its own SET throughput without persistence, and is
// ahead of Redis with the AOF at -P 16. -tests aof runs only this; -quick
// runs the -P 16 cell under everysec only.
//
// # BGSAVE
//
// bgsave.go loads -keys keys (as the memory table does) into a fresh Redis
// and a fresh redis-fast, each with no save points, no AOF and its dump in
// a directory of its own, and sends BGSAVE while a probe of four
// connections sends GETs and SETs of random existing keys back to back,
// timing every request. It reports the time from BGSAVE sent until INFO
// persistence says it is done, the worst and the p99 latency of the probe
// requests that overlapped that time (Redis's fork, inside BGSAVE's reply,
// shows there), and the dump's size; the servers' order flips every round.
// -tests bgsave runs only this; -quick runs it once (with -quick's 100000
// keys); -keys 0 skips it.
//
// # Where the CPU goes
//
// After the matrix, redis-fast and the ceiling each serve the SET and GET
// cells of the smallest values and SINTERCARD at -P 1 once more (the cells
// of the rate targets), freshly started with -cpuprofile, for about 3 s
// at the rate redis-fast reached in the matrix (profile.go).
// Each sample is filed by its stack: a system call by the call (write,
// read, epoll_wait, other), the collector, or the innermost function of the
// server's code (proto, db, the rest) or gnet's, and the rest is the Go
// runtime's. The report gives CPU time per request for each, side by side
// for the two servers, and a missed rate target quotes its cell's profile.
// -profile=false skips it; -quick does by default.
//
// # Memory
//
// A fresh Redis and a fresh redis-fast each get the same -keys keys
// (key:0000000 ... with 10-byte values) over one pipelined connection; the
// report gives used_memory from INFO memory ("n/a" when the server does not
// answer it), VmRSS, and the growth per key of each.
//
// # Output
//
// A progress line while it runs, then in bench/results (or -out):
//
//	REPORT.md        setup, the issue-11 targets, throughput, CPU and latency
//	                 per cell, where the CPU goes, memory, pub/sub fan-out,
//	                 replication, the append-only file, BGSAVE, and what
//	                 was unsupported
//	ratios.svg       redis-fast ÷ Redis per cell, throughput and CPU per
//	                 request, with the ceiling's ratio as a tick
//	runs.csv         every single run, for anyone who wants to redo the sums
//	pubsub.csv       every pub/sub run
//	replication.csv  every run of the replication scenario, both parts
//	aof.csv          every run of the append-only file scenario
//	bgsave.csv       every run of the BGSAVE scenario
//	profile-*.pprof  the profiles, for go tool pprof
//
// # Reading it
//
// A ratio to Redis above 1 means redis-fast served more requests per second;
// "of ceiling" is how much of the loop's own limit redis-fast reaches; a CPU
// ratio below 1 means a request cost redis-fast less CPU than it cost Redis.
// On a 2-core machine redis-benchmark needs a whole core, so at the light
// cells the client, not the server, bounds throughput for all three: there
// the CPU columns tell the servers apart, and the ceiling says how much
// headroom there is at all.
package main
