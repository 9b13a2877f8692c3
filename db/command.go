package db

// Flags are a command's properties, named as Redis's COMMAND reply names them
// (so COMMAND INFO is generated from them), plus two of our own that tell the
// dispatcher which shards to lock.
type Flags uint32

// The flags COMMAND INFO shows, in the order Redis lists them.
const (
	Write Flags = 1 << iota
	ReadOnly
	DenyOOM
	Module
	Admin
	PubSub
	NoScript
	Blocking
	Loading
	Stale
	SkipMonitor
	SkipSlowlog
	Fast
	NoAuth
	MayReplicate
	NoMandatoryKeys
	NoAsyncLoading
	NoMulti
	MovableKeys
	AllowBusy

	// AllShards: the command reads or changes the whole selected database
	// (KEYS, SCAN, DBSIZE, FLUSHDB, RANDOMKEY); the dispatcher locks every
	// shard of it, in order. Never shown by COMMAND.
	AllShards
	// MultiDB: the command touches more than one database (MOVE, COPY ... DB,
	// SWAPDB, FLUSHALL) and takes its own locks. Never shown by COMMAND.
	MultiDB
)

// flagNames are the names COMMAND INFO prints, indexed by bit.
var flagNames = [...]string{
	"write", "readonly", "denyoom", "module", "admin", "pubsub", "noscript",
	"blocking", "loading", "stale", "skip_monitor", "skip_slowlog", "fast",
	"no_auth", "may_replicate", "no_mandatory_keys", "no_async_loading", "no_multi", "movablekeys",
	"allow_busy",
}

// Names returns the COMMAND INFO names of the flags that are set, in order.
func (f Flags) Names() []string {
	var names []string
	for i, name := range flagNames {
		if f&(1<<i) != 0 {
			names = append(names, name)
		}
	}
	return names
}

// Command is one row of the command table, mirroring Redis's redisCommand:
// everything the dispatcher needs to check a call before running it, and
// everything COMMAND reports about it. Rows are built once at start-up and
// never written afterwards, so reactors read them without locks.
type Command struct {
	Name  string // lower-case, as COMMAND lists it
	Arity int    // counts the name; -N means at least N
	Flags Flags
	// FirstKey, LastKey and Step locate the keys in argv (argv[0] is the
	// name): LastKey -1 means the last argument, -2 the one before it.
	// FirstKey 0 means the command has no keys.
	FirstKey, LastKey, Step int
	// Keys finds the keys of a movable-keys command (ZUNIONSTORE's numkeys,
	// SORT ... STORE); it appends their argv indexes to dst. Nil otherwise.
	Keys func(dst []int, argv [][]byte) []int
	// Group is Redis's command group ("string", "generic", ...), for COMMAND
	// DOCS and the ACL categories.
	Group string
	// Since is the Redis version that introduced the command.
	Since string
	// Summary is one line on what the command does, for COMMAND DOCS.
	Summary string
	// Sub holds the subcommands of a container command (CONFIG GET, ...).
	Sub []Command
	// Run executes the command on shards the dispatcher has locked.
	Run func(c *Ctx, argv [][]byte)
}

// KeyIndexes appends the argv indexes of the command's keys to dst. argv
// must have passed the arity check.
func (cmd *Command) KeyIndexes(dst []int, argv [][]byte) []int {
	if cmd.Keys != nil {
		return cmd.Keys(dst, argv)
	}
	if cmd.FirstKey <= 0 {
		return dst
	}
	last := cmd.LastKey
	if last < 0 {
		last += len(argv)
	}
	step := cmd.Step
	if step <= 0 {
		step = 1
	}
	for i := cmd.FirstKey; i <= last && i < len(argv); i += step {
		dst = append(dst, i)
	}
	return dst
}
