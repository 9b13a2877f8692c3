package loop

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"runtime"
	"strconv"
	"strings"

	"redis-fast/db"
	"redis-fast/proto"
	"redis-fast/pubsub"
)

// Config is the server's configuration. Fields are named after the
// redis.conf directives that set them; the directive table below is the one
// place that maps names to fields, and it drives the config file, the
// command-line flags, CONFIG GET/SET/REWRITE and INFO alike.
type Config struct {
	Port                    int
	Bind                    []string
	Dir                     string
	Databases               int
	RequirePass             string
	MaxClients              int
	LogLevel                string
	LogFile                 string
	ProtoMaxBulkLen         int64
	ClientQueryBufferLimit  int64
	EnableDebugCommand      string
	Hz                      int
	Timeout                 int
	TCPKeepAlive            int
	SlowlogLogSlowerThan    int64
	SlowlogMaxLen           int
	LatencyMonitorThreshold int64
	// Save is the save points, "seconds changes" pairs ("" for none), as
	// CONFIG GET save prints them. saveRead is set once a config file or
	// command-line save line has replaced the defaults: the next ones add.
	Save     string
	saveRead bool
	// The RDB file.
	DBFilename              string
	RDBCompression          bool
	RDBChecksum             bool
	StopWritesOnBgsaveError bool
	AppendOnly              bool
	AppendFilename          string
	AppendDirName           string
	AppendFsync             string
	// auto-aof-rewrite-percentage and -min-size
	AutoAOFRewritePercentage int
	AutoAOFRewriteMinSize    int64
	AOFLoadTruncated         bool
	NoAppendfsyncOnRewrite   bool
	AOFTimestampEnabled      bool
	AOFUseRDBPreamble        bool
	// Replication.
	ReplicaOf             string // "host port", or ""
	MasterAuth            string
	MasterUser            string
	ReplicaReadOnly       bool
	ReplicaServeStaleData bool
	ReplBacklogSize       int64
	ReplDisklessSync      bool
	ReplDisklessSyncDelay int
	ReplPingReplicaPeriod int
	ReplTimeout           int
	MinReplicasToWrite    int
	MinReplicasMaxLag     int
	// The compact-encoding thresholds of the collections.
	HashMaxListpackEntries int64
	HashMaxListpackValue   int64
	SetMaxIntsetEntries    int64
	ZSetMaxListpackEntries int64
	ZSetMaxListpackValue   int64
	ListMaxListpackSize    int64
	// ClientOutputBufferLimit is client-output-buffer-limit, by class.
	ClientOutputBufferLimit [pubsub.NumClasses]pubsub.Limit
	// NotifyKeyspaceEvents is notify-keyspace-events.
	NotifyKeyspaceEvents db.NotifyClass
	// Loops is the number of reactors (event loops); 0 means one per core.
	// It is ours, not Redis's.
	Loops int
	// ConfigFile is the file the configuration was read from, if any, for
	// CONFIG REWRITE and INFO.
	ConfigFile string
}

