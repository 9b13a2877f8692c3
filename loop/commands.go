package loop

import (
	"fmt"

	"redis-fast/db"
)

// command is one entry of the assembled command table: a data command from
// db (which runs through its Run on locked shards), or a server command from
// this package (which runs through exec, with the connection at hand).
type command struct {
	db.Command
	exec     func(s *Server, cl *client, argv [][]byte)
	subs     map[string]*command // subcommands of a container command
	fullname string              // "config|get" for a subcommand
}

// serverCommand is a row of one of this package's tables (cmd_*.go).
type serverCommand struct {
	db.Command
	exec func(s *Server, cl *client, argv [][]byte)
	sub  []serverCommand
}

// dataGroups are the db tables, one per command group.
func dataGroups() [][]db.Command {
	return db.Groups()
}

// serverGroups are this package's tables.
func serverGroups() [][]serverCommand {
	return [][]serverCommand{connCommands, clientCommands, commandCommands, configCommands, infoCommands, latencyCommands, multiCommands, pubsubCommands, replicationCommands, serverCommands, slowlogCommands}
}

// buildCommandTable assembles every table, and the extra data commands of
// other packages (DUMP and RESTORE, from the RDB codec), into one map from
// lower-case name to command. It is built once at start-up and only read afterwards, so the
// reactors share it without locks. A name defined twice is a programming
// error and panics, as http.ServeMux does.
func buildCommandTable(extra ...[]db.Command) map[string]*command {
	table := make(map[string]*command)
	add := func(cmd *command) {
		if _, dup := table[cmd.Name]; dup {
			panic(fmt.Sprintf("loop: command %q defined twice", cmd.Name))
		}
		table[cmd.Name] = cmd
	}
	for _, group := range append(dataGroups(), extra...) {
		for _, row := range group {
			cmd := &command{Command: row, fullname: row.Name}
			if len(row.Sub) > 0 {
				cmd.subs = make(map[string]*command)
				for _, sub := range row.Sub {
					cmd.subs[sub.Name] = &command{Command: sub, fullname: row.Name + "|" + sub.Name}
				}
			}
			add(cmd)
		}
	}
	for _, group := range serverGroups() {
		for _, row := range group {
			add(newServerCommand(row, ""))
		}
	}
	return table
}

func newServerCommand(row serverCommand, parent string) *command {
	cmd := &command{Command: row.Command, exec: row.exec, fullname: row.Name}
	if parent != "" {
		cmd.fullname = parent + "|" + row.Name
	}
	if len(row.sub) > 0 {
		cmd.subs = make(map[string]*command)
		for _, sub := range row.sub {
			cmd.subs[sub.Name] = newServerCommand(sub, row.Name)
			cmd.Sub = append(cmd.Sub, sub.Command)
		}
	}
	return cmd
}

// commandIndex finds a command by its name in any letter case, for the
// dispatcher. It hashes the name while folding its case, in one pass, and
// probes an open-addressing table that is at least four times larger than
// the command count, so a lookup is usually one comparison: cheaper than
// lower-casing into a buffer and then hashing it again for a map. It is
// built once and only read afterwards.
type commandIndex struct {
	slots []*command
	mask  uint64
}

func newCommandIndex(table map[string]*command) commandIndex {
	size := 1
	for size < 4*len(table) {
		size *= 2
	}
	ix := commandIndex{slots: make([]*command, size), mask: uint64(size - 1)}
	for name, cmd := range table {
		i := foldHash([]byte(name)) & ix.mask
		for ix.slots[i] != nil {
			i = (i + 1) & ix.mask
		}
		ix.slots[i] = cmd
	}
	return ix
}

// get returns the command named name, in any case, or nil.
func (ix *commandIndex) get(name []byte) *command {
	for i := foldHash(name) & ix.mask; ; i = (i + 1) & ix.mask {
		cmd := ix.slots[i]
		if cmd == nil || equalFoldLower(name, cmd.Name) {
			return cmd
		}
	}
}

// foldHash is FNV-1a over name with ASCII letters lower-cased.
func foldHash(name []byte) uint64 {
	h := uint64(14695981039346656037)
	for _, c := range name {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h = (h ^ uint64(c)) * 1099511628211
	}
	return h
}

// equalFoldLower reports whether b equals the lower-case name s, ignoring
// the case of b's ASCII letters.
func equalFoldLower(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
