package loop

import (
	"redis-fast/db"
	"redis-fast/proto"
)

// connCommands are the commands about the connection itself.
var connCommands = []serverCommand{
	{Command: db.Command{Name: "auth", Arity: -2, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.NoAuth | db.AllowBusy, Group: "connection", Since: "1.0.0"}, exec: cmdAuth},
	{Command: db.Command{Name: "echo", Arity: 2, Flags: db.Loading | db.Stale | db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdEcho},
	{Command: db.Command{Name: "hello", Arity: -1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.NoAuth | db.AllowBusy, Group: "connection", Since: "6.0.0"}, exec: cmdHello},
	{Command: db.Command{Name: "ping", Arity: -1, Flags: db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdPing},
	{Command: db.Command{Name: "quit", Arity: -1, Flags: db.NoAuth | db.NoScript | db.Loading | db.Stale | db.Fast | db.AllowBusy, Group: "connection", Since: "1.0.0"}, exec: cmdQuit},
	{Command: db.Command{Name: "reset", Arity: 1, Flags: db.NoScript | db.Loading | db.Stale | db.Fast | db.NoAuth | db.AllowBusy, Group: "connection", Since: "6.2.0"}, exec: cmdReset},
	{Command: db.Command{Name: "select", Arity: 2, Flags: db.Loading | db.Stale | db.Fast, Group: "connection", Since: "1.0.0"}, exec: cmdSelect},
}

const (
	msgWrongPass       = "WRONGPASS invalid username-password pair or user is disabled."
	msgAuthNoPassword  = "ERR AUTH <password> called without any password configured for the default user. Are you sure your configuration is correct?"
	msgNoProto         = "NOPROTO unsupported protocol version"
	msgHelloNotAuthed  = "NOAUTH HELLO must be called with the client already authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to authenticate the client and select the RESP protocol version at the same time"
	msgBadProtoVersion = "ERR Protocol version is not an integer or out of range"
	msgBadClientName   = "ERR Client names cannot contain spaces, newlines or special characters."
)

// PING [message]
func cmdPing(s *Server, cl *client, argv [][]byte) {
	if len(argv) > 2 {
		cl.w.Error("ERR wrong number of arguments for 'ping' command")
		return
	}
	if !cl.w.RESP3 && cl.sub.Subscribed() {
		// In the pub/sub context a RESP2 reply must look like a message.
		cl.w.ArrayLen(2)
		cl.w.BulkString("pong")
		if len(argv) == 2 {
			cl.w.Bulk(argv[1])
		} else {
			cl.w.BulkString("")
		}
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

// AUTH [username] password
func cmdAuth(s *Server, cl *client, argv [][]byte) {
	if len(argv) > 3 {
		cl.w.Error("ERR syntax error")
		return
	}
	user := []byte("default")
	pass := argv[len(argv)-1]
	if len(argv) == 2 {
		if *s.requirePass.Load() == "" {
			cl.w.Error(msgAuthNoPassword)
			return
		}
	} else {
		user = argv[1]
	}
	if !s.authenticate(cl, user, pass) {
		cl.w.Error(msgWrongPass)
		return
	}
	cl.w.OK()
}

// authenticate checks a user and password against the only user there is,
// "default", whose password is requirepass (none: any password will do),
// and marks the client authenticated when they match.
func (s *Server) authenticate(cl *client, user, pass []byte) bool {
	want := *s.requirePass.Load()
	if string(user) != "default" || want != "" && string(pass) != want {
		return false
	}
	cl.setAuthenticated(true)
	return true
}

// HELLO [protover [AUTH username password] [SETNAME clientname]]
func cmdHello(s *Server, cl *client, argv [][]byte) {
	var opt struct {
		ver        int64
		user, pass []byte
		name       []byte
		hasName    bool
	}
	next := 1
	if len(argv) >= 2 {
		v, ok := proto.ParseInt(argv[1])
		if !ok {
			cl.w.Error(msgBadProtoVersion)
			return
		}
		if v < 2 || v > 3 {
			cl.w.Error(msgNoProto)
			return
		}
		opt.ver, next = v, 2
	}
	for j := next; j < len(argv); j++ {
		more := len(argv) - 1 - j
		switch {
		case proto.EqualFold(argv[j], "AUTH") && more >= 2:
			opt.user, opt.pass = argv[j+1], argv[j+2]
			j += 2
		case proto.EqualFold(argv[j], "SETNAME") && more >= 1:
			if !validClientName(argv[j+1]) {
				cl.w.Error(msgBadClientName)
				return
			}
			opt.name, opt.hasName = argv[j+1], true
			j++
		default:
			cl.w.Error("ERR Syntax error in HELLO option '" + cString(argv[j], len(argv[j])) + "'")
			return
		}
	}
	if opt.user != nil && !s.authenticate(cl, opt.user, opt.pass) {
		cl.w.Error(msgWrongPass)
		return
	}
	if !cl.authed {
		cl.w.Error(msgHelloNotAuthed)
		return
	}
	if opt.hasName {
		cl.setName(string(opt.name))
	}
	if opt.ver != 0 {
		cl.setProtocol(int(opt.ver))
	}
	s.helloReply(cl)
}

// helloReply writes the server map HELLO answers with.
func (s *Server) helloReply(cl *client) {
	w := &cl.w
	w.MapLen(7)
	w.BulkString("server")
	w.BulkString("redis")
	w.BulkString("version")
	w.BulkString(Version)
	w.BulkString("proto")
	w.Int(int64(cl.resp.Load()))
	w.BulkString("id")
	w.Int(cl.id)
	w.BulkString("mode")
	w.BulkString("standalone")
	w.BulkString("role")
	w.BulkString("master")
	w.BulkString("modules")
	w.ArrayLen(0)
}

// RESET
func cmdReset(s *Server, cl *client, argv [][]byte) {
	cl.multi = nil
	s.unwatchAll(cl)
	cl.selectDB(s.ks, 0)
	cl.setProtocol(2)
	cl.name.Store(nil)
	cl.replyMode = replyOn
	s.stopMonitor(cl)
	s.pubsub.Drop(cl.sub)
	cl.updateClass()
	cl.w.Buf = cl.sub.Out.DrainTo(cl.w.Buf)
	cl.setAuthenticated(*s.requirePass.Load() == "")
	cl.w.Simple("RESET")
}

// validClientName reports whether name has only the printable characters
// Redis allows in a client name: no spaces, no newlines, nothing special.
func validClientName(name []byte) bool {
	for _, c := range name {
		if c < '!' || c > '~' {
			return false
		}
	}
	return true
}
