package loop

import (
	"bufio"
	"encoding/hex"
	"net"
	"strconv"
	"time"

	"redis-fast/db"
	"redis-fast/persistence/rdb"
	"redis-fast/proto"
)

// serverCommands are the commands about the server as a whole.
var serverCommands = []serverCommand{
	{Command: db.Command{Name: "bgsave", Arity: -1, Flags: db.Admin | db.NoScript | db.NoAsyncLoading, Group: "server", Since: "1.0.0"}, exec: cmdBgsave},
	{Command: db.Command{Name: "bgrewriteaof", Arity: 1, Flags: db.Admin | db.NoScript | db.NoAsyncLoading, Group: "server", Since: "1.0.0"}, exec: cmdBgrewriteaof},
	{Command: db.Command{Name: "debug", Arity: -2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "1.0.0"}, exec: cmdDebug},
	{Command: db.Command{Name: "lastsave", Arity: 1, Flags: db.Loading | db.Stale | db.Fast, Group: "server", Since: "1.0.0"}, exec: cmdLastsave},
	{Command: db.Command{Name: "monitor", Arity: 1, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "1.0.0"}, exec: cmdMonitor},
	{Command: db.Command{Name: "save", Arity: 1, Flags: db.Admin | db.NoScript | db.NoAsyncLoading | db.NoMulti, Group: "server", Since: "1.0.0"}, exec: cmdSave},
	{Command: db.Command{Name: "shutdown", Arity: -1, Flags: db.Admin | db.NoScript | db.Loading | db.Stale | db.NoMulti | db.AllowBusy, Group: "server", Since: "1.0.0"}, exec: cmdShutdown},
	{Command: db.Command{Name: "time", Arity: 1, Flags: db.Loading | db.Stale | db.Fast, Group: "server", Since: "2.6.0"}, exec: cmdTime},
}

// TIME
func cmdTime(s *Server, cl *client, argv [][]byte) {
	now := time.Now()
	cl.w.ArrayLen(2)
	cl.w.BulkInt(now.Unix())
	cl.w.BulkInt(int64(now.Nanosecond() / 1000))
}

// SHUTDOWN [NOSAVE | SAVE] [NOW] [FORCE] [ABORT]
func cmdShutdown(s *Server, cl *client, argv [][]byte) {
	var opt struct{ save, nosave, now, force, abort bool }
	for _, a := range argv[1:] {
		switch {
		case proto.EqualFold(a, "NOSAVE"):
			opt.nosave = true
		case proto.EqualFold(a, "SAVE"):
			opt.save = true
		case proto.EqualFold(a, "NOW"):
			opt.now = true
		case proto.EqualFold(a, "FORCE"):
			opt.force = true
		case proto.EqualFold(a, "ABORT"):
			opt.abort = true
		default:
			cl.w.Error("ERR syntax error")
			return
		}
	}
	if opt.save && opt.nosave || opt.abort && (opt.save || opt.nosave || opt.now || opt.force) {
		cl.w.Error("ERR syntax error")
		return
	}
	if opt.abort {
		cl.w.Error("ERR No shutdown in progress.")
		return
	}
	mode := shutdownDefault
	switch {
	case opt.save:
		mode = shutdownSave
	case opt.nosave:
		mode = shutdownNoSave
	}
	if cl.conn == nil {
		go s.terminate(mode, opt.force) // no connection to answer on
		return
	}
	// The final save may wait for a snapshot that this reactor feeds (a
	// replica's sync), and stopping the engine waits for every reactor: it
	// all runs elsewhere, and the client waits as a blocked client does,
	// its reactor free. It sees its connection close, as with Redis, or,
	// when the save fails, the error.
	b := &blockedClient{cl: cl, conn: cl.conn, resp3: cl.w.RESP3, silent: cl.replyMode == replyOff || cl.skipReply}
	cl.block = b
	go func() {
		if s.terminate(mode, opt.force) != nil {
			s.finishBlocked(b, proto.AppendError(nil, msgShutdownFailed))
		}
	}()
}

const msgShutdownFailed = "ERR Errors trying to SHUTDOWN. Check logs."

// Terminate is what SIGTERM and SIGINT ask for: Redis's shutdown with no
// option. The final save is written when save points are set, and then the
// server stops, as Shutdown does. When that save fails the server goes on
// serving, as Redis does, and Terminate returns the error.
func (s *Server) Terminate() error { return s.terminate(shutdownDefault, false /* force */) }

const msgDebugDisabled = "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server."

// debugAllowed applies enable-debug-command: no, yes, or local (loopback
// connections only).
func (s *Server) debugAllowed(cl *client) bool {
	switch s.config().EnableDebugCommand {
	case "yes":
		return true
	case "local":
		host, _, _ := net.SplitHostPort(cl.addr)
		ip := net.ParseIP(host)
		return ip != nil && ip.IsLoopback()
	}
	return false
}

