package db

import (
	"strings"
	"testing"
)

// The expected results below were read from a real Redis 7.0 on x86-64
// (long double is the x87 80-bit format there).
func TestIncrByFloatMatchesRedis(t *testing.T) {
	maxLD := "0x1.fffffffffffffffep16383" // the largest finite long double
	for _, tc := range []struct {
		name        string
		cur         string // "" with exists false: the key is missing
		exists      bool
		incr, want  string
		wantPrefix  string // for results too long to spell: prefix and length
		wantLen     int
		wantMessage string
	}{
		{name: "new key", incr: "10.5", want: "10.5"},
		{name: "10.5+0.1", cur: "10.5", exists: true, incr: "0.1", want: "10.6"},
		{name: "0.1+0.2", cur: "0.1", exists: true, incr: "0.2", want: "0.3"},
		{name: "17th decimal", cur: "1", exists: true, incr: "1e-17", want: "1.00000000000000001"},
		{name: "below 17 decimals", cur: "1", exists: true, incr: "1e-19", want: "1"},
		{name: "tie rounds to even", incr: "3.814697265625e-6", want: "0.00000381469726562"},
		{name: "tiny prints as 0", incr: "5e-324", want: "0"},
		{name: "subnormal", incr: "1e-4940", want: "0"},
		{name: "smallest subnormal", incr: "3.6e-4951", want: "0"},
		{name: "rounds to zero", incr: "1.8e-4951", wantMessage: msgNotFloat},
		{name: "hex smallest subnormal", incr: "0x1p-16445", want: "0"},
		{name: "hex half subnormal ties to zero", incr: "0x1p-16446", wantMessage: msgNotFloat},
		{name: "hex three quarters subnormal", incr: "0x1.8p-16446", want: "0"},
		{name: "largest", incr: maxLD, wantPrefix: "1189731495357231765021263853030970205169", wantLen: 4933},
		{name: "largest in decimal", incr: "1.18973149535723176502e+4932", wantPrefix: "1189731495357231765021263853030970205169", wantLen: 4933},
		{name: "rounds down to largest", incr: "1.18973149535723176503e+4932", wantPrefix: "1189731495357231765021263853030970205169", wantLen: 4933},
		{name: "hex past largest", incr: "0x1.ffffffffffffffffp16383", wantMessage: msgNotFloat},
		{name: "sum overflows", cur: "1e4932", exists: true, incr: "1e4932", wantMessage: msgNaNOrInfinity},
		{name: "decimal overflow", incr: "1e4933", wantMessage: msgNotFloat},
		{name: "decimal underflow", incr: "1e-5000", wantMessage: msgNotFloat},
		{name: "zero with huge exponent", incr: "0e-99999999999999999999", want: "0"},
		{name: "negative zero", incr: "-0.0", want: "0"},
		{name: "negative zeros", cur: "-0", exists: true, incr: "-0", want: "0"},
		{name: "cancels", cur: "3", exists: true, incr: "-3", want: "0"},
		{name: "30 digits", incr: "123456789012345678901234567890", want: "123456789012345678899921813504"},
		{name: "2^64+1 ties to even", incr: "18446744073709551617", want: "18446744073709551616"},
		{name: "2^64-1 exact", incr: "18446744073709551615", want: "18446744073709551615"},
		{name: "int64 max", incr: "9223372036854775807", want: "9223372036854775807"},
		{name: "lost below the mantissa", cur: "0.5", exists: true, incr: "0x1p-64", want: "0.5"},
		{name: "hex", incr: "0x10", want: "16"},
		{name: "hex with exponent", incr: "0X1.8P1", want: "3"},
		{name: "hex fraction only", incr: "0x.8", want: "0.5"},
		{name: "hex trailing point", incr: "0x1.", want: "1"},
		{name: "plus and point", incr: "+.5", want: "0.5"},
		{name: "trailing point", incr: "5.", want: "5"},
		{name: "upper-case exponent", incr: "1E+05", want: "100000"},
		{name: "negative fraction", incr: "-.5e-3", want: "-0.0005"},
		{name: "small negative", incr: "-1e-10", want: "-0.0000000001"},
		{name: "small negative step", cur: "100", exists: true, incr: "-1e-10", want: "99.9999999999"},
		{name: "leading zeros", incr: "00012", want: "12"},
		{name: "long fraction", incr: "1.0000000000000000000000000000001", want: "1"},
		{name: "halves", cur: "1.5", exists: true, incr: "2.5", want: "4"},
		{name: "to zero", cur: "-1.5", exists: true, incr: "1.5", want: "0"},
		{name: "5119 chars", incr: strings.Repeat("0", 5118) + "1", want: "1"},
		{name: "5120 chars", incr: strings.Repeat("0", 5119) + "1", wantMessage: msgNotFloat},
		{name: "4933 digits", incr: "1" + strings.Repeat("0", 4932), wantPrefix: "1000000000000000000006018949387963", wantLen: 4933},
		{name: "inf", incr: "inf", wantMessage: msgNaNOrInfinity},
		{name: "-inf", incr: "-inf", wantMessage: msgNaNOrInfinity},
		{name: "Infinity", incr: "Infinity", wantMessage: msgNaNOrInfinity},
		{name: "stored inf", cur: "inf", exists: true, incr: "1", wantMessage: msgNaNOrInfinity},
		{name: "infinit", incr: "infinit", wantMessage: msgNotFloat},
		{name: "nan", incr: "nan", wantMessage: msgNotFloat},
		{name: "-nan", incr: "-nan", wantMessage: msgNotFloat},
		{name: "nan(chars)", incr: "NaN(123)", wantMessage: msgNotFloat},
		{name: "point", incr: ".", wantMessage: msgNotFloat},
		{name: "no exponent digits", incr: "1e", wantMessage: msgNotFloat},
		{name: "signed no exponent digits", incr: "1e+", wantMessage: msgNotFloat},
		{name: "0x", incr: "0x", wantMessage: msgNotFloat},
		{name: "0xg", incr: "0xg", wantMessage: msgNotFloat},
		{name: "hex no exponent digits", incr: "0x1p", wantMessage: msgNotFloat},
		{name: "digit separator", incr: "1_0", wantMessage: msgNotFloat},
		{name: "stored leading blank", cur: " 1", exists: true, incr: "1", wantMessage: msgNotFloat},
		{name: "leading blank", cur: "1", exists: true, incr: " 1", wantMessage: msgNotFloat},
		{name: "trailing blank", cur: "1", exists: true, incr: "1 ", wantMessage: msgNotFloat},
		{name: "leading tab", cur: "1", exists: true, incr: "\t1", wantMessage: msgNotFloat},
		{name: "trailing NUL", cur: "1", exists: true, incr: "1\x00", wantMessage: msgNotFloat},
		{name: "empty increment", cur: "1", exists: true, incr: "", wantMessage: msgNotFloat},
		{name: "empty value", cur: "", exists: true, incr: "1", wantMessage: msgNotFloat},
		{name: "stored text", cur: "abc", exists: true, incr: "1", wantMessage: msgNotFloat},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, msg := incrByFloat([]byte(tc.cur), tc.exists, []byte(tc.incr))
			switch {
			case tc.wantMessage != "":
				if msg != tc.wantMessage {
					t.Errorf("cur=%q incr=%q: got %q (%q), want error %q", tc.cur, tc.incr, got, msg, tc.wantMessage)
				}
			case msg != "":
				t.Errorf("cur=%q incr=%q: error %q", tc.cur, tc.incr, msg)
			case tc.wantPrefix != "":
				if !strings.HasPrefix(string(got), tc.wantPrefix) || len(got) != tc.wantLen {
					t.Errorf("cur=%q incr=%q: got %.50q... (%d bytes), want %q... (%d bytes)",
						tc.cur, tc.incr, got, len(got), tc.wantPrefix, tc.wantLen)
				}
			case string(got) != tc.want:
				t.Errorf("cur=%q incr=%q: got %q, want %q", tc.cur, tc.incr, got, tc.want)
			}
		})
	}
}

