package loop

import (
	"redis-fast/db"
	"redis-fast/proto"
)

// connCommands are the commands about the connection itself.
var connCommands = []serverCommand{
	{Command: db.Command{Name: "echo", Arity: 2, Flags: db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdEcho},
	{Command: db.Command{Name: "ping", Arity: -1, Flags: db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdPing},
	{Command: db.Command{Name: "quit", Arity: -1, Flags: db.NoAuth | db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, Group: "connection", Since: "1.0.0"}, exec: cmdQuit},
	{Command: db.Command{Name: "select", Arity: 2, Flags: db.Loading | db.Stale | db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdSelect},
}

// PING [message]
func cmdPing(s *Server, cl *client, argv [][]byte) {
	if len(argv) > 2 {
		cl.w.Error("ERR wrong number of arguments for 'ping' command")
		return
	}
	if len(argv) == 2 {
		cl.w.Bulk(argv[1])
		return
	}
	cl.w.Simple("PONG")
}

// ECHO message
func cmdEcho(s *Server, cl *client, argv [][]byte) { cl.w.Bulk(argv[1]) }

// QUIT
func cmdQuit(s *Server, cl *client, argv [][]byte) {
	cl.w.OK()
	cl.closeAfterReply = true
}

// SELECT index
func cmdSelect(s *Server, cl *client, argv [][]byte) {
	i, ok := proto.ParseInt(argv[1])
	if !ok {
		cl.w.Error("ERR value is not an integer or out of range")
		return
	}
	if i < 0 || i >= int64(s.ks.Len()) {
		cl.w.Error("ERR DB index is out of range")
		return
	}
	cl.selectDB(s.ks, int(i))
	cl.w.OK()
}