// DefaultConfig returns the configuration of a server started with no file
// and no flags: Redis's defaults, except the port (6380) and the loopback
// bind address.
func DefaultConfig() Config {
	return Config{
		Port:                     6380,
		Bind:                     []string{"127.0.0.1"},
		Dir:                      ".",
		Databases:                db.DefaultDatabases,
		MaxClients:               10000,
		LogLevel:                 "notice",
		ProtoMaxBulkLen:          proto.DefaultMaxBulkLen,
		ClientQueryBufferLimit:   proto.DefaultQueryBufferLimit,
		EnableDebugCommand:       "no",
		Hz:                       10,
		TCPKeepAlive:             300,
		SlowlogLogSlowerThan:     10000,
		SlowlogMaxLen:            128,
		Save:                     "3600 1 300 100 60 10000",
		DBFilename:               "dump.rdb",
		RDBCompression:           true,
		RDBChecksum:              true,
		StopWritesOnBgsaveError:  true,
		AppendFilename:           "appendonly.aof",
		AppendDirName:            "appendonlydir",
		AppendFsync:              "everysec",
		AutoAOFRewritePercentage: 100,
		AutoAOFRewriteMinSize:    64 << 20,
		AOFLoadTruncated:         true,
		AOFUseRDBPreamble:        true,
		ReplicaReadOnly:          true,
		ReplicaServeStaleData:    true,
		ReplBacklogSize:          1 << 20,
		ReplDisklessSync:         true,
		ReplDisklessSyncDelay:    5,
		ReplPingReplicaPeriod:    10,
		ReplTimeout:              60,
		MinReplicasMaxLag:        10,
		HashMaxListpackEntries:   db.DefaultHashMaxListpackEntries,
		HashMaxListpackValue:     db.DefaultHashMaxListpackValue,
		SetMaxIntsetEntries:      db.DefaultSetMaxIntsetEntries,
		ZSetMaxListpackEntries:   db.DefaultZSetMaxListpackEntries,
		ZSetMaxListpackValue:     db.DefaultZSetMaxListpackValue,
		ListMaxListpackSize:      db.DefaultListMaxListpackSize,
		ClientOutputBufferLimit:  pubsub.DefaultLimits(),
	}
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case c.Port < 0 || c.Port > 65535:
		return fmt.Errorf("config: port %d out of range", c.Port)
	case c.Databases < 1:
		return fmt.Errorf("config: databases must be at least 1")
	case c.Loops < 0:
		return fmt.Errorf("config: loops must not be negative")
	case len(c.Bind) == 0:
		return fmt.Errorf("config: bind needs an address")
	}
	return nil
}

// loops returns the number of reactors to run.
func (c *Config) loops() int {
	if c.Loops > 0 {
		return c.Loops
	}
	return runtime.NumCPU()
}

// directive is one configuration directive.
type directive struct {
	name string
	// get returns the value as CONFIG GET prints it.
	get func(c *Config) string
	// set parses args (the words after the name) into c.
	set func(c *Config, args []string) error
	// immutable directives are refused by CONFIG SET.
	immutable bool
}

var errArgs = errors.New("wrong number of arguments")

func intDirective(name string, field func(*Config) *int, lo, hi int64) directive {
	return directive{
		name: name,
		get:  func(c *Config) string { return strconv.Itoa(*field(c)) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			n, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("argument couldn't be parsed into an integer")
			}
			if n < lo || n > hi {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			*field(c) = int(n)
			return nil
		},
	}
}

func memDirective(name string, field func(*Config) *int64, lo int64) directive {
	return directive{
		name: name,
		get:  func(c *Config) string { return strconv.FormatInt(*field(c), 10) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			n, ok := parseMemory(args[0])
			if !ok {
				return fmt.Errorf("argument must be a memory value")
			}
			if n < lo {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, int64(math.MaxInt64))
			}
			*field(c) = n
			return nil
		},
	}
}

func int64Directive(name string, field func(*Config) *int64, lo, hi int64) directive {
	return directive{
		name: name,
		get:  func(c *Config) string { return strconv.FormatInt(*field(c), 10) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			n, err := strconv.ParseInt(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("argument couldn't be parsed into an integer")
			}
			if n < lo || n > hi {
				return fmt.Errorf("argument must be between %d and %d inclusive", lo, hi)
			}
			*field(c) = n
			return nil
		},
	}
}

func stringDirective(name string, field func(*Config) *string) directive {
	return directive{
		name: name,
		get:  func(c *Config) string { return *field(c) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			*field(c) = args[0]
			return nil
		},
	}
}

func enumDirective(name string, field func(*Config) *string, values ...string) directive {
	return directive{
		name: name,
		get:  func(c *Config) string { return *field(c) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			for _, v := range values {
				if strings.EqualFold(args[0], v) {
					*field(c) = v
					return nil
				}
			}
			return fmt.Errorf("argument(s) must be one of the following: %s", strings.Join(values, ", "))
		},
	}
}

