package proto

import (
	"math"
	"strconv"
)

// ParseInt parses b with the rules of Redis's string2ll: an optional '-',
// then decimal digits with no leading zero (except "0" itself), no '+', no
// blanks, and a value that fits in int64. It never allocates.
func ParseInt(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 20 {
		return 0, false
	}
	if len(b) == 1 && b[0] == '0' {
		return 0, true
	}
	neg := b[0] == '-'
	if neg {
		b = b[1:]
		if len(b) == 0 {
			return 0, false
		}
	}
	if b[0] < '1' || b[0] > '9' {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		if v > (math.MaxUint64-9)/10 {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	if neg {
		if v > 1<<63 {
			return 0, false
		}
		return -int64(v), true
	}
	if v > math.MaxInt64 {
		return 0, false
	}
	return int64(v), true
}

// ParseFloat parses b as Redis's getDoubleFromObject does with strtod: the
// whole input must be a number, with no leading blank; "inf" and "-inf" are
// numbers, "nan" is not, and a value too large or too small to represent
// (strtod's ERANGE) is refused.
func ParseFloat(b []byte) (float64, bool) {
	if len(b) == 0 || isSpace(b[0]) || !floatChars(b) {
		return 0, false
	}
	f, err := strconv.ParseFloat(string(b), 64)
	if err != nil {
		if hex, ok := parseHexFloat(b); ok {
			return hex, true
		}
		return 0, false
	}
	if math.IsNaN(f) || f == 0 && hasNonZeroMantissa(b) {
		return 0, false
	}
	return f, true
}

// floatChars rejects what Go's ParseFloat accepts but strtod does not: digit
// separators.
func floatChars(b []byte) bool {
	for _, c := range b {
		if c == '_' {
			return false
		}
	}
	return true
}

// hasNonZeroMantissa tells an underflow ("1e-400", which strtod refuses with
// ERANGE) from a real zero ("0.0e-400").
func hasNonZeroMantissa(b []byte) bool {
	for _, c := range b {
		switch {
		case c >= '1' && c <= '9':
			return true
		case c == 'e' || c == 'E' || c == 'p' || c == 'P':
			return false
		}
	}
	return false
}

// parseHexFloat accepts strtod's hexadecimal form without a binary exponent
// ("0x1A", "-0x1.8"), which Go's ParseFloat requires.
func parseHexFloat(b []byte) (float64, bool) {
	s := string(b)
	body := s
	if len(body) > 0 && (body[0] == '-' || body[0] == '+') {
		body = body[1:]
	}
	if len(body) < 3 || body[0] != '0' || body[1] != 'x' && body[1] != 'X' {
		return 0, false
	}
	for _, c := range body[2:] {
		if c == 'p' || c == 'P' {
			return 0, false
		}
	}
	f, err := strconv.ParseFloat(s+"p0", 64)
	if err != nil {
		return 0, false
	}
	return f, true
}

// EqualFold reports whether b equals the upper-case ASCII word s, ignoring
// case, without allocating: how a handler matches an option name.
func EqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		c := b[i]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c != s[i] {
			return false
		}
	}
	return true
}
