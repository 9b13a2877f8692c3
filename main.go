// Command redis-fast is a Redis-compatible server.
//
//	redis-fast [config-file] [--directive value ...]
//
// Every redis.conf directive it knows is also a flag (-port 6380 and
// --port 6380 both work); flags override the file.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strings"
	"syscall"

	"redis-fast/loop"
)

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, stdout, stderr io.Writer) int {
	cfg, opts, err := configure(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(stderr, "\n*** FATAL CONFIG FILE ERROR ***\n%v\n", err)
		return 1
	}
	out := stdout
	if cfg.LogFile != "" {
		f, err := os.OpenFile(cfg.LogFile, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
		if err != nil {
			fmt.Fprintf(stderr, "Can't open the log file: %v\n", err)
			return 1
		}
		defer f.Close()
		out = f
	}
	log := loop.NewLogger(out, loop.LogLevel(cfg.LogLevel))
	if opts.cpuProfile != "" {
		stop, err := startProfile(opts.cpuProfile)
		if err != nil {
			fmt.Fprintf(stderr, "cpuprofile: %v\n", err)
			return 1
		}
		defer stop()
	}
	log.Noticef("redis-fast version=%s (Redis-compatible), bits=64, pid=%d, just started", loop.Version, os.Getpid())
	if cfg.ConfigFile == "" {
		log.Noticef("No config file specified, using the default config.")
	} else {
		log.Noticef("Configuration loaded from %s", cfg.ConfigFile)
	}
	srv := loop.New(cfg, log)
	procs := ""
	if adaptive, max := srv.AdaptiveProcs(); adaptive {
		procs = fmt.Sprintf(" (adapting to the load, up to %d)", max)
	}
	log.Noticef("Running mode=standalone, port=%d, loops=%d, GOMAXPROCS=%d%s", cfg.Port, loopCount(cfg), runtime.GOMAXPROCS(0), procs)

	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	go func() {
		// A shutdown whose final save fails leaves the server serving, as
		// Redis does (the log says why); the next signal tries again.
		for sig := range sigs {
			log.Warningf("Received %s scheduling shutdown...", sigName(sig))
			if srv.Terminate() == nil {
				return
			}
		}
	}()

	err = srv.Serve()
	if err != nil && !errors.Is(err, loop.ErrServerClosed) {
		log.Warningf("%v", err)
		return 1
	}
	log.Noticef("Redis is now ready to exit, bye bye...")
	return 0
}

// options are the flags that are not redis.conf directives.
type options struct {
	cpuProfile string
}

// configure builds the configuration: defaults, then the config file (the
// first argument when it is not a flag, or -config), then the flags.
func configure(args []string, stderr io.Writer) (loop.Config, options, error) {
	var opts options
	cfg := loop.DefaultConfig()
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cfg.ConfigFile, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("redis-fast", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.ConfigFile, "config", cfg.ConfigFile, "read redis.conf-style `file`")
	fs.StringVar(&opts.cpuProfile, "cpuprofile", "", "write a CPU profile to `file` until shutdown")
	type setting struct{ name, value string }
	var settings []setting
	for _, name := range loop.DirectiveNames() {
		fs.Func(name, "the redis.conf directive "+name, func(v string) error {
			settings = append(settings, setting{name, v})
			return nil
		})
	}
	if err := fs.Parse(args); err != nil {
		return cfg, opts, err
	}
	// A config file may also follow the flags, as redis-server allows.
	if fs.NArg() > 0 && cfg.ConfigFile == "" {
		cfg.ConfigFile = fs.Arg(0)
		if err := fs.Parse(fs.Args()[1:]); err != nil {
			return cfg, opts, err
		}
	}
	if fs.NArg() > 0 {
		return cfg, opts, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if cfg.ConfigFile != "" {
		f, err := os.Open(cfg.ConfigFile)
		if err != nil {
			return cfg, opts, fmt.Errorf("Fatal error, can't open config file '%s': %v", cfg.ConfigFile, err)
		}
		err = cfg.ReadFile(f, cfg.ConfigFile)
		f.Close()
		if err != nil {
			return cfg, opts, err
		}
	}
	for _, s := range settings {
		if err := cfg.Set(s.name, strings.Fields(s.value)); err != nil {
			return cfg, opts, fmt.Errorf("--%s %q: %v", s.name, s.value, err)
		}
	}
	return cfg, opts, cfg.Validate()
}

func loopCount(cfg loop.Config) int {
	if cfg.Loops > 0 {
		return cfg.Loops
	}
	return runtime.NumCPU()
}

func sigName(sig os.Signal) string {
	if sig == syscall.SIGINT {
		return "SIGINT"
	}
	return "SIGTERM"
}

func startProfile(path string) (stop func(), err error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}
