package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/pprof/profile"
)

// TestClassify: a sample is filed by the system call it is in (named by the
// wrapper above Go's syscall entry), by the collector, or by the innermost
// function of the servers' code or gnet's; the runtime's own system calls
// and a stack of runtime functions alone are the scheduler's.
func TestClassify(t *testing.T) {
	for _, c := range []struct {
		stack []string
		want  where
	}{
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.RawSyscall6", "syscall.Syscall",
			"golang.org/x/sys/unix.write", "golang.org/x/sys/unix.Write", "github.com/panjf2000/gnet/v2.(*conn).Write"}, inWrite},
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.Syscall",
			"github.com/panjf2000/gnet/v2/pkg/io.Writev", "github.com/panjf2000/gnet/v2.(*conn).Writev"}, inWrite},
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.Syscall", "golang.org/x/sys/unix.read",
			"golang.org/x/sys/unix.Read", "github.com/panjf2000/gnet/v2.(*eventloop).read"}, inRead},
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.Syscall6", "golang.org/x/sys/unix.EpollWait",
			"github.com/panjf2000/gnet/v2/pkg/netpoll.(*Poller).Polling"}, inEpoll},
		{[]string{"internal/runtime/syscall/linux.Syscall6", "syscall.Syscall", "golang.org/x/sys/unix.Fstat",
			"os.(*File).Stat"}, inSyscall},
		{[]string{"runtime.exitsyscall", "syscall.Syscall", "golang.org/x/sys/unix.write"}, inWrite},
		// The runtime's netpoll and futexes are the scheduler at work.
		{[]string{"internal/runtime/syscall/linux.EpollWait", "runtime.netpoll", "runtime.findRunnable", "runtime.schedule"}, inRuntime},
		{[]string{"runtime.futex", "runtime.futexwakeup", "runtime.notewakeup", "runtime.startm"}, inRuntime},
		{[]string{"runtime.findRunnable", "runtime.schedule", "runtime.park_m", "runtime.mcall"}, inRuntime},
		// A copy or an allocation counts for the code that asked for it.
		{[]string{"runtime.memmove", "redis-fast/proto.AppendBulk", "redis-fast/loop.(*client).reply"}, inParse},
		{[]string{"runtime.mallocgc", "redis-fast/db.(*DB).Set", "redis-fast/loop.dispatch"}, inCommands},
		{[]string{"redis-fast/loop.(*Server).OnTraffic", "github.com/panjf2000/gnet/v2.(*eventloop).read"}, inServer},
		{[]string{"main.(*handler).OnTraffic", "github.com/panjf2000/gnet/v2.(*eventloop).read"}, inServer},
		{[]string{"runtime.memclrNoHeapPointers", "github.com/panjf2000/gnet/v2/pkg/buffer/elastic.(*RingBuffer).Write"}, inGnet},
		{[]string{"runtime.scanobject", "runtime.gcDrain", "runtime.gcBgMarkWorker.func2", "runtime.systemstack", "runtime.gcBgMarkWorker"}, inGC},
		{[]string{"runtime.scanobject", "runtime.gcAssistAlloc", "runtime.mallocgc", "redis-fast/db.(*DB).Set"}, inGC},
		{[]string{"runtime.sigprof"}, inRuntime},
		{nil, inRuntime},
	} {
		if got := classify(c.stack); got != c.want {
			t.Errorf("classify(%q) = %s; want %s", c.stack, whereNames[got], whereNames[c.want])
		}
	}
}

