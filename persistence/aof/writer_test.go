package aof

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"redis-fast/db"
	"redis-fast/persistence/memfs"
)

// rig is one life of a server's AOF on a memfs: the dataset loaded from
// the directory, the writer appending to it, and a producer running a
// workload against the keyspace, recording each command with the log
// offset it reached.
type rig struct {
	t    *testing.T
	fsys *memfs.FS
	ks   *db.Keyspace
	w    *Writer

	mu       sync.Mutex
	hist     history
	produced atomic.Int64
	stop     chan struct{}
	done     chan struct{}
}

// startRig loads the AOF of fsys (a new AOF gets its first base from
// Create, as the server's does) and starts the writer with policy.
func startRig(t *testing.T, fsys *memfs.FS, policy int32) *rig {
	t.Helper()
	ks, man, err := loadInto(fsys, true /* truncated */)
	if err != nil {
		t.Fatalf("loading the AOF: %v\n%s", err, fsys)
	}
	w, err := Open(Config{FS: fsys, Dir: testDir, Prefix: testPrefix, Policy: policy}, ks.Log, man, ks.Log.Offset())
	if err != nil {
		t.Fatal(err)
	}
	ks.Log.Enable()
	go w.Run()
	r := &rig{t: t, fsys: fsys, ks: ks, w: w}
	if man == nil {
		base, incr, err := w.Create(ks, 1_700_000_000_000, false /* rdb */, WriteRESPBase)
		if err != nil {
			t.Fatalf("creating the AOF: %v", err)
		}
		// The names Create returns, which the server logs, are the files
		// the manifest now lists.
		got, err := readManifest(fsys)
		if err != nil || got.base == nil || got.base.name != base || len(got.incrs) == 0 || got.incrs[len(got.incrs)-1].name != incr {
			t.Fatalf("Create returned %q and %q; the manifest (%v) lists %+v", base, incr, err, got)
		}
	}
	return r
}

// produce runs the workload on its own goroutine until target commands
// have run (or halt), closing reached then.
func (r *rig) produce(wl *workload, target int64, reached chan<- struct{}) {
	r.stop, r.done = make(chan struct{}), make(chan struct{})
	m := newMachine(r.ks)
	go func() {
		defer close(r.done)
		for {
			select {
			case <-r.stop:
				return
			default:
			}
			cmd := wl.next()
			off := m.do(cmd...)
			r.mu.Lock()
			r.hist.cmds = append(r.hist.cmds, cmd)
			r.hist.offs = append(r.hist.offs, off)
			r.mu.Unlock()
			if r.produced.Add(1) == target {
				// Wait at the target until the test has crashed the file
				// system, so that what the crash may hold stays small.
				close(reached)
				<-r.stop
				return
			}
		}
	}()
}

func (r *rig) halt() {
	close(r.stop)
	<-r.done
}

// crashPoint is a crash image with what the test knew when it was taken.
type crashPoint struct {
	img      *memfs.FS
	synced   int64 // the writer's synced offset just before the crash
	produced int   // commands run by just after it
	during   bool  // taken while a rewrite ran
}

// crash takes a crash image of the rig's file system now.
func (r *rig) crash() crashPoint {
	synced := r.w.Synced()
	during := r.w.rewriting.Load()
	img := r.fsys.Crash()
	return crashPoint{img: img, synced: synced, produced: int(r.produced.Load()), during: during}
}

// verify loads a crash image and checks that it holds a prefix of the
// rig's commands (after base, the commands of the earlier lives) that
// includes every command the writer had reported synced. It returns the
// length of that prefix.
func (r *rig) verify(base [][]string, cp crashPoint) int {
	r.t.Helper()
	ks, _, err := loadInto(cp.img, true /* truncated */)
	if err != nil {
		r.t.Fatalf("a crash (during a rewrite: %v) left an AOF that does not load: %v\n%s", cp.during, err, cp.img)
	}
	r.mu.Lock()
	h := history{cmds: r.hist.cmds, offs: r.hist.offs}
	r.mu.Unlock()
	lo := h.syncedPrefix(len(h.cmds), cp.synced)
	hi := min(cp.produced+1, len(h.cmds))
	got := dump(r.t, ks)
	k := recoveredPrefix(r.t, base, &h, lo, hi, got)
	if k < 0 {
		r.t.Fatalf("a crash (during a rewrite: %v) after %d commands, %d of them synced (offset %d), left a dataset that no prefix of %d to %d commands gives:\n%s\nfiles:\n%s",
			cp.during, cp.produced, lo, cp.synced, lo, hi, got, cp.img)
	}
	return k
}

