package loop

import (
	"strconv"
	"strings"
	"time"

	"redis-fast/db"
	"redis-fast/proto"
)

// clientCommands is CLIENT and its subcommands.
var clientCommands = []serverCommand{
	{Command: db.Command{Name: "client", Arity: -2, Group: "connection", Since: "2.4.0"}, sub: []serverCommand{
		{Command: db.Command{Name: "getname", Arity: 2, Flags: db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "2.6.9"}, exec: cmdClientGetname},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "connection", Since: "5.0.0"}, exec: cmdClientHelp},
		{Command: db.Command{Name: "id", Arity: 2, Flags: db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "5.0.0"}, exec: cmdClientID},
		{Command: db.Command{Name: "info", Arity: 2, Flags: db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "6.2.0"}, exec: cmdClientInfo},
		{Command: db.Command{Name: "kill", Arity: -3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "2.4.0"}, exec: cmdClientKill},
		{Command: db.Command{Name: "list", Arity: -2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "2.4.0"}, exec: cmdClientList},
		{Command: db.Command{Name: "no-evict", Arity: 3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "7.0.0"}, exec: cmdClientNoEvict},
		{Command: db.Command{Name: "pause", Arity: -3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "3.0.0"}, exec: cmdClientPause},
		{Command: db.Command{Name: "reply", Arity: 3, Flags: db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "3.2.0"}, exec: cmdClientReply},
		{Command: db.Command{Name: "setname", Arity: 3, Flags: db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "2.6.9"}, exec: cmdClientSetname},
		{Command: db.Command{Name: "unblock", Arity: -3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "5.0.0"}, exec: cmdClientUnblock},
		{Command: db.Command{Name: "unpause", Arity: 2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "connection", Since: "6.2.0"}, exec: cmdClientUnpause},
	}},
}

// CLIENT ID
func cmdClientID(s *Server, cl *client, argv [][]byte) { cl.w.Int(cl.id) }

// CLIENT GETNAME
func cmdClientGetname(s *Server, cl *client, argv [][]byte) {
	if name := cl.getName(); name != "" {
		cl.w.BulkString(name)
		return
	}
	cl.w.Null()
}

// CLIENT SETNAME connection-name
func cmdClientSetname(s *Server, cl *client, argv [][]byte) {
	if !validClientName(argv[2]) {
		cl.w.Error(msgBadClientName)
		return
	}
	cl.setName(string(argv[2]))
	cl.w.OK()
}

// CLIENT INFO
func cmdClientInfo(s *Server, cl *client, argv [][]byte) {
	cl.w.Verbatim("txt", s.clientLine(cl, time.Now().UnixMilli())+"\n")
}

// CLIENT LIST [TYPE NORMAL|MASTER|REPLICA|PUBSUB] [ID client-id [client-id ...]]
func cmdClientList(s *Server, cl *client, argv [][]byte) {
	var ids map[int64]bool
	typ := ""
	for j := 2; j < len(argv); j++ {
		switch {
		case proto.EqualFold(argv[j], "TYPE") && j+1 < len(argv):
			typ = strings.ToLower(string(argv[j+1]))
			if typ == "slave" {
				typ = "replica"
			}
			if typ != "normal" && typ != "master" && typ != "replica" && typ != "pubsub" {
				cl.w.Error("ERR Unknown client type '" + string(argv[j+1]) + "'")
				return
			}
			j++
		case proto.EqualFold(argv[j], "ID") && j+1 < len(argv):
			ids = map[int64]bool{}
			for j++; j < len(argv); j++ {
				id, ok := proto.ParseInt(argv[j])
				if !ok {
					cl.w.Error("ERR Invalid client ID")
					return
				}
				ids[id] = true
			}
		default:
			cl.w.Error("ERR syntax error")
			return
		}
	}
	now := time.Now().UnixMilli()
	var b strings.Builder
	for _, other := range s.clients.list() {
		if ids != nil && !ids[other.id] || typ != "" && typ != other.kind() {
			continue
		}
		b.WriteString(s.clientLine(other, now))
		b.WriteByte('\n')
	}
	cl.w.Verbatim("txt", b.String())
}

// kind is the client's type as CLIENT LIST TYPE and CLIENT KILL TYPE name it.
func (cl *client) kind() string {
	if cl.monitor.Load() {
		return "monitor"
	}
	if cl.isReplicaLink.Load() {
		return "replica"
	}
	if cl.sub.Subscribed() {
		return "pubsub"
	}
	return "normal"
}

