package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
	err := mainErr(ctx, os.Args[1:], os.Stderr)
	stop()
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func mainErr(ctx context.Context, args []string, stderr io.Writer) error {
	opts, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	return run(ctx, opts, stderr)
}

// options are the bench program's settings; parseFlags fills them from the
// command line and the smoke test builds them directly.
type options struct {
	quick     bool
	twin      bool   // also run a second Redis: the ratios' noise floor
	profile   bool   // profile redis-fast and the ceiling in the target cells
	loops     int    // redis-fast's (and the ceiling's) --loops; 0 leaves the default
	cpus      string // "servers:client" taskset CPU lists, or ""
	rounds    int
	requests  int    // requests of a light -P 1 cell; the others scale from it
	keys      int    // keys loaded for the memory table; 0 skips it
	clients   int    // redis-benchmark -c
	tests     string // comma-separated test names to keep, or "" for all
	pipelines []int
	sizes     []int
	pubsub    []pubsubScenario
	out       string // directory for REPORT.md, ratios.svg and runs.csv
	server    string // the redis-fast binary
	root      string // the module root, where the ceiling is built from
}

// cpuList is one taskset -c list: "0", "0-1", "0,2".
var cpuList = regexp.MustCompile(`^[0-9]+([-,][0-9]+)*$`)

// moduleLine is go.mod's module line.
var moduleLine = regexp.MustCompile(`(?m)^module redis-fast\s*$`)

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	names := make([]string, len(tests))
	for i, t := range tests {
		names[i] = t.key
	}
	fs.BoolVar(&o.quick, "quick", false, "a reduced matrix (PING_MBULK, SET, GET, SINTERCARD; 3-byte values; -n 20000, -keys 100000) that runs in under a minute")
	fs.BoolVar(&o.twin, "twin", true, "also run a second, identical Redis in every cell, to show how far two runs of the same server differ (off with -quick)")
	fs.BoolVar(&o.profile, "profile", true, "after the matrix, profile redis-fast and the ceiling in the SET and GET cells of the smallest values and SINTERCARD at -P 1, and report where their CPU time goes (off with -quick)")
	fs.IntVar(&o.loops, "loops", 0, "redis-fast's --loops, also given to the ceiling (0: their default, one per core)")
	fs.StringVar(&o.cpus, "cpus", "", "pin with taskset: `servers:client` CPU lists, e.g. 0:1")
	fs.IntVar(&o.rounds, "rounds", 3, "times each cell runs on each server")
	fs.IntVar(&o.requests, "n", 20000, "requests of a light -P 1 cell; -P 16 cells run 10x as many, heavy tests fewer")
	fs.IntVar(&o.keys, "keys", 1000000, "keys loaded for the memory table, the replication full sync and the BGSAVE scenario; 0 skips them")
	fs.IntVar(&o.clients, "c", 50, "redis-benchmark parallel connections")
	fs.StringVar(&o.tests, "tests", "", "comma-separated `names` of the tests to run, from "+strings.Join(names, " "))
	pubsub := fs.String("pubsub", "1x100,10x100", "pub/sub fan-out scenarios, `PxS` (P publishers, S subscribers, one channel), comma-separated, or none")
	fs.StringVar(&o.out, "out", "", "report directory (default bench/results in the module)")
	fs.StringVar(&o.server, "server", "", "the redis-fast binary (default ./redis-fast in the module)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	var err error
	if o.pubsub, err = parsePubsub(*pubsub); err != nil {
		return o, err
	}
	if o.quick {
		set := map[string]bool{}
		fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
		if !set["n"] {
			o.requests = 20000
		}
		if !set["keys"] {
			o.keys = 100000
		}
		if !set["twin"] {
			o.twin = false // a quarter more time, which the minute cannot spare
		}
		if !set["profile"] {
			o.profile = false // another 20 s, which the minute cannot spare
		}
	}
	return o, o.complete()
}

// complete checks the options and fills in the defaults.
func (o *options) complete() error {
	if o.rounds < 1 || o.clients < 1 || o.requests < 1 || o.loops < 0 || o.keys < 0 {
		return errors.New("-rounds, -c and -n must be positive, -loops and -keys not negative")
	}
	if o.cpus != "" {
		s, c, ok := strings.Cut(o.cpus, ":")
		if !ok || !cpuList.MatchString(s) || !cpuList.MatchString(c) {
			return fmt.Errorf("-cpus %q: want servers:client CPU lists, e.g. 0:1", o.cpus)
		}
	}
	if o.pipelines == nil {
		o.pipelines = []int{1, 16}
	}
	if o.sizes == nil {
		o.sizes = []int{3, 1024}
		if o.quick {
			o.sizes = []int{3}
		}
	}
	if o.root == "" {
		root, err := moduleRoot()
		if err != nil {
			return err
		}
		o.root = root
	}
	if o.out == "" {
		o.out = filepath.Join(o.root, "bench", "results")
	}
	if o.server == "" {
		o.server = filepath.Join(o.root, "redis-fast")
	}
	// The servers run in directories of their own: a relative path would
	// not resolve there.
	server, err := filepath.Abs(o.server)
	o.server = server
	return err
}

// moduleRoot finds the directory of redis-fast's go.mod, from the working
// directory upwards.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && moduleLine.Match(b) {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("cannot find redis-fast's go.mod above the working directory")
		}
		dir = parent
	}
}