// TestProfileRead: a profile in pprof's format is read into CPU time by
// where, sample counts added up; a profile without CPU values is refused.
func TestProfileRead(t *testing.T) {
	fns := map[string]*profile.Function{}
	loc := func(names ...string) []*profile.Location { // innermost first, one location each
		var locs []*profile.Location
		for _, n := range names {
			if fns[n] == nil {
				fns[n] = &profile.Function{ID: uint64(len(fns) + 1), Name: n}
			}
			locs = append(locs, &profile.Location{ID: uint64(len(fns)*100 + len(locs) + 1), Line: []profile.Line{{Function: fns[n]}}})
		}
		return locs
	}
	p := &profile.Profile{
		SampleType: []*profile.ValueType{{Type: "samples", Unit: "count"}, {Type: "cpu", Unit: "nanoseconds"}},
		PeriodType: &profile.ValueType{Type: "cpu", Unit: "nanoseconds"},
		Period:     10_000_000,
	}
	add := func(n int64, stack ...string) {
		p.Sample = append(p.Sample, &profile.Sample{Location: loc(stack...), Value: []int64{n, n * 10_000_000}})
	}
	add(3, "syscall.Syscall", "golang.org/x/sys/unix.write")
	add(1, "redis-fast/db.(*DB).Get")
	add(2, "runtime.mcall")
	for _, l := range p.Sample {
		p.Location = append(p.Location, l.Location...)
	}
	for _, f := range fns {
		p.Function = append(p.Function, f)
	}
	var buf bytes.Buffer
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	run := profileRun{requests: 1000, raw: buf.Bytes()}
	if err := run.read(); err != nil {
		t.Fatal(err)
	}
	if run.samples != 6 || run.cpu[inWrite] != 30*time.Millisecond || run.cpu[inCommands] != 10*time.Millisecond ||
		run.cpu[inRuntime] != 20*time.Millisecond || run.total() != 60*time.Millisecond {
		t.Fatalf("read: %d samples, %v by where; want 6 samples: 30ms write, 10ms commands, 20ms runtime", run.samples, run.cpu)
	}
	if got := run.perRequest(inWrite); got != 30_000 {
		t.Errorf("write per request = %v ns; want 30000", got)
	}
	if got := run.syscallShare(); got != 0.5 {
		t.Errorf("syscall share = %v; want 0.5", got)
	}

	p.SampleType = []*profile.ValueType{{Type: "alloc_objects", Unit: "count"}, {Type: "alloc_space", Unit: "bytes"}}
	buf.Reset()
	if err := p.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if err := (&profileRun{raw: buf.Bytes()}).read(); err == nil {
		t.Error("a heap profile was read as a CPU profile")
	}
	if err := (&profileRun{raw: []byte("not a profile")}).read(); err == nil {
		t.Error("garbage was read as a profile")
	}
}