// clientLine formats one client as CLIENT LIST does, field for field.
func (s *Server) clientLine(cl *client, now int64) string {
	flags := ""
	if cl.isReplicaLink.Load() {
		flags += "S"
	}
	if cl.monitor.Load() {
		flags += "O"
	}
	if cl.sub.Subscribed() {
		flags += "P"
	}
	if s.blocked.byClient(cl.id) != nil {
		flags += "b"
	}
	if flags == "" {
		flags = "N"
	}
	nsub, npsub, nssub := cl.sub.Counts()
	cmd := "NULL"
	if p := cl.lastCmd.Load(); p != nil {
		cmd = *p
	}
	fields := []string{
		"id=" + strconv.FormatInt(cl.id, 10),
		"addr=" + cl.addr,
		"laddr=" + cl.laddr,
		"fd=" + strconv.Itoa(cl.fd),
		"name=" + cl.getName(),
		"age=" + strconv.FormatInt((now-cl.created)/1000, 10),
		"idle=" + strconv.FormatInt((now-cl.lastSeen.Load())/1000, 10),
		"flags=" + flags,
		"db=" + strconv.Itoa(int(cl.dbIndex.Load())),
		"sub=" + strconv.Itoa(nsub), "psub=" + strconv.Itoa(npsub), "ssub=" + strconv.Itoa(nssub), "multi=-1",
		"qbuf=0", "qbuf-free=0", "argv-mem=0", "multi-mem=0", "rbs=0", "rbp=0",
		"obl=0", "oll=0", "omem=" + strconv.FormatInt(cl.sub.Out.Size(), 10), "tot-mem=0", "events=r",
		"cmd=" + cmd,
		"user=default", "redir=-1",
		"resp=" + strconv.Itoa(int(cl.resp.Load())),
	}
	return strings.Join(fields, " ")
}

// CLIENT KILL ip:port
// CLIENT KILL <filter> <value> ... [<filter> <value> ...]
func cmdClientKill(s *Server, cl *client, argv [][]byte) {
	if len(argv) == 3 {
		// The old form: one address, an error when nobody has it.
		target := s.findClient(func(o *client) bool { return o.addr == string(argv[2]) })
		if target == nil {
			cl.w.Error("ERR No such client")
			return
		}
		s.kill(cl, target)
		cl.w.OK()
		return
	}
	var f killFilter
	f.skipMe = true
	if !f.parse(cl, argv[2:]) {
		return
	}
	killed := 0
	for _, other := range s.clients.list() {
		if f.matches(cl, other) {
			s.kill(cl, other)
			killed++
		}
	}
	if f.matchesMaster() && s.dropMasterConn() {
		killed++
	}
	cl.w.Int(int64(killed))
}

// killFilter holds CLIENT KILL's filters; a client must match them all.
type killFilter struct {
	id          int64
	typ         string
	addr, laddr string
	user        string
	skipMe      bool
	maxAge      int64
}

func (f *killFilter) parse(cl *client, args [][]byte) bool {
	if len(args)%2 != 0 {
		cl.w.Error("ERR syntax error")
		return false
	}
	for i := 0; i < len(args); i += 2 {
		name, val := args[i], args[i+1]
		switch {
		case proto.EqualFold(name, "ID"):
			id, ok := proto.ParseInt(val)
			if !ok || id <= 0 {
				cl.w.Error("ERR client-id should be greater than 0")
				return false
			}
			f.id = id
		case proto.EqualFold(name, "TYPE"):
			f.typ = strings.ToLower(string(val))
			if f.typ == "slave" {
				f.typ = "replica"
			}
			if f.typ != "normal" && f.typ != "master" && f.typ != "replica" && f.typ != "pubsub" {
				cl.w.Error("ERR Unknown client type '" + string(val) + "'")
				return false
			}
		case proto.EqualFold(name, "ADDR"):
			f.addr = string(val)
		case proto.EqualFold(name, "LADDR"):
			f.laddr = string(val)
		case proto.EqualFold(name, "USER"):
			f.user = string(val)
		case proto.EqualFold(name, "SKIPME"):
			switch {
			case proto.EqualFold(val, "YES"):
				f.skipMe = true
			case proto.EqualFold(val, "NO"):
				f.skipMe = false
			default:
				cl.w.Error("ERR syntax error")
				return false
			}
		case proto.EqualFold(name, "MAXAGE"):
			age, ok := proto.ParseInt(val)
			if !ok {
				cl.w.Error("ERR syntax error")
				return false
			}
			f.maxAge = age
		default:
			cl.w.Error("ERR syntax error")
			return false
		}
	}
	return true
}

func (f *killFilter) matches(me, o *client) bool {
	now := time.Now().UnixMilli()
	switch {
	case f.skipMe && o == me,
		f.id != 0 && o.id != f.id,
		f.typ != "" && f.typ != o.kind() && !(f.typ == "normal" && o.kind() == "monitor"),
		f.addr != "" && o.addr != f.addr,
		f.laddr != "" && o.laddr != f.laddr,
		f.user != "" && f.user != "default",
		f.maxAge != 0 && (now-o.created)/1000 < f.maxAge:
		return false
	}
	return true
}

// matchesMaster reports whether the filter picks the master client of a
// replica, which has no entry in the registry: TYPE master, with no filter
// that only a connection of our own could match.
func (f *killFilter) matchesMaster() bool {
	return f.typ == "master" && f.id == 0 && f.addr == "" && f.laddr == "" &&
		(f.user == "" || f.user == "default")
}