func boolDirective(name string, field func(*Config) *bool) directive {
	return directive{
		name: name,
		get: func(c *Config) string {
			if *field(c) {
				return "yes"
			}
			return "no"
		},
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			switch strings.ToLower(args[0]) {
			case "yes":
				*field(c) = true
			case "no":
				*field(c) = false
			default:
				return fmt.Errorf("argument must be 'yes' or 'no'")
			}
			return nil
		},
	}
}

// replicaofDirective is "replicaof <host> <port>" in a config file (and
// slaveof, its old name); at run time REPLICAOF changes it.
func replicaofDirective(name string) directive {
	return immutable(directive{
		name: name,
		get:  func(c *Config) string { return c.ReplicaOf },
		set: func(c *Config, args []string) error {
			if len(args) == 1 && args[0] == "" {
				c.ReplicaOf = ""
				return nil
			}
			if len(args) != 2 {
				return errArgs
			}
			if _, err := strconv.Atoi(args[1]); err != nil {
				return fmt.Errorf("Invalid master port")
			}
			c.ReplicaOf = args[0] + " " + args[1]
			return nil
		},
	})
}

// saveDirective is save, the save points. CONFIG SET replaces them with
// its value's pairs, split at single spaces as Redis splits it; "" sets
// none. A config file's save lines add up instead (see addSavePoints).
func saveDirective() directive {
	return directive{
		name: "save",
		get:  func(c *Config) string { return c.Save },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			var words []string
			if args[0] != "" {
				words = strings.Split(args[0], " ")
			}
			pts, err := parseSaveParams(words)
			if err != nil {
				return err
			}
			c.Save = formatSavePoints(pts)
			return nil
		},
	}
}

// addSavePoints applies one save line of a config file or the command line,
// as Redis does: its pairs (several words, or one word that holds them) are
// added to those of the lines before, the first line replacing the
// defaults, and save "" clears them. A line with no word at all, which is
// what --save "" gives, counts as save "".
func (c *Config) addSavePoints(args []string) error {
	if len(args) == 0 || len(args) == 1 && args[0] == "" {
		c.Save, c.saveRead = "", true
		return nil
	}
	if len(args) == 1 {
		args = strings.Fields(args[0])
	}
	pts, err := parseSaveParams(args)
	if err != nil {
		return err
	}
	if !c.saveRead {
		c.Save, c.saveRead = "", true
	}
	if add := formatSavePoints(pts); c.Save == "" {
		c.Save = add
	} else if add != "" {
		c.Save += " " + add
	}
	return nil
}

var errSaveParams = errors.New("Invalid save parameters")

// parseSaveParams reads "seconds changes" pairs as Redis's
// setConfigSaveOption does: an even number of words, each read whole by
// strtoll, seconds at least 1 and changes at least 0; changes is then a C
// int, its high bits dropped.
func parseSaveParams(words []string) ([]savePoint, error) {
	if len(words)%2 != 0 {
		return nil, errSaveParams
	}
	pts := make([]savePoint, 0, len(words)/2)
	for i := 0; i < len(words); i += 2 {
		secs, ok1 := strtoll(words[i])
		changes, ok2 := strtoll(words[i+1])
		if !ok1 || !ok2 || secs < 1 || changes < 0 {
			return nil, errSaveParams
		}
		pts = append(pts, savePoint{seconds: secs, changes: int64(int32(changes))})
	}
	return pts, nil
}

// formatSavePoints writes save points as CONFIG GET save prints them.
func formatSavePoints(pts []savePoint) string {
	var b []byte
	for i, p := range pts {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, p.seconds, 10)
		b = append(b, ' ')
		b = strconv.AppendInt(b, p.changes, 10)
	}
	return string(b)
}

