package proto

import (
	"math"
	"strconv"
)

// AppendSimple appends a simple string reply: +s\r\n.
func AppendSimple(b []byte, s string) []byte {
	b = append(b, '+')
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendError appends an error reply: -msg\r\n. msg carries its own code
// ("ERR ...", "WRONGTYPE ..."); newlines in it are replaced by spaces, as
// Redis does, so a reply can never be split in two.
func AppendError(b []byte, msg string) []byte {
	b = append(b, '-')
	start := len(b)
	b = append(b, msg...)
	for i := start; i < len(b); i++ {
		if b[i] == '\r' || b[i] == '\n' {
			b[i] = ' '
		}
	}
	return append(b, '\r', '\n')
}

// AppendInt appends an integer reply: :n\r\n.
func AppendInt(b []byte, n int64) []byte {
	b = append(b, ':')
	b = strconv.AppendInt(b, n, 10)
	return append(b, '\r', '\n')
}

// AppendBulk appends a bulk string reply: $len\r\nv\r\n.
func AppendBulk(b, v []byte) []byte {
	b = appendPrefix(b, '$', int64(len(v)))
	b = append(b, v...)
	return append(b, '\r', '\n')
}

// AppendBulkString appends a bulk string reply holding s.
func AppendBulkString(b []byte, s string) []byte {
	b = appendPrefix(b, '$', int64(len(s)))
	b = append(b, s...)
	return append(b, '\r', '\n')
}

// AppendBulkInt appends n formatted in decimal as a bulk string.
func AppendBulkInt(b []byte, n int64) []byte {
	var tmp [20]byte
	return AppendBulk(b, strconv.AppendInt(tmp[:0], n, 10))
}

// AppendArrayLen appends the header of an array of n elements.
func AppendArrayLen(b []byte, n int) []byte {
	return appendPrefix(b, '*', int64(n))
}

// appendPrefix appends a type byte, a decimal length and CRLF.
func appendPrefix(b []byte, kind byte, n int64) []byte {
	b = append(b, kind)
	if n >= 0 && n < 10 {
		b = append(b, byte('0'+n))
	} else {
		b = strconv.AppendInt(b, n, 10)
	}
	return append(b, '\r', '\n')
}

// AppendFloat17 appends f the way Redis 7.0 prints a double reply: "%.17g",
// with "inf" and "-inf" for the infinities.
func AppendFloat17(b []byte, f float64) []byte {
	switch {
	case math.IsInf(f, 1):
		return append(b, "inf"...)
	case math.IsInf(f, -1):
		return append(b, "-inf"...)
	}
	return appendG17(b, f)
}

// appendG17 formats like C's printf("%.17g"): 17 significant digits,
// trailing zeros removed, exponent form when the exponent is < -4 or >= 17,
// and an exponent of at least two digits.
func appendG17(b []byte, f float64) []byte {
	var tmp [32]byte
	e := strconv.AppendFloat(tmp[:0], f, 'e', 16, 64)
	// e is [-]d.dddddddddddddddde[+-]xx
	mant, exp := splitExp(e)
	if exp < -4 || exp >= 17 {
		mant = trimFraction(mant)
		b = append(b, mant...)
		b = append(b, 'e')
		if exp < 0 {
			b = append(b, '-')
			exp = -exp
		} else {
			b = append(b, '+')
		}
		if exp < 10 {
			b = append(b, '0')
		}
		return strconv.AppendInt(b, int64(exp), 10)
	}
	var fix [40]byte
	out := strconv.AppendFloat(fix[:0], f, 'f', 16-exp, 64)
	return append(b, trimFraction(out)...)
}

func splitExp(e []byte) (mant []byte, exp int) {
	for i := len(e) - 1; i >= 0; i-- {
		if e[i] == 'e' {
			return e[:i], expValue(e[i+1:])
		}
	}
	return e, 0
}

// trimFraction removes trailing zeros after a decimal point, and the point
// itself if nothing follows it.
func trimFraction(s []byte) []byte {
	dot := -1
	for i, c := range s {
		if c == '.' {
			dot = i
			break
		}
	}
	if dot < 0 {
		return s
	}
	end := len(s)
	for end > dot+1 && s[end-1] == '0' {
		end--
	}
	if end == dot+1 {
		end = dot
	}
	return s[:end]
}

// expValue reads the signed decimal exponent strconv writes after 'e'.
func expValue(b []byte) int {
	neg := len(b) > 0 && b[0] == '-'
	if len(b) > 0 && (b[0] == '-' || b[0] == '+') {
		b = b[1:]
	}
	n := 0
	for _, c := range b {
		n = n*10 + int(c-'0')
	}
	if neg {
		return -n
	}
	return n
}