func (s *Server) findClient(match func(*client) bool) *client {
	for _, o := range s.clients.list() {
		if match(o) {
			return o
		}
	}
	return nil
}

// kill closes target's connection. A client that kills itself is closed
// after its reply is written, as Redis does.
func (s *Server) kill(me, target *client) {
	if target == me {
		me.closeAfterReply = true
		return
	}
	target.killed.Store(true)
	target.conn.Close()
}

// parseTimeoutMs reads a timeout in milliseconds (CLIENT PAUSE, WAIT),
// replying Redis's error when it is not a non-negative integer.
func parseTimeoutMs(cl *client, arg []byte) (int64, bool) {
	ms, ok := proto.ParseInt(arg)
	if !ok {
		cl.w.Error("ERR timeout is not an integer or out of range")
		return 0, false
	}
	if ms < 0 {
		cl.w.Error("ERR timeout is negative")
		return 0, false
	}
	return ms, true
}

// CLIENT PAUSE timeout [WRITE | ALL]
func cmdClientPause(s *Server, cl *client, argv [][]byte) {
	ms, ok := parseTimeoutMs(cl, argv[2])
	if !ok {
		return
	}
	all := true
	if len(argv) == 4 {
		switch {
		case proto.EqualFold(argv[3], "WRITE"):
			all = false
		case proto.EqualFold(argv[3], "ALL"):
		default:
			cl.w.Error("ERR CLIENT PAUSE mode must be WRITE or ALL")
			return
		}
	} else if len(argv) > 4 {
		cl.w.Error("ERR unknown subcommand or wrong number of arguments for '" + cString(argv[1], 128) + "'. Try CLIENT HELP.")
		return
	}
	s.pause.start(s, time.Duration(ms)*time.Millisecond, all)
	cl.w.OK()
}

// CLIENT UNPAUSE
func cmdClientUnpause(s *Server, cl *client, argv [][]byte) {
	s.pause.stop()
	cl.w.OK()
}

// CLIENT REPLY ON | OFF | SKIP
func cmdClientReply(s *Server, cl *client, argv [][]byte) {
	switch {
	case proto.EqualFold(argv[2], "ON"):
		cl.replyMode, cl.skipReply = replyOn, false
		cl.w.OK()
	case proto.EqualFold(argv[2], "OFF"):
		cl.replyMode = replyOff
	case proto.EqualFold(argv[2], "SKIP"):
		// SKIP means nothing while replies are off, as in Redis.
		if cl.replyMode != replyOff {
			cl.replyMode = replySkipNext
		}
	default:
		cl.w.Error("ERR syntax error")
	}
}

// CLIENT NO-EVICT ON | OFF
func cmdClientNoEvict(s *Server, cl *client, argv [][]byte) {
	if !proto.EqualFold(argv[2], "ON") && !proto.EqualFold(argv[2], "OFF") {
		cl.w.Error("ERR syntax error")
		return
	}
	cl.w.OK()
}

// CLIENT HELP
func cmdClientHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "CLIENT", []string{
		"GETNAME",
		"    Return the name of the current connection.",
		"ID",
		"    Return the ID of the current connection.",
		"INFO",
		"    Return information about the current client connection.",
		"KILL <ip:port>",
		"    Kill connection made from <ip:port>.",
		"KILL <option> <value> [<option> <value> [...]]",
		"    Kill connections. Options are:",
		"    * ADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made from the specified address",
		"    * LADDR (<ip:port>|<unixsocket>:0)",
		"      Kill connections made to specified local address",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Kill connections by type.",
		"    * USER <username>",
		"      Kill connections authenticated by <username>.",
		"    * SKIPME (YES|NO)",
		"      Skip killing current connection (default: yes).",
		"    * ID <client-id>",
		"      Kill connections by client id.",
		"    * MAXAGE <maxage>",
		"      Kill connections older than the specified age.",
		"LIST [options ...]",
		"    Return information about client connections. Options:",
		"    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
		"      Return clients of specified type.",
		"UNBLOCK <clientid> [TIMEOUT|ERROR]",
		"    Unblock the specified blocked client.",
		"UNPAUSE",
		"    Stop the current client pause, resuming traffic.",
		"PAUSE <timeout> [WRITE|ALL]",
		"    Suspend all, or just write, clients for <timeout> milliseconds.",
		"REPLY (ON|OFF|SKIP)",
		"    Control the replies sent to the current connection.",
		"SETNAME <name>",
		"    Assign the name <name> to the current connection.",
		"NO-EVICT (ON|OFF)",
		"    Protect current client connection from eviction.",
	})
}

// writeHelp writes a HELP reply as Redis's addReplyHelp does: a title line,
// the lines, and a closing HELP line.
func writeHelp(w *proto.Writer, name string, lines []string) {
	w.ArrayLen(len(lines) + 3)
	w.Simple(name + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:")
	for _, l := range lines {
		w.Simple(l)
	}
	w.Simple("HELP")
	w.Simple("    Prints this help.")
}
