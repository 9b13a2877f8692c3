package loop

import (
	"strconv"
	"strings"
	"testing"
)

// TestSaveDirectiveFile: the save lines of a config file add up, the first
// one replacing the defaults, and save "" clears them; malformed pairs are
// refused with Redis's error, naming the line. Every case was checked
// against redis-server 7.0.15.
func TestSaveDirectiveFile(t *testing.T) {
	def := DefaultConfig().Save
	for _, tc := range []struct {
		name  string
		lines []string
		want  string // the save points; "-" for an error
	}{
		{name: "no_line", lines: []string{"port 7000"}, want: def},
		{name: "two_lines_add_up", lines: []string{"save 100 1", "save 200 2"}, want: "100 1 200 2"},
		{name: "the_same_pair_twice", lines: []string{"save 100 1", "save 100 1"}, want: "100 1 100 1"},
		{name: "empty_clears", lines: []string{"save 100 1", `save ""`, "save 300 3"}, want: "300 3"},
		{name: "empty_twice", lines: []string{`save ""`, `save ""`}, want: ""},
		{name: "pairs_in_one_word", lines: []string{`save "100 1 200 2"`}, want: "100 1 200 2"},
		{name: "blanks_in_one_word", lines: []string{`save " 100  1 "`}, want: "100 1"},
		{name: "several_pairs", lines: []string{"save 3600 1 300 100"}, want: "3600 1 300 100"},
		{name: "sign", lines: []string{"save +100 1"}, want: "100 1"},
		{name: "seconds_clamped", lines: []string{"save 99999999999999999999 1"}, want: "9223372036854775807 1"},
		{name: "changes_is_a_c_int", lines: []string{"save 100 4294967297"}, want: "100 1"},
		{name: "words", lines: []string{`save "abc def"`}, want: "-"},
		{name: "odd_in_one_word", lines: []string{`save "1 2 3"`}, want: "-"},
		{name: "odd", lines: []string{"save 1 2 3"}, want: "-"},
		{name: "odd_after_a_pair", lines: []string{"save 100 1 200"}, want: "-"},
		{name: "negative_changes", lines: []string{"save 100 -1"}, want: "-"},
		{name: "negative_seconds", lines: []string{"save -1 1"}, want: "-"},
		{name: "zero_seconds", lines: []string{"save 0 0"}, want: "-"},
		{name: "two_empty_words", lines: []string{`save "" ""`}, want: "-"},
		{name: "empty_then_a_pair", lines: []string{`save "" 100 1`}, want: "-"},
		{name: "a_pair_then_empty", lines: []string{`save 100 1 ""`}, want: "-"},
		{name: "two_quoted_pairs", lines: []string{`save "100 1" "200 2"`}, want: "-"},
		{name: "fraction", lines: []string{"save 1.5 1"}, want: "-"},
		{name: "trailing_letters", lines: []string{"save 10abc 1"}, want: "-"},
		{name: "bad_line_after_good", lines: []string{"save 100 1", "save x 1"}, want: "-"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			err := cfg.ReadFile(strings.NewReader(strings.Join(tc.lines, "\n")+"\n"), "redis.conf")
			switch {
			case tc.want == "-" && err == nil:
				t.Fatalf("lines %q: accepted, save is %q; want Invalid save parameters", tc.lines, cfg.Save)
			case tc.want == "-" && !strings.Contains(err.Error(), "Invalid save parameters"):
				t.Fatalf("lines %q: error %q, want Invalid save parameters", tc.lines, err)
			case tc.want == "-":
				if !strings.Contains(err.Error(), ":"+strconv.Itoa(len(tc.lines))+":") {
					t.Errorf("lines %q: error %q does not name line %d", tc.lines, err, len(tc.lines))
				}
			case err != nil:
				t.Fatalf("lines %q: %v", tc.lines, err)
			case cfg.Save != tc.want:
				t.Fatalf("lines %q: save is %q, want %q", tc.lines, cfg.Save, tc.want)
			}
		})
	}
}

// TestSaveDirectiveFlags: the command line's --save adds to the config
// file's save lines, as redis-server's options do, and --save "" (no
// word once split) clears them.
func TestSaveDirectiveFlags(t *testing.T) {
	for _, tc := range []struct {
		name  string
		file  string
		flags [][]string
		want  string
	}{
		{name: "flag_adds_to_file", file: "save 100 1\n", flags: [][]string{{"200", "2"}}, want: "100 1 200 2"},
		{name: "flag_replaces_defaults", flags: [][]string{{"200", "2"}}, want: "200 2"},
		{name: "two_flags", flags: [][]string{{"200", "2"}, {"300", "3"}}, want: "200 2 300 3"},
		{name: "empty_flag_clears", file: "save 100 1\n", flags: [][]string{{}}, want: ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := DefaultConfig()
			if err := cfg.ReadFile(strings.NewReader(tc.file), "redis.conf"); err != nil {
				t.Fatal(err)
			}
			for _, f := range tc.flags {
				if err := cfg.Set("save", f); err != nil {
					t.Fatalf("--save %q: %v", f, err)
				}
			}
			if cfg.Save != tc.want {
				t.Fatalf("file %q, flags %q: save is %q, want %q", tc.file, tc.flags, cfg.Save, tc.want)
			}
		})
	}
}

// TestSaveDirectiveConfigSet: CONFIG SET save replaces the save points
// with the pairs of its value, split at single spaces as Redis does, and
// refuses malformed values with Redis's error.
func TestSaveDirectiveConfigSet(t *testing.T) {
	d := findDirective("save")
	for _, tc := range []struct {
		value string
		want  string // "-" for an error
	}{
		{value: "100 1 200 2", want: "100 1 200 2"},
		{value: "100 1 100 1", want: "100 1 100 1"},
		{value: "", want: ""},
		{value: "+100 1", want: "100 1"},
		{value: "99999999999999999999 1", want: "9223372036854775807 1"},
		{value: "100 4294967297", want: "100 1"},
		{value: "100 2147483648", want: "100 -2147483648"},
		{value: "abc def", want: "-"},
		{value: "1 2 3", want: "-"},
		{value: "0 0", want: "-"},
		{value: "100 -1", want: "-"},
		{value: "100  1", want: "-"},
		{value: " 100 1 ", want: "-"},
		{value: `"100 1"`, want: "-"},
		{value: `100 ""`, want: "-"},
	} {
		cfg := DefaultConfig()
		if err := cfg.ReadFile(strings.NewReader("save 5 5\n"), "redis.conf"); err != nil {
			t.Fatal(err)
		}
		err := d.set(&cfg, []string{tc.value})
		switch {
		case tc.want == "-" && (err == nil || err.Error() != "Invalid save parameters"):
			t.Errorf("CONFIG SET save %q: error %v, save %q; want Invalid save parameters", tc.value, err, cfg.Save)
		case tc.want == "-":
			if cfg.Save != "5 5" {
				t.Errorf("CONFIG SET save %q failed but changed save to %q", tc.value, cfg.Save)
			}
		case err != nil:
			t.Errorf("CONFIG SET save %q: %v", tc.value, err)
		case cfg.Save != tc.want:
			t.Errorf("CONFIG SET save %q: save is %q, want %q", tc.value, cfg.Save, tc.want)
		}
	}
}
