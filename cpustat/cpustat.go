// Package cpustat reads how the machine's cores have spent their time:
// the first line of /proc/stat, the kernel's counters since boot summed
// over every core. The server's P tuner reads the idle time from it, to
// tell whether a second thread would find a core to run on; the bench
// reads the busy time, to tell how much of the machine other processes
// took during a run.
package cpustat

import (
	"bytes"
	"os"
	"strconv"
	"time"
)

// ClockTicks is the unit of /proc/stat and of /proc/<pid>/stat's utime
// and stime: USER_HZ, which Linux fixes at 100 for user space whatever the
// kernel's own HZ (and golang.org/x/sys has no sysconf to ask).
const ClockTicks = 100

// Ticks are the machine's CPU time since boot, in ClockTicks.
type Ticks struct {
	// Idle is idle and iowait: the cores had nothing to run.
	Idle int64
	// Busy is user, nice, system, irq, softirq and steal: the cores ran
	// something, or the hypervisor gave them to another machine. Guest
	// time is already inside user and nice, so it does not count twice.
	Busy int64
}

// Duration converts ticks to a duration.
func Duration(ticks int64) time.Duration { return time.Duration(ticks) * time.Second / ClockTicks }

// Read reads /proc/stat.
func Read() (Ticks, bool) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return Ticks{}, false
	}
	return Parse(b)
}

// Parse reads the "cpu" line that opens a /proc/stat: user nice system
// idle iowait irq softirq steal, then guest and guest_nice on kernels that
// have them.
func Parse(stat []byte) (Ticks, bool) {
	line, _, _ := bytes.Cut(stat, []byte("\n"))
	fields := bytes.Fields(line)
	if len(fields) < 9 || string(fields[0]) != "cpu" {
		return Ticks{}, false
	}
	var t Ticks
	for i, f := range fields[1:9] {
		v, err := strconv.ParseInt(string(f), 10, 64)
		if err != nil {
			return Ticks{}, false
		}
		if i == 3 || i == 4 { // idle, iowait
			t.Idle += v
		} else {
			t.Busy += v
		}
	}
	return t, true
}
