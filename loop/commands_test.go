package loop

import (
	"strings"
	"testing"

	"redis-fast/db"
)

// TestCommandTableInvariants checks what every row must satisfy for the
// dispatcher to be right about it.
func TestCommandTableInvariants(t *testing.T) {
	table := buildCommandTable()
	check := func(cmd *command) {
		t.Helper()
		name := cmd.fullname
		switch {
		case cmd.Name != strings.ToLower(cmd.Name) || cmd.Name == "":
			t.Errorf("%s: names are lower-case", name)
		case cmd.Arity == 0:
			t.Errorf("%s: arity 0 means nothing", name)
		case cmd.Flags&db.Write != 0 && cmd.Flags&db.ReadOnly != 0:
			t.Errorf("%s: both write and readonly", name)
		case cmd.Run == nil && cmd.exec == nil && cmd.subs == nil:
			t.Errorf("%s: nothing runs it", name)
		case cmd.Run != nil && cmd.exec != nil:
			t.Errorf("%s: both a data handler and a server handler", name)
		case cmd.Group == "" || cmd.Since == "":
			t.Errorf("%s: group and since are for COMMAND DOCS", name)
		}
		if cmd.Keys == nil && cmd.FirstKey > 0 {
			arity := cmd.Arity
			if arity < 0 {
				arity = -arity
			}
			if cmd.FirstKey >= arity {
				t.Errorf("%s: first key %d is beyond the arity %d", name, cmd.FirstKey, cmd.Arity)
			}
			if cmd.LastKey > 0 && (cmd.LastKey < cmd.FirstKey || cmd.Arity > 0 && cmd.LastKey >= cmd.Arity) {
				t.Errorf("%s: last key %d is out of range", name, cmd.LastKey)
			}
			if cmd.Step <= 0 {
				t.Errorf("%s: a command with keys needs a step", name)
			}
		}
		if cmd.Flags&(db.AllShards|db.MultiDB) == db.AllShards|db.MultiDB {
			t.Errorf("%s: allShards and multiDB exclude each other", name)
		}
	}
	for key, cmd := range table {
		if key != cmd.Name {
			t.Errorf("%q is filed under %q", cmd.Name, key)
		}
		check(cmd)
		for subKey, sub := range cmd.subs {
			if subKey != sub.Name {
				t.Errorf("%s: %q is filed under %q", cmd.Name, sub.Name, subKey)
			}
			check(sub)
		}
	}
}
