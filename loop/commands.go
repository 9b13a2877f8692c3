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
	return [][]serverCommand{connCommands, clientCommands, commandCommands, configCommands, infoCommands, latencyCommands, multiCommands, serverCommands, slowlogCommands}
}

// buildCommandTable assembles every table into one map from lower-case name
// to command. It is built once at start-up and only read afterwards, so the
// reactors share it without locks. A name defined twice is a programming
// error and panics, as http.ServeMux does.
func buildCommandTable() map[string]*command {
	table := make(map[string]*command)
	add := func(cmd *command) {
		if _, dup := table[cmd.Name]; dup {
			panic(fmt.Sprintf("loop: command %q defined twice", cmd.Name))
		}
		table[cmd.Name] = cmd
	}
	for _, group := range dataGroups() {
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
