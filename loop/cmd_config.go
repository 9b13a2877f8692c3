package loop

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"sort"
	"strings"

	"redis-fast/db"
)

var configCommands = []serverCommand{
	{Command: db.Command{Name: "config", Arity: -2, Group: "server", Since: "2.0.0"}, sub: []serverCommand{
		{Command: db.Command{Name: "get", Arity: -3, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.0.0"}, exec: cmdConfigGet},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "server", Since: "5.0.0"}, exec: cmdConfigHelp},
		{Command: db.Command{Name: "resetstat", Arity: 2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.0.0"}, exec: cmdConfigResetstat},
		{Command: db.Command{Name: "rewrite", Arity: 2, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.8.0"}, exec: cmdConfigRewrite},
		{Command: db.Command{Name: "set", Arity: -4, Flags: db.Admin | db.NoScript | db.Loading | db.Stale, Group: "server", Since: "2.0.0"}, exec: cmdConfigSet},
	}},
}

// CONFIG GET parameter [parameter ...]
func cmdConfigGet(s *Server, cl *client, argv [][]byte) {
	cfg := s.config()
	seen := map[string]bool{}
	var pairs []string
	for _, pattern := range argv[2:] {
		if !bytes.ContainsAny(pattern, "*?[") {
			// A plain name is looked up directly, and Redis answers with
			// the name as it was asked for.
			if d := findDirective(string(pattern)); d != nil && !seen[d.name] {
				seen[d.name] = true
				pairs = append(pairs, string(pattern), d.get(&cfg))
			}
			continue
		}
		for _, d := range directives {
			if seen[d.name] || !db.Match(pattern, []byte(d.name), true /* nocase */) {
				continue
			}
			seen[d.name] = true
			pairs = append(pairs, d.name, d.get(&cfg))
		}
	}
	cl.w.MapLen(len(pairs) / 2)
	for _, p := range pairs {
		cl.w.BulkString(p)
	}
}

// CONFIG SET parameter value [parameter value ...]
//
// All the pairs are applied or none is, as Redis does.
func cmdConfigSet(s *Server, cl *client, argv [][]byte) {
	if len(argv)%2 != 0 {
		cl.w.Error("ERR wrong number of arguments for 'config|set' command")
		return
	}
	s.cfgMu.Lock()
	next := s.cfg
	next.Bind = append([]string(nil), s.cfg.Bind...)
	s.cfgMu.Unlock()
	seen := map[string]bool{}
	for i := 2; i < len(argv); i += 2 {
		name := strings.ToLower(string(argv[i]))
		d := findDirective(name)
		if d == nil {
			cl.w.Error("ERR Unknown option or number of arguments for CONFIG SET - '" + string(argv[i]) + "'")
			return
		}
		if seen[d.name] {
			cl.w.Error("ERR CONFIG SET failed (possibly related to argument '" + d.name + "') - duplicate parameter")
			return
		}
		seen[d.name] = true
		if d.immutable {
			cl.w.Error("ERR CONFIG SET failed (possibly related to argument '" + d.name + "') - can't set immutable config")
			return
		}
		if err := d.set(&next, configArgs(d.name, string(argv[i+1]))); err != nil {
			cl.w.Error("ERR CONFIG SET failed (possibly related to argument '" + d.name + "') - " + err.Error())
			return
		}
	}
	s.cfgMu.Lock()
	prev := s.cfg
	s.cfg = next
	s.cfgMu.Unlock()
	s.applyHotConfig(&next)
	s.applyPersistenceConfig(&prev, &next)
	cl.w.OK()
}

// configArgs splits a CONFIG SET value the way the directive reads it: bind
// takes a list of addresses, every other directive one value.
func configArgs(name, value string) []string {
	if name == "bind" {
		return strings.Fields(value)
	}
	return []string{value}
}

// CONFIG RESETSTAT
func cmdConfigResetstat(s *Server, cl *client, argv [][]byte) {
	s.resetStats()
	cl.w.OK()
}

// CONFIG REWRITE
func cmdConfigRewrite(s *Server, cl *client, argv [][]byte) {
	cfg := s.config()
	if cfg.ConfigFile == "" {
		cl.w.Error("ERR The server is running without a config file")
		return
	}
	if err := rewriteConfigFile(cfg.ConfigFile, &cfg); err != nil {
		cl.w.Error("ERR Rewriting config file: " + err.Error())
		return
	}
	s.log.Noticef("CONFIG REWRITE executed with success.")
	cl.w.OK()
}

// rewriteConfigFile rewrites path so that it holds cfg: lines that set a
// directive are replaced by its current value (or dropped, when the
// directive is back to its default and was not in the file), comments and
// unknown lines stay, and directives that differ from their defaults but
// had no line are appended.
func rewriteConfigFile(path string, cfg *Config) error {
	old, err := os.ReadFile(path)
	if err != nil && !os.IsNotExist(err) {
		return err
	}
	def := DefaultConfig()
	written := map[string]bool{}
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(old))
	for sc.Scan() {
		line := sc.Text()
		fields := strings.Fields(line)
		if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
			out.WriteString(line + "\n")
			continue
		}
		d := findDirective(fields[0])
		if d == nil || written[d.name] {
			if d == nil {
				out.WriteString(line + "\n")
			}
			continue
		}
		written[d.name] = true
		out.WriteString(d.name + " " + quoteConfig(d.get(cfg)) + "\n")
	}
	added := false
	names := DirectiveNames()
	sort.Strings(names)
	for _, name := range names {
		d := findDirective(name)
		if written[d.name] || d.get(cfg) == d.get(&def) {
			continue
		}
		if !added {
			out.WriteString("# Generated by CONFIG REWRITE\n")
			added = true
		}
		out.WriteString(d.name + " " + quoteConfig(d.get(cfg)) + "\n")
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, out.Bytes(), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// quoteConfig quotes a value that is empty or holds blanks, so the file
// reads back the same.
func quoteConfig(v string) string {
	if v == "" || strings.ContainsAny(v, " \t\"'") {
		return fmt.Sprintf("%q", v)
	}
	return v
}

// CONFIG HELP
func cmdConfigHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "CONFIG", []string{
		"GET <pattern>",
		"    Return parameters matching the glob-like <pattern> and their values.",
		"SET <directive> <value>",
		"    Set the configuration <directive> to <value>.",
		"RESETSTAT",
		"    Reset statistics reported by the INFO command.",
		"REWRITE",
		"    Rewrite the configuration file.",
	})
}