// settle waits until the writer has fsynced everything logged, and checks
// that it reports no error: the writer is still alive.
func (r *rig) settle() {
	r.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for r.w.Synced() < r.ks.Log.Offset() {
		if time.Now().After(deadline) {
			r.t.Fatalf("the writer stopped: synced %d of %d logged bytes, status %+v", r.w.Synced(), r.ks.Log.Offset(), r.w.Status())
		}
		time.Sleep(time.Millisecond)
	}
	if st := r.w.Status(); !st.WriteOK {
		r.t.Fatalf("the writer reports a write error: %+v", st)
	}
}

func (r *rig) close() {
	r.t.Helper()
	if err := r.w.Close(); err != nil {
		r.t.Fatalf("Close: %v", err)
	}
}

// TestAlwaysCrash: with appendfsync always, every change the writer
// reported synced before a crash is there after it, over several lives
// of the same directory.
func TestAlwaysCrash(t *testing.T) {
	seed := testSeed(t)
	rnd := rand.New(rand.NewPCG(seed, 2))
	fsys := memfs.New(seed)
	wl := newWorkload(seed)
	var base [][]string
	for life := range 8 {
		base = append(base, []string{"SELECT", "0"}) // a new life's first command runs in db 0
		r := startRig(t, fsys, FsyncAlways)
		reached := make(chan struct{})
		r.produce(wl, int64(200+rnd.IntN(2000)), reached)
		<-reached
		cp := r.crash()
		r.halt()
		k := r.verify(base, cp)
		t.Logf("life %d: %d commands run, %d synced, %d survived", life, cp.produced, r.hist.syncedPrefix(len(r.hist.cmds), cp.synced), k)
		r.settle()
		r.close()
		base = append(base, r.hist.cmds[:k]...)
		fsys = cp.img
	}
}

// TestCloseLeavesEverything: after Close (SHUTDOWN), a crash loses nothing,
// whatever the policy.
func TestCloseLeavesEverything(t *testing.T) {
	seed := testSeed(t)
	for _, policy := range []int32{FsyncAlways, FsyncEverySec, FsyncNo} {
		t.Run(fmt.Sprint("policy=", policy), func(t *testing.T) {
			fsys := memfs.New(seed)
			r := startRig(t, fsys, policy)
			reached := make(chan struct{})
			r.produce(newWorkload(seed), 3000, reached)
			<-reached
			r.halt()
			r.close()
			cp := r.crash()
			cp.synced = r.ks.Log.Offset() // Close fsyncs everything
			if k := r.verify(nil, cp); k != len(r.hist.cmds) {
				t.Errorf("after Close, %d of %d commands survived a crash", k, len(r.hist.cmds))
			}
		})
	}
}

// TestRewriteCrash: a crash at any moment, also in the middle of a rewrite,
// leaves a directory that loads and holds every synced change. Rewrites
// run back to back while a producer writes; crash images are taken at
// random steps of the file system (SetHook) while a rewrite runs, and at
// a random moment at the end of each life.
func TestRewriteCrash(t *testing.T) {
	seed := testSeed(t)
	rnd := rand.New(rand.NewPCG(seed, 3))
	fsys := memfs.New(seed)
	wl := newWorkload(seed)
	var base [][]string
	for life := range 6 {
		base = append(base, []string{"SELECT", "0"}) // a new life's first command runs in db 0
		r := startRig(t, fsys, FsyncAlways)
		var (
			hookMu sync.Mutex
			points []crashPoint
			hrnd   = rand.New(rand.NewPCG(seed, uint64(life)))
		)
		fsys.SetHook(func() {
			hookMu.Lock()
			defer hookMu.Unlock()
			if r.w.rewriting.Load() && len(points) < 40 && hrnd.IntN(4) == 0 {
				points = append(points, r.crash())
			}
		})
		rewrites := make(chan error, 1)
		stopRewrites := make(chan struct{})
		var done int // rewrites completed, read after <-rewrites
		go func() {
			for {
				select {
				case <-stopRewrites:
					rewrites <- nil
					return
				default:
				}
				if err := r.w.Rewrite(r.ks, 1_700_000_000_000, false /* rdb */, WriteRESPBase); err != nil {
					rewrites <- err
					return
				}
				done++
			}
		}()
		reached := make(chan struct{})
		r.produce(wl, int64(500+rnd.IntN(3000)), reached)
		<-reached
		last := r.crash()
		close(stopRewrites)
		if err := <-rewrites; err != nil {
			t.Fatalf("life %d: a rewrite failed: %v", life, err)
		}
		r.halt()
		fsys.SetHook(nil)
		hookMu.Lock()
		for _, cp := range points {
			r.verify(base, cp)
		}
		hookMu.Unlock()
		k := r.verify(base, last)
		t.Logf("life %d: %d rewrites, %d crash images checked; %d commands run, %d survived the last crash",
			life, done, len(points)+1, last.produced, k)
		r.settle()
		r.close()
		base = append(base, r.hist.cmds[:k]...)
		fsys = last.img
	}
}

