package integration

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// commandRow is what the dispatcher relies on from COMMAND INFO: arity,
// flags and the key positions.
type commandRow struct {
	name              string
	arity             int64
	flags             string
	first, last, step int64
	subs              []commandRow
}

func (r commandRow) String() string {
	return fmt.Sprintf("arity=%d flags=[%s] keys=%d,%d,%d", r.arity, r.flags, r.first, r.last, r.step)
}

func parseCommandRows(t *testing.T, raw string) []commandRow {
	t.Helper()
	v, err := parseValue(raw)
	if err != nil {
		t.Fatalf("COMMAND reply does not parse: %v", err)
	}
	list, ok := v.([]any)
	if !ok {
		t.Fatalf("COMMAND reply is %T, want an array", v)
	}
	var rows []commandRow
	for _, e := range list {
		if e == nil {
			continue
		}
		rows = append(rows, toCommandRow(t, e.([]any)))
	}
	return rows
}

func toCommandRow(t *testing.T, f []any) commandRow {
	t.Helper()
	if len(f) != 10 {
		t.Fatalf("COMMAND INFO entry has %d fields, want 10: %v", len(f), f)
	}
	var flags []string
	for _, x := range f[2].([]any) {
		flags = append(flags, x.(string))
	}
	sort.Strings(flags)
	row := commandRow{
		name:  f[0].(string),
		arity: f[1].(int64),
		flags: strings.Join(flags, " "),
		first: f[3].(int64),
		last:  f[4].(int64),
		step:  f[5].(int64),
	}
	for _, sub := range f[9].([]any) {
		row.subs = append(row.subs, toCommandRow(t, sub.([]any)))
	}
	return row
}

// TestCommandTableMatchesRedis compares every command redis-fast has with
// the same command in a real redis-server: same arity, same flags, same key
// positions, subcommands included. These are what the dispatcher checks, so
// a difference is a behaviour difference.
func TestCommandTableMatchesRedis(t *testing.T) {
	redis := startRedis(t)
	fast := startServer(t)
	ours := parseCommandRows(t, dialRaw(t, fast.Addr()).Do("COMMAND"))
	if len(ours) == 0 {
		t.Fatal("COMMAND lists no commands")
	}
	oracle := dialRaw(t, redis.Addr())
	for _, row := range ours {
		theirs := parseCommandRows(t, oracle.Do("COMMAND", "INFO", row.name))
		if len(theirs) != 1 {
			t.Errorf("%s: Redis 7.0 has no such command", row.name)
			continue
		}
		compareRows(t, row, theirs[0])
	}
	t.Logf("%d commands compared", len(ours))
}

func compareRows(t *testing.T, ours, theirs commandRow) {
	t.Helper()
	if ours.String() != theirs.String() {
		t.Errorf("%s:\n  redis:      %s\n  redis-fast: %s", ours.name, theirs, ours)
	}
	subs := map[string]commandRow{}
	for _, s := range theirs.subs {
		subs[s.name] = s
	}
	for _, s := range ours.subs {
		other, ok := subs[s.name]
		if !ok {
			t.Errorf("%s: Redis 7.0 has no such subcommand", s.name)
			continue
		}
		compareRows(t, s, other)
	}
}
