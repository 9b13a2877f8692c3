package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	"github.com/panjf2000/gnet/v2"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	port := fs.Int("port", 6390, "listen on 127.0.0.1:`port`")
	loops := fs.Int("loops", 0, "event loops; 0 means one per core, as redis-fast")
	size := fs.Int("d", 3, "size in `bytes` of the values in GET-like replies")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile to `file` until SIGTERM, as redis-fast's flag does")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *size < 0 || *loops < 0 {
		fmt.Fprintln(stderr, "ceiling: -d and -loops must not be negative")
		return 2
	}
	n := *loops
	if n == 0 {
		n = runtime.NumCPU()
	}
	// redis-fast runs its reactors on one P until commands keep them busy
	// (loop/procs.go); the ceiling runs no commands, so one P is where
	// redis-fast would keep it.
	if _, set := os.LookupEnv("GOMAXPROCS"); !set {
		runtime.GOMAXPROCS(1)
	}
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintf(stderr, "ceiling: cpuprofile: %v\n", err)
			return 1
		}
		defer f.Close()
		defer pprof.StopCPUProfile() // before the close: it writes the rest
	}
	booted := make(chan gnet.Engine, 1)
	h := &handler{
		replies: newReplies(*size),
		ready: func(eng gnet.Engine) {
			booted <- eng
			fmt.Fprintf(stdout, "ceiling: ready port=%d loops=%d, GOMAXPROCS=%d\n", *port, n, runtime.GOMAXPROCS(0))
		},
	}
	stopOnSignal(booted)
	err := gnet.Run(h, "tcp://127.0.0.1:"+strconv.Itoa(*port),
		gnet.WithMulticore(true),
		gnet.WithNumEventLoop(n),
		gnet.WithTCPNoDelay(gnet.TCPNoDelay),
		gnet.WithReuseAddr(true),
		// Every loop listens and accepts for itself, as redis-fast's do.
		gnet.WithReusePort(true),
	)
	if err != nil {
		fmt.Fprintf(stderr, "ceiling: %v\n", err)
		return 1
	}
	return 0
}

// stopOnSignal stops the engine, once it has booted, at SIGTERM or SIGINT,
// so that gnet.Run returns and the deferred profile is written whole.
func stopOnSignal(booted <-chan gnet.Engine) {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	go func() {
		<-sigs
		eng := <-booted
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := eng.Stop(ctx); err != nil {
			os.Exit(1)
		}
	}()
}