// strtoll reads s as C's strtoll does, and reports whether it read all of
// s: leading white space, a sign, decimal digits, clamped to the int64
// range. With no digits it reads nothing, so only "" is read whole (as 0).
func strtoll(s string) (int64, bool) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := i < len(s) && s[i] == '-'
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	digits := i
	var n uint64 // the magnitude, stuck at 1<<63 once past the range
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		if n <= (1<<63)/10 {
			n = min(n*10+uint64(s[i]-'0'), 1<<63)
		} else {
			n = 1 << 63
		}
	}
	switch {
	case i == digits:
		return 0, s == ""
	case i != len(s):
		return 0, false
	case neg:
		return -int64(n-1) - 1, true // -(1<<63) fits; its magnitude does not
	case n >= 1<<63:
		return math.MaxInt64, true
	}
	return int64(n), true
}

func immutable(d directive) directive {
	d.immutable = true
	return d
}

// directives is the table of every directive the server understands, sorted
// by name. It is never written after initialisation.
var directives = []directive{
	immutable(stringDirective("appenddirname", func(c *Config) *string { return &c.AppendDirName })),
	immutable(stringDirective("appendfilename", func(c *Config) *string { return &c.AppendFilename })),
	enumDirective("appendfsync", func(c *Config) *string { return &c.AppendFsync }, "always", "everysec", "no"),
	boolDirective("appendonly", func(c *Config) *bool { return &c.AppendOnly }),
	boolDirective("aof-load-truncated", func(c *Config) *bool { return &c.AOFLoadTruncated }),
	boolDirective("aof-timestamp-enabled", func(c *Config) *bool { return &c.AOFTimestampEnabled }),
	boolDirective("aof-use-rdb-preamble", func(c *Config) *bool { return &c.AOFUseRDBPreamble }),
	memDirective("auto-aof-rewrite-min-size", func(c *Config) *int64 { return &c.AutoAOFRewriteMinSize }, 0),
	intDirective("auto-aof-rewrite-percentage", func(c *Config) *int { return &c.AutoAOFRewritePercentage }, 0, math.MaxInt32),
	immutable(directive{
		name: "bind",
		get:  func(c *Config) string { return strings.Join(c.Bind, " ") },
		set: func(c *Config, args []string) error {
			if len(args) == 0 {
				return errArgs
			}
			c.Bind = append([]string(nil), args...)
			return nil
		},
	}),
	outputLimitDirective(),
	int64Directive("client-query-buffer-limit", func(c *Config) *int64 { return &c.ClientQueryBufferLimit }, 1<<20, math.MaxInt64),
	immutable(intDirective("databases", func(c *Config) *int { return &c.Databases }, 1, math.MaxInt32)),
	stringDirective("dbfilename", func(c *Config) *string { return &c.DBFilename }),
	stringDirective("dir", func(c *Config) *string { return &c.Dir }),
	immutable(enumDirective("enable-debug-command", func(c *Config) *string { return &c.EnableDebugCommand }, "no", "yes", "local")),
	int64Directive("hash-max-listpack-entries", func(c *Config) *int64 { return &c.HashMaxListpackEntries }, 0, math.MaxInt64),
	int64Directive("hash-max-listpack-value", func(c *Config) *int64 { return &c.HashMaxListpackValue }, 0, math.MaxInt64),
	int64Directive("hash-max-ziplist-entries", func(c *Config) *int64 { return &c.HashMaxListpackEntries }, 0, math.MaxInt64),
	int64Directive("hash-max-ziplist-value", func(c *Config) *int64 { return &c.HashMaxListpackValue }, 0, math.MaxInt64),
	intDirective("hz", func(c *Config) *int { return &c.Hz }, 1, 500),
	int64Directive("latency-monitor-threshold", func(c *Config) *int64 { return &c.LatencyMonitorThreshold }, 0, math.MaxInt64),
	int64Directive("list-max-listpack-size", func(c *Config) *int64 { return &c.ListMaxListpackSize }, math.MinInt32, math.MaxInt32),
	int64Directive("list-max-ziplist-size", func(c *Config) *int64 { return &c.ListMaxListpackSize }, math.MinInt32, math.MaxInt32),
	immutable(stringDirective("logfile", func(c *Config) *string { return &c.LogFile })),
	enumDirective("loglevel", func(c *Config) *string { return &c.LogLevel }, "debug", "verbose", "notice", "warning"),
	immutable(intDirective("loops", func(c *Config) *int { return &c.Loops }, 0, 1024)),
	stringDirective("masterauth", func(c *Config) *string { return &c.MasterAuth }),
	stringDirective("masteruser", func(c *Config) *string { return &c.MasterUser }),
	intDirective("maxclients", func(c *Config) *int { return &c.MaxClients }, 1, math.MaxUint32),
	intDirective("min-replicas-max-lag", func(c *Config) *int { return &c.MinReplicasMaxLag }, 0, math.MaxInt32),
	intDirective("min-replicas-to-write", func(c *Config) *int { return &c.MinReplicasToWrite }, 0, math.MaxInt32),
	intDirective("min-slaves-max-lag", func(c *Config) *int { return &c.MinReplicasMaxLag }, 0, math.MaxInt32),
	intDirective("min-slaves-to-write", func(c *Config) *int { return &c.MinReplicasToWrite }, 0, math.MaxInt32),
	{
		name: "notify-keyspace-events",
		get:  func(c *Config) string { return db.FormatNotifyFlags(c.NotifyKeyspaceEvents) },
		set: func(c *Config, args []string) error {
			if len(args) != 1 {
				return errArgs
			}
			f, err := db.ParseNotifyFlags(args[0])
			if err == nil {
				c.NotifyKeyspaceEvents = f
			}
			return err
		},
	},
	boolDirective("no-appendfsync-on-rewrite", func(c *Config) *bool { return &c.NoAppendfsyncOnRewrite }),
	immutable(intDirective("port", func(c *Config) *int { return &c.Port }, 0, 65535)),
	memDirective("proto-max-bulk-len", func(c *Config) *int64 { return &c.ProtoMaxBulkLen }, 1<<20),
	boolDirective("rdbchecksum", func(c *Config) *bool { return &c.RDBChecksum }),
	boolDirective("rdbcompression", func(c *Config) *bool { return &c.RDBCompression }),
	memDirective("repl-backlog-size", func(c *Config) *int64 { return &c.ReplBacklogSize }, 1),
	boolDirective("repl-diskless-sync", func(c *Config) *bool { return &c.ReplDisklessSync }),
	intDirective("repl-diskless-sync-delay", func(c *Config) *int { return &c.ReplDisklessSyncDelay }, 0, math.MaxInt32),
	intDirective("repl-ping-replica-period", func(c *Config) *int { return &c.ReplPingReplicaPeriod }, 1, math.MaxInt32),
	intDirective("repl-timeout", func(c *Config) *int { return &c.ReplTimeout }, 1, math.MaxInt32),
	boolDirective("replica-read-only", func(c *Config) *bool { return &c.ReplicaReadOnly }),
	boolDirective("replica-serve-stale-data", func(c *Config) *bool { return &c.ReplicaServeStaleData }),
	replicaofDirective("replicaof"),
	stringDirective("requirepass", func(c *Config) *string { return &c.RequirePass }),
	saveDirective(),
	int64Directive("set-max-intset-entries", func(c *Config) *int64 { return &c.SetMaxIntsetEntries }, 0, math.MaxInt64),
	boolDirective("slave-read-only", func(c *Config) *bool { return &c.ReplicaReadOnly }),
	boolDirective("slave-serve-stale-data", func(c *Config) *bool { return &c.ReplicaServeStaleData }),
	replicaofDirective("slaveof"),
	boolDirective("stop-writes-on-bgsave-error", func(c *Config) *bool { return &c.StopWritesOnBgsaveError }),
	int64Directive("slowlog-log-slower-than", func(c *Config) *int64 { return &c.SlowlogLogSlowerThan }, -1, math.MaxInt64),
	intDirective("slowlog-max-len", func(c *Config) *int { return &c.SlowlogMaxLen }, 0, math.MaxInt64),
	intDirective("tcp-keepalive", func(c *Config) *int { return &c.TCPKeepAlive }, 0, math.MaxInt32),
	intDirective("timeout", func(c *Config) *int { return &c.Timeout }, 0, math.MaxInt32),
	int64Directive("zset-max-listpack-entries", func(c *Config) *int64 { return &c.ZSetMaxListpackEntries }, 0, math.MaxInt64),
	int64Directive("zset-max-listpack-value", func(c *Config) *int64 { return &c.ZSetMaxListpackValue }, 0, math.MaxInt64),
	int64Directive("zset-max-ziplist-entries", func(c *Config) *int64 { return &c.ZSetMaxListpackEntries }, 0, math.MaxInt64),
	int64Directive("zset-max-ziplist-value", func(c *Config) *int64 { return &c.ZSetMaxListpackValue }, 0, math.MaxInt64),
}