// TestWriteProfiles: the section lists every where for both servers of each
// profiled cell, says where redis-fast spent more than the ceiling, names a
// failed run, and a missed target's bound quotes its cell's profile (or the
// smaller values' one).
func TestWriteProfiles(t *testing.T) {
	set1 := cell{test: testByKey("set"), pipeline: 1, size: 3}
	get16 := cell{test: testByKey("get"), pipeline: 16, size: 3}
	var fast, ceil profileRun
	fast = profileRun{cell: set1, server: serverFast, requests: 1000, samples: 120}
	fast.cpu[inWrite] = 6 * time.Millisecond
	fast.cpu[inRead] = 2 * time.Millisecond
	fast.cpu[inCommands] = 2 * time.Millisecond
	fast.cpu[inServer] = 1 * time.Millisecond
	ceil = profileRun{cell: set1, server: serverCeiling, requests: 1000, samples: 100}
	ceil.cpu[inWrite] = 6 * time.Millisecond
	ceil.cpu[inRead] = 2 * time.Millisecond
	ceil.cpu[inServer] = 1 * time.Millisecond
	ceil.cpu[inRuntime] = 500 * time.Microsecond
	r := &results{profiles: []profileRun{fast, ceil,
		{cell: get16, server: serverFast, requests: 1000, err: "redis-benchmark: exit status 1"},
		{cell: get16, server: serverCeiling, requests: 1000, samples: 10}}}

	var out strings.Builder
	r.writeProfiles(&mdWriter{w: &out})
	report := out.String()
	for _, want := range []string{
		"## Where the CPU goes",
		"| where | SET P1 3 B redis-fast | ceiling | GET P16 3 B redis-fast | ceiling |",
		"| write(2) | 6.00 µs | 6.00 µs | failed | 0 ns |",
		"| commands and keyspace (db) | 2.00 µs | 0 ns | failed | 0 ns |",
		"| **total** | **11.00 µs** | **9.50 µs** |",
		"| samples | 120 | 100 | failed | 10 |",
		"- SET P1 3 B: system calls took 73% of redis-fast's CPU time and 84% of the ceiling's; " +
			"redis-fast spent 11.00 µs of CPU per request, the ceiling 9.50 µs; of the 1.50 µs more, 2.00 µs in commands and keyspace (db).",
		"- GET P16 3 B on redis-fast: redis-benchmark: exit status 1",
		"`go tool pprof -top bench/results/profile-redis-fast-set-p1-3b.pprof`",
		"for\nabout 3.0 s at the rate",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the section lacks %q:\n%s", want, report)
		}
	}

	if strings.Contains(report, "%!") {
		t.Errorf("a format verb went wrong:\n%s", report)
	}
	bound := r.profileBound(cell{test: testByKey("set"), pipeline: 1, size: 1024})
	if !strings.HasPrefix(bound, "In the profile of SET P1 3 B (\"Where the CPU goes\"), system calls took 73%") {
		t.Errorf("bound for SET P1 1 KiB = %q", bound)
	}
	if bound := r.profileBound(set1); !strings.HasPrefix(bound, "In its profile") {
		t.Errorf("bound for SET P1 3 B = %q", bound)
	}
	if bound := r.profileBound(get16); bound != "" {
		t.Errorf("a cell whose redis-fast run failed got a profile bound: %q", bound)
	}
}

// TestProfiledCells: the rate targets' cells are profiled, SET and GET with
// the smallest values only and SINTERCARD at -P 1, and each run's file is
// named for its server and cell.
func TestProfiledCells(t *testing.T) {
	cells, err := matrix(options{tests: "set,get,sintercard,incr", pipelines: []int{1, 16}, sizes: []int{3, 1024}, requests: 100})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cells {
		if profiled(c, []int{3, 1024}) {
			got = append(got, c.String())
		}
	}
	want := []string{"SET P1 3 B", "GET P1 3 B", "SET P16 3 B", "GET P16 3 B", "SINTERCARD 2 s1 s2 P1"} // the matrix's order
	if strings.Join(got, ", ") != strings.Join(want, ", ") {
		t.Errorf("profiled cells = %q; want %q", got, want)
	}
	for _, c := range []struct {
		run  profileRun
		want string
	}{
		{profileRun{cell: cell{test: testByKey("sintercard"), pipeline: 1}, server: serverFast}, "profile-redis-fast-sintercard-p1.pprof"},
		{profileRun{cell: cell{test: testByKey("get"), pipeline: 16, size: 1024}, server: serverCeiling}, "profile-ceiling-get-p16-1kib.pprof"},
	} {
		if got := c.run.fileName(); got != c.want {
			t.Errorf("fileName = %q; want %q", got, c.want)
		}
	}
}

// TestWriteProfileFiles: a run's profiles replace those an earlier run left
// in the report directory, and nothing else there is touched.
func TestWriteProfileFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"profile-redis-fast-lpush-p1-3b.pprof", "REPORT.md"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("old"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	run := profileRun{cell: cell{test: testByKey("set"), pipeline: 1, size: 3}, server: serverFast, raw: []byte("new")}
	failed := profileRun{cell: cell{test: testByKey("get"), pipeline: 1, size: 3}, server: serverFast, err: "exited"}
	r := &results{profiles: []profileRun{run, failed}}
	if err := r.writeProfileFiles(dir); err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if want := []string{"REPORT.md", run.fileName()}; strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("the directory holds %q; want %q", names, want)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, run.fileName())); string(b) != "new" {
		t.Errorf("the profile holds %q; want the run's bytes", b)
	}
}
