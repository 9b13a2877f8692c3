package db

import (
	"math/big"
	"redis-fast/proto"
)

// INCRBYFLOAT's arithmetic. Redis does it in C long double, which on x86-64
// is the x87 80-bit extended format: a 64-bit mantissa, exponents down to
// 2^-16382 for normal numbers (2^-16445 for subnormal ones), finite up to
// just under 2^16384. It parses both operands with glibc's strtold, adds,
// refuses NaN and infinity, and prints the sum with "%.17Lf" before
// stripping the trailing zeros. float64 would give other digits (10.5 + 0.1
// is 10.6 in Redis, 10.599999999999999 in float64), so the format is
// emulated with big.Float at 64 bits of precision, rounding to nearest even
// as the FPU does; strtold and printf round correctly, and so do big.Float's
// arithmetic and its decimal conversion.

const (
	// maxLongDoubleChars is Redis's MAX_LONG_DOUBLE_CHARS: string2ld refuses
	// a string of this length or longer.
	maxLongDoubleChars = 5 * 1024

	ldPrec = 64
	// ldMaxExp is the big.Float exponent (mantissa in [0.5, 1)) of the
	// largest finite long double; anything above it is infinite.
	ldMaxExp = 16384
	// ldMinNormalExp is the exponent of the smallest normal, 2^-16382. At
	// and below it the quantum is that of the subnormals, 2^-ldTinyShift.
	ldMinNormalExp = -16381
	ldTinyShift    = 16445

	// A decimal with d significant digits and exponent e lies in
	// [10^(d-1+e), 10^(d+e)): from 10^4933 on it overflows (the largest
	// long double is about 1.19e4932), and below 10^-4951 it is less than
	// half the smallest subnormal (about 3.65e-4951) and rounds to zero.
	ldDecOverflow  = 4933
	ldDecUnderflow = -4951
	// The same bounds for a hexadecimal float, in powers of two.
	ldBinOverflow  = 16384
	ldBinUnderflow = -ldTinyShift - 1
)

// incrByFloat returns the sum of the stored value cur (0 when the key does
// not exist) and incr, formatted as Redis stores it, or Redis's error text.
func incrByFloat(cur []byte, exists bool, incr []byte) (sum []byte, msg string) {
	x := new(big.Float)
	if exists {
		var ok bool
		if x, ok = parseLongDouble(cur); !ok {
			return nil, msgNotFloat
		}
	}
	y, ok := parseLongDouble(incr)
	if !ok {
		return nil, msgNotFloat
	}
	z, ok := addLongDouble(x, y)
	if !ok {
		return nil, msgNaNOrInfinity
	}
	return formatLongDouble(z), ""
}

// addLongDouble returns x+y rounded to a long double, or false when the sum
// is NaN or infinite. Both operands are long doubles, so a sum in the
// subnormal range is exact and needs no rounding of its own.
func addLongDouble(x, y *big.Float) (*big.Float, bool) {
	if x.IsInf() || y.IsInf() {
		return nil, false
	}
	z := new(big.Float).SetPrec(ldPrec).Add(x, y)
	if z.MantExp(nil) > ldMaxExp {
		return nil, false
	}
	return z, true
}

// formatLongDouble prints f as Redis's ld2string does in LD_STR_HUMAN mode:
// "%.17Lf", then no trailing zeros, no trailing '.', and "0" for "-0".
func formatLongDouble(f *big.Float) []byte {
	b := f.Append(make([]byte, 0, 32), 'f', 17)
	end := len(b)
	for b[end-1] == '0' {
		end--
	}
	if b[end-1] == '.' {
		end--
	}
	b = b[:end]
	if len(b) == 2 && b[0] == '-' && b[1] == '0' {
		b = b[1:]
	}
	return b
}

// parseLongDouble parses b as Redis's string2ld does: the whole of b must
// be what glibc's strtold reads as a number, without leading blanks and
// shorter than maxLongDoubleChars; NaN is refused, and so is a number
// strtold reports out of range (ERANGE) with an infinite or zero result. A
// subnormal result is accepted. Like strtold it takes decimal and
// hexadecimal ("0x1.8p3") floats and "inf" or "infinity" in any case.
func parseLongDouble(b []byte) (*big.Float, bool) {
	if len(b) == 0 || len(b) >= maxLongDoubleChars || ldIsSpace(b[0]) {
		return nil, false
	}
	neg := false
	s := b
	if s[0] == '+' || s[0] == '-' {
		neg = s[0] == '-'
		s = s[1:]
	}
	switch {
	case proto.EqualFold(s, "INF") || proto.EqualFold(s, "INFINITY"):
		return new(big.Float).SetInf(neg), true
	case len(s) > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'):
		return parseHexLongDouble(neg, s[2:])
	}
	return parseDecLongDouble(neg, s)
}

// ldIsSpace is C's isspace in the C locale.
func ldIsSpace(c byte) bool {
	return c == ' ' || c >= '\t' && c <= '\r'
}

