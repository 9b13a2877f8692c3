package loop

import (
	"os"
	"runtime"
	"strconv"
	"testing"
)

// TestMain pins GOMAXPROCS for the in-process servers: their tuner
// (procs.go) would otherwise drop the whole test binary to one P, and the
// concurrency tests want every P they can get.
func TestMain(m *testing.M) {
	os.Setenv("GOMAXPROCS", strconv.Itoa(runtime.GOMAXPROCS(0)))
	os.Exit(m.Run())
}