// TestIncrByFloatRoundTrips checks that what INCRBYFLOAT stores parses
// again, even at the ends of the range, as Redis's next INCRBYFLOAT would.
func TestIncrByFloatRoundTrips(t *testing.T) {
	for _, incr := range []string{"0x1.fffffffffffffffep16383", "-0x1.fffffffffffffffep16383", "1e-4940", "123.456", "-1e300"} {
		got, msg := incrByFloat(nil, false, []byte(incr))
		if msg != "" {
			t.Fatalf("incr=%q: %s", incr, msg)
		}
		again, msg := incrByFloat(got, true, []byte("0"))
		if msg != "" || string(again) != string(got) {
			t.Errorf("incr=%q: %.40q... plus 0 gave %.40q... (%q)", incr, got, again, msg)
		}
	}
}

func TestParseLongDoubleSyntax(t *testing.T) {
	for _, tc := range []struct {
		in string
		ok bool
	}{
		{in: "1", ok: true},
		{in: "-1.5e-3", ok: true},
		{in: "+1", ok: true},
		{in: "1.", ok: true},
		{in: ".1", ok: true},
		{in: "0x1P+4", ok: true},
		{in: "-0x.1p-4", ok: true},
		{in: "INFINITY", ok: true},
		{in: "+iNf", ok: true},
		{in: "", ok: false},
		{in: "-", ok: false},
		{in: "+-1", ok: false},
		{in: "1..2", ok: false},
		{in: "1e1.5", ok: false},
		{in: "1e5x", ok: false},
		{in: "0x1e", ok: true}, // 'e' is a hex digit: 30
		{in: "0x1p1.5", ok: false},
		{in: "\v1", ok: false},
		{in: "\f1", ok: false},
		{in: "1\n", ok: false},
		{in: "infinityy", ok: false},
		{in: "in", ok: false},
	} {
		if _, ok := parseLongDouble([]byte(tc.in)); ok != tc.ok {
			t.Errorf("parseLongDouble(%q) ok=%v, want %v", tc.in, ok, tc.ok)
		}
	}
}