// DEBUG subcommand [argument ...]
func cmdDebug(s *Server, cl *client, argv [][]byte) {
	if !s.debugAllowed(cl) {
		cl.w.Error(msgDebugDisabled)
		return
	}
	sub := argv[1]
	switch {
	case proto.EqualFold(sub, "HELP") && len(argv) == 2:
		debugHelp(cl)
	case proto.EqualFold(sub, "SLEEP") && len(argv) == 3:
		secs, _ := strconv.ParseFloat(string(argv[2]), 64)
		time.Sleep(time.Duration(secs * float64(time.Second)))
		cl.w.OK()
	case proto.EqualFold(sub, "RELOAD"):
		debugReload(s, cl, argv[2:])
	case proto.EqualFold(sub, "POPULATE") && len(argv) >= 3 && len(argv) <= 5:
		debugPopulate(s, cl, argv[2:])
	case proto.EqualFold(sub, "DIGEST") && len(argv) == 2:
		dg := s.ks.DatasetDigest()
		cl.w.Simple(hex.EncodeToString(dg[:]))
	case proto.EqualFold(sub, "DIGEST-VALUE") && len(argv) >= 2:
		d := cl.ctx.DB
		cl.w.ArrayLen(len(argv) - 2)
		for _, key := range argv[2:] {
			dg := d.ValueDigest(key)
			cl.w.Simple(hex.EncodeToString(dg[:]))
		}
	case proto.EqualFold(sub, "SET-ACTIVE-EXPIRE") && len(argv) == 3:
		n, _ := strconv.Atoi(string(argv[2]))
		s.activeExpire.Store(n != 0)
		cl.w.OK()
	default:
		cl.w.Error("ERR unknown subcommand or wrong number of arguments for '" + cString(sub, 128) +
			"'. Try DEBUG HELP.")
	}
}

func debugHelp(cl *client) {
	writeHelp(&cl.w, "DEBUG", []string{
		"DIGEST",
		"    Output a hex signature representing the current DB content.",
		"DIGEST-VALUE <key> [<key> ...]",
		"    Output a hex signature of the values of all the specified keys.",
		"POPULATE <count> [<prefix>] [<size>]",
		"    Create <count> string keys named key:<num>. If <prefix> is specified then",
		"    it is used instead of the 'key' prefix. These are not propagated to",
		"    replicas. Cluster slots are not respected so keys not belonging to the",
		"    current node can be created in cluster mode.",
		"RELOAD [option ...]",
		"    Save the RDB on disk and reload it back to memory. Valid <option> values:",
		"    * MERGE: conflicting keys will be loaded from RDB.",
		"    * NOFLUSH: the existing database will not be removed before load, but",
		"      conflicting keys will generate an exception and kill the server.",
		"    * NOSAVE: the database will be loaded from an existing RDB file.",
		"    Examples:",
		"    * DEBUG RELOAD: verify that the server is able to persist, flush and reload",
		"      the database.",
		"    * DEBUG RELOAD NOSAVE: replace the current database with the contents of an",
		"      existing RDB file.",
		"    * DEBUG RELOAD NOSAVE NOFLUSH MERGE: add the contents of an existing RDB",
		"      file to the database.",
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	})
}

// DEBUG RELOAD [MERGE] [NOFLUSH] [NOSAVE]: save the dump, then load it back
// in place of the dataset (or, with NOFLUSH, on top of it: a key already
// there is an error, unless MERGE lets the dump's value replace it).
func debugReload(s *Server, cl *client, opts [][]byte) {
	save, flush, merge := true, true, false
	for _, o := range opts {
		switch {
		case proto.EqualFold(o, "MERGE"):
			merge = true
		case proto.EqualFold(o, "NOFLUSH"):
			flush = false
		case proto.EqualFold(o, "NOSAVE"):
			save = false
		default:
			cl.w.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.")
			return
		}
	}
	if save {
		if _, err := s.saveRDB(); err != nil {
			cl.w.Error("ERR")
			return
		}
	}
	cfg := s.config()
	f, err := s.persist.fs.Open(cfg.rdbPath())
	if err != nil {
		cl.w.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	defer f.Close()
	target := s.ks
	if flush {
		target = db.NewKeyspace(s.ks.Len())
		target.Limits.CopyFrom(&s.ks.Limits)
	}
	opt := rdb.LoadOptions{KeepExpired: s.isReplica(), Replace: merge}
	if _, err := s.loadRDBWith(bufio.NewReaderSize(f, 1<<16), target, opt); err != nil {
		s.log.Warningf("DEBUG RELOAD: %v", err)
		cl.w.Error("ERR Error trying to load the RDB dump, check server logs.")
		return
	}
	if flush {
		s.ks.Replace(target)
	}
	s.log.Noticef("DB reloaded by DEBUG RELOAD")
	cl.w.OK()
}

// DEBUG POPULATE count [prefix] [size]: create count string keys
// prefix:<n> holding "value:<n>" (cut or zero-padded to size bytes), leaving
// existing keys alone. Like Redis's, they are not propagated.
func debugPopulate(s *Server, cl *client, args [][]byte) {
	count, ok := proto.ParseInt(args[0])
	if !ok || count < 0 {
		cl.w.Error("ERR value is out of range, must be positive")
		return
	}
	prefix := []byte("key")
	if len(args) > 1 {
		prefix = args[1]
	}
	size := int64(0)
	if len(args) > 2 {
		if size, ok = proto.ParseInt(args[2]); !ok || size < 0 {
			cl.w.Error("ERR value is out of range, must be positive")
			return
		}
	}
	c := s.ks.LoadCtx(time.Now().UnixMilli())
	c.DB = cl.ctx.DB
	d := c.DB
	const batch = 1024 // keys per hold of the locks
	var key, val []byte
	for i := int64(0); i < count; {
		d.Lock(db.EveryShard, true)
		for end := min(i+batch, count); i < end; i++ {
			key = strconv.AppendInt(append(append(key[:0], prefix...), ':'), i, 10)
			val = strconv.AppendInt(append(val[:0], "value:"...), i, 10)
			if size > 0 {
				if int64(len(val)) > size {
					val = val[:size]
				}
				for int64(len(val)) < size {
					val = append(val, 0)
				}
			}
			d.LoadNew(c, key, db.StringValue(val), 0)
		}
		d.Unlock(db.EveryShard, true)
	}
	cl.w.OK()
}