func findDirective(name string) *directive {
	for i := range directives {
		if strings.EqualFold(directives[i].name, name) {
			return &directives[i]
		}
	}
	return nil
}

// Set applies one directive, as a config file line or a flag would.
func (c *Config) Set(name string, args []string) error {
	d := findDirective(name)
	if d == nil {
		return fmt.Errorf("Bad directive or wrong number of arguments")
	}
	if d.name == "save" {
		return c.addSavePoints(args)
	}
	return d.set(c, args)
}

// ReadFile applies a redis.conf-style file: one directive per line, blank
// lines and # comments ignored, arguments split (and unquoted) as Redis
// splits them. The error names the line.
func (c *Config) ReadFile(r io.Reader, name string) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		var p proto.Parser
		args, _, _, err := p.Parse([]byte(line + "\n"))
		if err != nil || len(args) == 0 {
			return fmt.Errorf("config: %s:%d: unbalanced quotes in %q", name, n, line)
		}
		words := make([]string, len(args))
		for i, a := range args {
			words[i] = string(a)
		}
		if err := c.Set(words[0], words[1:]); err != nil {
			return fmt.Errorf("config: %s:%d: %q: %v", name, n, line, err)
		}
	}
	return sc.Err()
}

// parseMemory reads a memory amount as redis.conf writes it: a number with
// an optional unit (k kb m mb g gb, case-insensitive; k is 1000, kb 1024).
func parseMemory(s string) (int64, bool) {
	units := []struct {
		suffix string
		mul    int64
	}{{"kb", 1 << 10}, {"mb", 1 << 20}, {"gb", 1 << 30}, {"k", 1000}, {"m", 1000 * 1000}, {"g", 1000 * 1000 * 1000}, {"b", 1}}
	lower := strings.ToLower(s)
	mul := int64(1)
	for _, u := range units {
		if strings.HasSuffix(lower, u.suffix) {
			lower, mul = strings.TrimSuffix(lower, u.suffix), u.mul
			break
		}
	}
	n, err := strconv.ParseInt(lower, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mul, true
}

// DirectiveNames lists every directive, for the command-line flags.
func DirectiveNames() []string {
	names := make([]string, len(directives))
	for i, d := range directives {
		names[i] = d.name
	}
	return names
}

// LogLevel converts a loglevel name to a level.
func LogLevel(name string) int {
	switch name {
	case "debug":
		return LevelDebug
	case "verbose":
		return LevelVerbose
	case "warning":
		return LevelWarning
	}
	return LevelNotice
}
