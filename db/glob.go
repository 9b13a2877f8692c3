package db

// Match reports whether s matches the glob pattern, with the semantics of
// Redis 7.0's stringmatchlen, quirks included, since KEYS, SCAN MATCH and
// CONFIG GET must select exactly what Redis selects:
//
//   - '*' matches any run of bytes, '?' any one byte.
//   - "[...]" matches one byte of a set: single bytes, ranges "a-z" (a
//     reversed range "z-a" means the same), "\x" for a literal x, and a
//     leading '^' negates the set. An unterminated '[' extends the set to the
//     end of the pattern; in "[a-]" the '-' makes a range up to ']'.
//   - '\x' matches x literally; a trailing '\' matches a backslash.
//   - Bytes compare as C's signed char, which matters in ranges of bytes
//     above 0x7f; nocase folds ASCII letters only.
//   - The empty string matches only the empty pattern: "*" does not match
//     "" (KEYS and SCAN treat the pattern "*" as "everything" before asking).
//   - A pattern whose '*'s nest deeper than 1000 matches nothing.
//
// Neither slice is retained. Match is safe for concurrent use.
func Match(pattern, s []byte, nocase bool) bool {
	var skipLonger bool
	return globMatch(pattern, s, nocase, &skipLonger, 0)
}

// maxGlobNesting bounds the recursion (one level per '*' that is not the
// pattern's last byte): deeper, the match fails, as in Redis, so that no
// pattern can exhaust the stack.
const maxGlobNesting = 1000

// globMatch matches one suffix of the pattern against one suffix of the
// subject. skipLonger is shared by the whole search: once the pattern after
// a '*' has failed against every suffix of the subject, no earlier '*' can
// make it match by consuming more, so every pending alternative gives up
// (Redis's fix for exponential backtracking).
func globMatch(p, s []byte, nocase bool, skipLonger *bool, nesting int) bool {
	if nesting > maxGlobNesting {
		return false
	}
	for len(p) > 0 && len(s) > 0 {
		switch p[0] {
		case '*':
			for len(p) > 1 && p[1] == '*' {
				p = p[1:]
			}
			if len(p) == 1 {
				return true
			}
			for ; len(s) > 0; s = s[1:] {
				if globMatch(p[1:], s, nocase, skipLonger, nesting+1) {
					return true
				}
				if *skipLonger {
					return false
				}
			}
			*skipLonger = true
			return false
		case '?':
			s = s[1:]
		case '[':
			var ok bool
			if p, ok = matchClass(p[1:], s[0], nocase); !ok {
				return false
			}
			s = s[1:]
		case '\\':
			if len(p) >= 2 {
				p = p[1:]
			}
			fallthrough
		default:
			if !sameByte(p[0], s[0], nocase) {
				return false
			}
			s = s[1:]
		}
		p = p[1:]
		if len(s) == 0 {
			for len(p) > 0 && p[0] == '*' {
				p = p[1:]
			}
			break
		}
	}
	return len(p) == 0 && len(s) == 0
}

// matchClass matches c against the set that starts at p (just past its
// '['). It returns the pattern from the set's last byte (the ']', or the
// pattern's last byte when the set is unterminated), which the caller steps
// past, and whether c is in the set.
func matchClass(p []byte, c byte, nocase bool) ([]byte, bool) {
	not := len(p) > 0 && p[0] == '^'
	if not {
		p = p[1:]
	}
	match := false
	for {
		switch {
		case len(p) >= 2 && p[0] == '\\':
			p = p[1:]
			if p[0] == c {
				match = true
			}
		case len(p) > 0 && p[0] == ']':
			return p, match != not
		case len(p) == 0:
			// Unterminated: the caller's step past the set must land on
			// the end of the pattern, so hand back a one-byte stand-in.
			return closeBracket[:], match != not
		case len(p) >= 3 && p[1] == '-':
			if inRange(p[0], p[2], c, nocase) {
				match = true
			}
			p = p[2:]
		default:
			if sameByte(p[0], c, nocase) {
				match = true
			}
		}
		p = p[1:]
	}
}

// closeBracket stands for the end of an unterminated set; never written.
var closeBracket = [1]byte{']'}

// inRange reports whether c lies between the bounds a and b, in either
// order, comparing as C's signed char (and folding case when nocase), as
// stringmatchlen does.
func inRange(a, b, c byte, nocase bool) bool {
	lo, hi, x := int(int8(a)), int(int8(b)), int(int8(c))
	if lo > hi {
		lo, hi = hi, lo
	}
	if nocase {
		lo, hi, x = lowerC(lo), lowerC(hi), lowerC(x)
	}
	return x >= lo && x <= hi
}

// sameByte compares two bytes, folding ASCII case when nocase.
func sameByte(a, b byte, nocase bool) bool {
	if nocase {
		return lowerC(int(a)) == lowerC(int(b))
	}
	return a == b
}

// lowerC is C's tolower in the "C" locale: only 'A'..'Z' change.
func lowerC(c int) int {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}
