package loop

import (
	"context"
	"net"
	"strconv"
	"time"

	"redis-fast/db"
	"redis-fast/proto"
)

// serverCommands are the commands about the server as a whole.
var serverCommands = []serverCommand{
	{Command: db.Command{Name: "bgrewriteaof", Arity: 1, Flags: db.Admin | db.NoScript | db.NoAsyncLoading, Group: "server", Since: "1.0.0"}, exec: cmdBgrewriteaof},
	{Command: db.Command{Name: "debug", Arity: -2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "1.0.0"}, exec: cmdDebug},
	{Command: db.Command{Name: "monitor", Arity: 1, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "1.0.0"}, exec: cmdMonitor},
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
	s.log.Warningf("User requested shutdown...")
	// Stopping the engine waits for every reactor, this one included, so it
	// cannot run here; the client sees its connection close, as with Redis.
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.Shutdown(ctx)
	}()
}

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
		"SET-ACTIVE-EXPIRE <0|1>",
		"    Setting it to 0 disables expiring keys in background when they are not",
		"    accessed (otherwise the Redis behavior). Setting it to 1 reenables back the",
		"    default.",
		"SLEEP <seconds>",
		"    Stop the server for <seconds>. Decimals allowed.",
	})
}
