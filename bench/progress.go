package main

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/sys/unix"
)

// progress tells the person waiting where the run is: the current cell, the
// cell runs left and the time so far. On a terminal it rewrites one line;
// otherwise it prints a line per cell and round.
type progress struct {
	w      io.Writer
	tty    bool
	start  time.Time
	total  int // cell runs in all rounds
	rounds int
	runs   int // cell runs started so far
	width  int // of the last line written on a terminal
}

func newProgress(w io.Writer, cells, rounds int) *progress {
	tty := false
	if f, ok := w.(*os.File); ok {
		_, err := unix.IoctlGetTermios(int(f.Fd()), unix.TCGETS)
		tty = err == nil
	}
	return &progress{w: w, tty: tty, start: time.Now(), total: cells * rounds, rounds: rounds}
}

// show reports the run about to start; first marks a cell's first server in
// the round.
func (p *progress) show(round, ci int, first bool, c cell, server string) {
	if first {
		p.runs++
	}
	line := fmt.Sprintf("round %d/%d  cell %d/%d  %-28s on %-10s  %d cell runs left  %s elapsed",
		round+1, p.rounds, ci+1, p.total/p.rounds, c, server, p.total-p.runs, p.elapsed())
	switch {
	case p.tty:
		pad := max(p.width-len(line), 0)
		fmt.Fprintf(p.w, "\r%s%s", line, strings.Repeat(" ", pad))
		p.width = len(line)
	case first:
		fmt.Fprintln(p.w, line)
	}
}

// note prints a line of its own, outside the rewritten progress line, with
// the time so far.
func (p *progress) note(format string, args ...any) {
	p.done()
	fmt.Fprintf(p.w, format+"  (%s elapsed)\n", append(args, p.elapsed())...)
}

// done ends the rewritten line.
func (p *progress) done() {
	if p.tty && p.width > 0 {
		fmt.Fprintln(p.w)
		p.width = 0
	}
}

func (p *progress) elapsed() string {
	return time.Since(p.start).Round(time.Second).String()
}