// TestRewriteEveryStep crashes a rewrite at every step it takes on the
// file system, with no writes going on: every image must load to the same
// dataset.
func TestRewriteEveryStep(t *testing.T) {
	seed := testSeed(t)
	fsys := memfs.New(seed)
	r := startRig(t, fsys, FsyncEverySec)
	reached := make(chan struct{})
	r.produce(newWorkload(seed), 2000, reached)
	<-reached
	r.halt()
	r.settle()
	want := dump(t, r.ks)
	var images []*memfs.FS
	fsys.SetHook(func() { images = append(images, fsys.Crash()) })
	for range 2 {
		if err := r.w.Rewrite(r.ks, 1_700_000_000_000, false /* rdb */, WriteRESPBase); err != nil {
			t.Fatal(err)
		}
	}
	fsys.SetHook(nil)
	r.close()
	for i, img := range images {
		ks, _, err := loadInto(img, true /* truncated */)
		if err != nil {
			t.Fatalf("step %d of %d: the image does not load: %v\n%s", i, len(images), err, img)
		}
		if got := dump(t, ks); got != want {
			t.Fatalf("step %d of %d: the image holds\n%s\nwant\n%s\nfiles:\n%s", i, len(images), got, want, img)
		}
	}
	t.Logf("%d steps checked", len(images))
	// The old files are gone and the manifest names one base and one incr.
	man, err := readManifest(fsys)
	if err != nil {
		t.Fatal(err)
	}
	if man.base == nil || len(man.incrs) != 1 || len(man.history) != 0 {
		t.Errorf("after the rewrites the manifest is\n%s", man.bytes())
	}
	if files := fsys.List(testDir); len(files) != 3 {
		t.Errorf("after the rewrites the directory holds %q, want the manifest, one base, one incr", files)
	}
}

func readManifest(fsys *memfs.FS) (*Manifest, error) {
	data, err := fsys.ReadFile(testDir + "/" + manifestName(testPrefix))
	if err != nil {
		return nil, err
	}
	return parseManifest(data)
}

// TestWriteErrorNeverReportsSynced: while writes fail (a full disk), the
// writer never reports an offset past the failure as synced (so
// appendfsync always holds the replies) and says so in its status; once
// the disk takes writes again it retries, every command reaches the file,
// and the status is good again, as Redis recovers from a write error.
func TestWriteErrorNeverReportsSynced(t *testing.T) {
	seed := testSeed(t)
	fsys := memfs.New(seed)
	r := startRig(t, fsys, FsyncAlways)
	m := newMachine(r.ks)
	m.do("SET", "a", "1")
	r.settle()
	before := r.w.Synced()
	const failing = 3
	healedAt := fsys.Count(memfs.OpWrite) + failing
	for i := 1; i <= failing; i++ {
		fsys.Inject(memfs.OpWrite, i, errors.New("no space left on device"))
	}
	m.do("SET", "b", "2")
	m.do("SET", "c", "3")
	sawError := false
	deadline := time.Now().Add(30 * time.Second)
	for {
		// Synced is read before the count: when no write has succeeded
		// by the count, none had by the read.
		ok, synced := r.w.Status().WriteOK, r.w.Synced()
		if fsys.Count(memfs.OpWrite) >= healedAt {
			break
		}
		sawError = sawError || !ok
		if synced != before {
			t.Fatalf("while writes fail, synced moved from %d to %d", before, synced)
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer did not retry the failed write")
		}
		time.Sleep(time.Millisecond)
	}
	for !r.w.Status().WriteOK || r.w.Synced() != r.ks.Log.Offset() {
		if time.Now().After(deadline) {
			t.Fatalf("after the disk healed: status %+v, synced %d of %d", r.w.Status(), r.w.Synced(), r.ks.Log.Offset())
		}
		time.Sleep(time.Millisecond)
	}
	if !sawError && fsys.Count(memfs.OpWrite) == healedAt {
		t.Error("the failing writes were never reported in the status")
	}
	if err := r.w.Close(); err != nil {
		t.Fatalf("Close after the error was solved: %v", err)
	}
	ks, _, err := loadInto(fsys, false)
	if err != nil {
		t.Fatalf("loading: %v", err)
	}
	if got, want := dump(t, ks), dump(t, r.ks); got != want {
		t.Fatalf("loaded:\n%s\nwant:\n%s", got, want)
	}
}

