package loop

import (
	"sort"
	"strings"

	"redis-fast/db"
	"redis-fast/proto"
)

// commandCommands is COMMAND and its subcommands. Everything they report is
// generated from the command table, so it cannot drift from what the
// dispatcher does.
var commandCommands = []serverCommand{
	{Command: db.Command{Name: "command", Arity: -1, Flags: db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdCommand, sub: []serverCommand{
		{Command: db.Command{Name: "count", Arity: 2, Flags: db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdCommandCount},
		{Command: db.Command{Name: "docs", Arity: -2, Flags: db.Loading | db.Stale, Group: "server", Since: "7.0.0"}, exec: cmdCommandDocs},
		{Command: db.Command{Name: "getkeys", Arity: -4, Flags: db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdCommandGetkeys},
		{Command: db.Command{Name: "getkeysandflags", Arity: -4, Flags: db.Loading | db.Stale, Group: "server", Since: "7.0.0"}, exec: cmdCommandGetkeysAndFlags},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "server", Since: "5.0.0"}, exec: cmdCommandHelp},
		{Command: db.Command{Name: "info", Arity: -2, Flags: db.Loading | db.Stale, Group: "server", Since: "2.8.13"}, exec: cmdCommandInfo},
		{Command: db.Command{Name: "list", Arity: -2, Flags: db.Loading | db.Stale, Group: "server", Since: "7.0.0"}, exec: cmdCommandList},
	}},
}

// sortedCommands returns the top-level commands by name.
func (s *Server) sortedCommands() []*command {
	out := make([]*command, 0, len(s.commands))
	for _, cmd := range s.commands {
		out = append(out, cmd)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// sortedSubs returns a container's subcommands by name.
func (cmd *command) sortedSubs() []*command {
	out := make([]*command, 0, len(cmd.subs))
	for _, sub := range cmd.subs {
		out = append(out, sub)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// COMMAND
func cmdCommand(s *Server, cl *client, argv [][]byte) {
	cmds := s.sortedCommands()
	cl.w.ArrayLen(len(cmds))
	for _, cmd := range cmds {
		writeCommandInfo(&cl.w, cmd)
	}
}

// COMMAND COUNT
func cmdCommandCount(s *Server, cl *client, argv [][]byte) {
	cl.w.Int(int64(len(s.commands)))
}

// findByFullName finds "get" or "config|get".
func (s *Server) findByFullName(name string) *command {
	name = strings.ToLower(name)
	parent, sub, isSub := strings.Cut(name, "|")
	cmd := s.commands[parent]
	if !isSub || cmd == nil {
		return cmd
	}
	return cmd.subs[sub]
}

// COMMAND INFO [command-name [command-name ...]]
func cmdCommandInfo(s *Server, cl *client, argv [][]byte) {
	if len(argv) == 2 {
		cmdCommand(s, cl, argv)
		return
	}
	cl.w.ArrayLen(len(argv) - 2)
	for _, name := range argv[2:] {
		if cmd := s.findByFullName(string(name)); cmd != nil {
			writeCommandInfo(&cl.w, cmd)
		} else {
			cl.w.Null()
		}
	}
}

// writeCommandInfo writes the ten fields COMMAND INFO gives per command:
// name, arity, flags, first key, last key, step, ACL categories, tips, key
// specifications, subcommands.
func writeCommandInfo(w *proto.Writer, cmd *command) {
	w.ArrayLen(10)
	w.BulkString(cmd.fullname)
	w.Int(int64(cmd.Arity))
	flags := cmd.Flags.Names()
	w.SetLen(len(flags))
	for _, f := range flags {
		w.Simple(f)
	}
	first, last, step := cmd.FirstKey, cmd.LastKey, cmd.Step
	if cmd.Keys != nil && cmd.FirstKey == 0 {
		first, last, step = 0, 0, 0
	}
	w.Int(int64(first))
	w.Int(int64(last))
	w.Int(int64(step))
	cats := aclCategories(cmd)
	w.SetLen(len(cats))
	for _, c := range cats {
		w.Simple(c)
	}
	w.SetLen(0) // tips
	writeKeySpecs(w, cmd)
	subs := cmd.sortedSubs()
	w.SetLen(len(subs))
	for _, sub := range subs {
		writeCommandInfo(w, sub)
	}
}

// writeKeySpecs writes the key specification that first/last/step describe.
func writeKeySpecs(w *proto.Writer, cmd *command) {
	if cmd.FirstKey <= 0 {
		w.SetLen(0)
		return
	}
	w.SetLen(1)
	w.MapLen(3)
	w.BulkString("flags")
	if cmd.Flags&db.ReadOnly != 0 {
		w.SetLen(2)
		w.Simple("RO")
		w.Simple("access")
	} else {
		w.SetLen(2)
		w.Simple("RW")
		w.Simple("update")
	}
	w.BulkString("begin_search")
	w.MapLen(2)
	w.BulkString("type")
	w.BulkString("index")
	w.BulkString("spec")
	w.MapLen(1)
	w.BulkString("index")
	w.Int(int64(cmd.FirstKey))
	w.BulkString("find_keys")
	w.MapLen(2)
	w.BulkString("type")
	w.BulkString("range")
	w.BulkString("spec")
	w.MapLen(3)
	last := cmd.LastKey
	if last >= 0 {
		last -= cmd.FirstKey
	}
	w.BulkString("lastkey")
	w.Int(int64(last))
	w.BulkString("keystep")
	w.Int(int64(max(cmd.Step, 1)))
	w.BulkString("limit")
	w.Int(0)
}

// aclCategories derives a command's ACL categories from its flags and
// group, in the order Redis lists categories.
func aclCategories(cmd *command) []string {
	f := cmd.Flags
	var cats []string
	add := func(cond bool, name string) {
		if cond {
			cats = append(cats, name)
		}
	}
	add(cmd.Group == "generic", "@keyspace")
	add(f&db.ReadOnly != 0, "@read")
	add(f&db.Write != 0, "@write")
	add(cmd.Group == "set", "@set")
	add(cmd.Group == "sorted_set", "@sortedset")
	add(cmd.Group == "list", "@list")
	add(cmd.Group == "hash", "@hash")
	add(cmd.Group == "string", "@string")
	add(f&db.PubSub != 0 || cmd.Group == "pubsub", "@pubsub")
	add(f&db.Admin != 0, "@admin")
	add(f&db.Fast != 0, "@fast")
	add(f&db.Fast == 0, "@slow")
	add(f&db.Blocking != 0, "@blocking")
	add(f&db.Admin != 0, "@dangerous")
	add(cmd.Group == "connection", "@connection")
	add(cmd.Group == "transactions", "@transaction")
	return cats
}

// COMMAND DOCS [command-name [command-name ...]]
func cmdCommandDocs(s *Server, cl *client, argv [][]byte) {
	var cmds []*command
	if len(argv) == 2 {
		cmds = s.sortedCommands()
	} else {
		for _, name := range argv[2:] {
			if cmd := s.findByFullName(string(name)); cmd != nil {
				cmds = append(cmds, cmd)
			}
		}
	}
	cl.w.MapLen(len(cmds))
	for _, cmd := range cmds {
		cl.w.BulkString(cmd.fullname)
		writeCommandDocs(&cl.w, cmd)
	}
}

func writeCommandDocs(w *proto.Writer, cmd *command) {
	n := 2
	if cmd.Summary != "" {
		n++
	}
	subs := cmd.sortedSubs()
	if len(subs) > 0 {
		n++
	}
	w.MapLen(n)
	if cmd.Summary != "" {
		w.BulkString("summary")
		w.BulkString(cmd.Summary)
	}
	w.BulkString("since")
	w.BulkString(cmd.Since)
	w.BulkString("group")
	w.BulkString(cmd.Group)
	if len(subs) > 0 {
		w.BulkString("subcommands")
		w.MapLen(len(subs))
		for _, sub := range subs {
			w.BulkString(sub.fullname)
			writeCommandDocs(w, sub)
		}
	}
}

// COMMAND LIST [FILTERBY MODULE module-name | ACLCAT category | PATTERN pattern]
func cmdCommandList(s *Server, cl *client, argv [][]byte) {
	match := func(*command) bool { return true }
	switch {
	case len(argv) == 2:
	case len(argv) == 5 && proto.EqualFold(argv[2], "FILTERBY"):
		val := argv[4]
		switch {
		case proto.EqualFold(argv[3], "MODULE"):
			match = func(*command) bool { return false }
		case proto.EqualFold(argv[3], "ACLCAT"):
			cat := "@" + strings.ToLower(string(val))
			match = func(cmd *command) bool {
				for _, c := range aclCategories(cmd) {
					if c == cat {
						return true
					}
				}
				return false
			}
		case proto.EqualFold(argv[3], "PATTERN"):
			match = func(cmd *command) bool { return db.Match(val, []byte(cmd.fullname), true /* nocase */) }
		default:
			cl.w.Error("ERR syntax error")
			return
		}
	default:
		cl.w.Error("ERR syntax error")
		return
	}
	var names []string
	for _, cmd := range s.sortedCommands() {
		if match(cmd) {
			names = append(names, cmd.fullname)
		}
		for _, sub := range cmd.sortedSubs() {
			if match(sub) {
				names = append(names, sub.fullname)
			}
		}
	}
	cl.w.ArrayLen(len(names))
	for _, n := range names {
		cl.w.BulkString(n)
	}
}

// commandKeys finds the keys of the command in argv[2:], replying with
// Redis's error when there are none to find.
func (s *Server) commandKeys(cl *client, argv [][]byte) (*command, []int, bool) {
	target := argv[2:]
	cmd, _ := s.lookupCommand(target)
	switch {
	case cmd == nil:
		cl.w.Error("ERR Invalid command specified")
		return nil, nil, false
	case cmd.FirstKey <= 0 && cmd.Keys == nil:
		cl.w.Error("ERR The command has no key arguments")
		return nil, nil, false
	case cmd.Arity > 0 && len(target) != cmd.Arity || len(target) < -cmd.Arity:
		cl.w.Error("ERR Invalid number of arguments specified for command")
		return nil, nil, false
	}
	keys := cmd.KeyIndexes(nil, target)
	if len(keys) == 0 {
		cl.w.Error("ERR Invalid arguments specified for command")
		return nil, nil, false
	}
	return cmd, keys, true
}

// COMMAND GETKEYS command [arg [arg ...]]
func cmdCommandGetkeys(s *Server, cl *client, argv [][]byte) {
	_, keys, ok := s.commandKeys(cl, argv)
	if !ok {
		return
	}
	cl.w.ArrayLen(len(keys))
	for _, i := range keys {
		cl.w.Bulk(argv[2+i])
	}
}

// COMMAND GETKEYSANDFLAGS command [arg [arg ...]]
func cmdCommandGetkeysAndFlags(s *Server, cl *client, argv [][]byte) {
	cmd, keys, ok := s.commandKeys(cl, argv)
	if !ok {
		return
	}
	cl.w.ArrayLen(len(keys))
	for _, i := range keys {
		cl.w.ArrayLen(2)
		cl.w.Bulk(argv[2+i])
		if cmd.Flags&db.ReadOnly != 0 {
			cl.w.SetLen(2)
			cl.w.Simple("RO")
			cl.w.Simple("access")
		} else {
			cl.w.SetLen(2)
			cl.w.Simple("RW")
			cl.w.Simple("update")
		}
	}
}

// COMMAND HELP
func cmdCommandHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "COMMAND", []string{
		"(no subcommand)",
		"    Return details about all Redis commands.",
		"COUNT",
		"    Return the total number of commands in this Redis server.",
		"LIST",
		"    Return a list of all commands in this Redis server.",
		"INFO [<command-name> ...]",
		"    Return details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"DOCS [<command-name> ...]",
		"    Return documentation details about multiple Redis commands.",
		"    If no command names are given, documentation details for all",
		"    commands are returned.",
		"GETKEYS <full-command>",
		"    Return the keys from a full Redis command.",
		"GETKEYSANDFLAGS <full-command>",
		"    Return the keys and the access flags from a full Redis command.",
	})
}