// mantissa reads digits[.digits] in base 10 or 16 from the start of s. It
// returns the digits without the point, how many followed the point, and
// the rest of s; no digits at all is an error.
func ldMantissa(s []byte, hex bool) (digits []byte, frac int, rest []byte, ok bool) {
	digits = make([]byte, 0, len(s))
	point := false
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case ldIsDigit(c) || hex && ldIsHexLetter(c):
			digits = append(digits, c)
			if point {
				frac++
			}
		case c == '.' && !point:
			point = true
		default:
			return digits, frac, s[i:], len(digits) > 0
		}
	}
	return digits, frac, nil, len(digits) > 0
}

func ldIsDigit(c byte) bool     { return c >= '0' && c <= '9' }
func ldIsHexLetter(c byte) bool { return c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// exponent reads the part after 'e' or 'p': an optional sign and at least
// one decimal digit, which must end s. The value saturates far beyond any
// exponent a long double can use, as strtold's does.
func ldExponent(s []byte) (int64, bool) {
	neg := false
	if len(s) > 0 && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if len(s) == 0 {
		return 0, false
	}
	var e int64
	for _, c := range s {
		if !ldIsDigit(c) {
			return 0, false
		}
		if e < 1<<40 {
			e = e*10 + int64(c-'0')
		}
	}
	if neg {
		e = -e
	}
	return e, true
}

// parseDecLongDouble parses s, without its sign, as a decimal float.
func parseDecLongDouble(neg bool, s []byte) (*big.Float, bool) {
	digits, frac, rest, ok := ldMantissa(s, false)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'e' && rest[0] != 'E' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	for len(digits) > 0 && digits[0] == '0' {
		digits = digits[1:]
	}
	if len(digits) == 0 {
		return ldZero(neg), true
	}
	e := exp - int64(frac)
	d := int64(len(digits))
	if d-1+e >= ldDecOverflow || d+e <= ldDecUnderflow {
		return nil, false
	}
	num, _ := new(big.Int).SetString(string(digits), 10)
	den := big.NewInt(1)
	pow := new(big.Int).Exp(big.NewInt(10), big.NewInt(ldAbs(e)), nil)
	if e >= 0 {
		num.Mul(num, pow)
	} else {
		den = pow
	}
	return roundLongDouble(neg, num, den)
}

// parseHexLongDouble parses s, without its sign and "0x", as a hexadecimal
// float: hex digits with an optional point, then an optional binary
// exponent "p[+-]digits".
func parseHexLongDouble(neg bool, s []byte) (*big.Float, bool) {
	digits, frac, rest, ok := ldMantissa(s, true)
	if !ok {
		return nil, false
	}
	var exp int64
	if len(rest) > 0 {
		if rest[0] != 'p' && rest[0] != 'P' {
			return nil, false
		}
		if exp, ok = ldExponent(rest[1:]); !ok {
			return nil, false
		}
	}
	num, _ := new(big.Int).SetString(string(digits), 16)
	if num.Sign() == 0 {
		return ldZero(neg), true
	}
	e := exp - 4*int64(frac)
	bits := int64(num.BitLen())
	if bits-1+e >= ldBinOverflow || bits+e <= ldBinUnderflow {
		return nil, false
	}
	den := big.NewInt(1)
	if e >= 0 {
		num.Lsh(num, uint(e))
	} else {
		den.Lsh(den, uint(-e))
	}
	return roundLongDouble(neg, num, den)
}

// roundLongDouble rounds num/den (both positive) to the nearest long
// double, ties to even, as strtold does; false means it overflowed to
// infinity or underflowed to zero.
func roundLongDouble(neg bool, num, den *big.Int) (*big.Float, bool) {
	f := new(big.Float).SetPrec(ldPrec)
	f.Quo(new(big.Float).SetInt(num), new(big.Float).SetInt(den))
	exp := f.MantExp(nil)
	if exp > ldMaxExp {
		return nil, false
	}
	if exp <= ldMinNormalExp {
		// Fewer than 64 bits are left: round to a whole number of the
		// smallest subnormal, 2^-16445, from the exact value.
		q, r := new(big.Int).QuoRem(new(big.Int).Lsh(num, ldTinyShift), den, new(big.Int))
		switch r.Lsh(r, 1).Cmp(den) {
		case 1:
			q.Add(q, big.NewInt(1))
		case 0:
			if q.Bit(0) == 1 {
				q.Add(q, big.NewInt(1))
			}
		}
		if q.Sign() == 0 {
			return nil, false
		}
		f.SetInt(q)
		f.SetMantExp(f, -ldTinyShift)
	}
	if neg {
		f.Neg(f)
	}
	return f, true
}

func ldZero(neg bool) *big.Float {
	f := new(big.Float).SetPrec(ldPrec)
	if neg {
		f.Neg(f)
	}
	return f
}

func ldAbs(n int64) int64 {
	if n < 0 {
		return -n
	}
	return n
}