// TestWriteErrorLeavesALoadableFile: a write that fails part way (a full
// disk) must not leave half a command in the middle of the file: Redis
// truncates the partial write away (flushAppendOnlyFile), and what comes
// after must still load.
func TestWriteErrorLeavesALoadableFile(t *testing.T) {
	seed := testSeed(t)
	fsys := memfs.New(seed)
	r := startRig(t, fsys, FsyncEverySec)
	m := newMachine(r.ks)
	m.do("SET", "a", "1")
	r.settle()
	fsys.Inject(memfs.OpWrite, 1, errors.New("no space left on device"))
	m.do("SET", "b", strings20())
	m.do("SET", "c", "3")
	r.w.Close()
	if _, _, err := loadInto(fsys, true /* truncated */); err != nil {
		t.Fatalf("after a failed write the AOF does not load: %v", err)
	}
}

func strings20() string { return "twenty bytes, really" }

// TestRewriteSwitchDuringFsync holds the writer inside an fsync of the
// current incremental file while a rewrite begins with nothing left to
// write, so the rewrite switches files at once and closes the file being
// fsynced. The writer must come out of that alive: no write error, and
// later changes still reported synced.
func TestRewriteSwitchDuringFsync(t *testing.T) {
	seed := testSeed(t)
	fsys := memfs.New(seed)
	r := startRig(t, fsys, FsyncAlways)
	m := newMachine(r.ks)
	m.do("SET", "a", "1")
	r.settle()

	inSync, proceed := make(chan struct{}), make(chan struct{})
	var held atomic.Bool
	fsys.SetBefore(func(op memfs.Op) {
		if op == memfs.OpSync && held.CompareAndSwap(false, true) {
			close(inSync)
			<-proceed
		}
	})
	m.do("SET", "b", "2")
	<-inSync // the writer has written SET b and is fsyncing it
	if err := r.w.Rewrite(r.ks, 1_700_000_000_000, false /* rdb */, WriteRESPBase); err != nil {
		t.Fatalf("Rewrite: %v", err)
	}
	close(proceed)
	fsys.SetBefore(nil)
	m.do("SET", "c", "3")
	r.settle()
	r.close()
	ks, _, err := loadInto(fsys, false /* truncated */)
	if err != nil {
		t.Fatal(err)
	}
	if got := dump(t, ks); got != dump(t, r.ks) {
		t.Errorf("after the load:\n%s\nwant\n%s", got, dump(t, r.ks))
	}
}

// TestResetStats: CONFIG RESETSTAT's part of the writer zeroes
// aof_delayed_fsync, as Redis's resetServerStats does.
func TestResetStats(t *testing.T) {
	r := startRig(t, memfs.New(testSeed(t)), FsyncEverySec)
	defer r.close()
	r.w.delayed.Store(3)
	if got := r.w.Status().DelayedFsync; got != 3 {
		t.Fatalf("DelayedFsync = %d before the reset; want 3", got)
	}
	r.w.ResetStats()
	if got := r.w.Status().DelayedFsync; got != 0 {
		t.Fatalf("DelayedFsync = %d after ResetStats; want 0", got)
	}
}
