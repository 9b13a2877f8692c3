package db

import (
	"bytes"

	"redis-fast/proto"
)

// cString returns an argument as Redis's C code sees it when it treats it
// as a string: up to its first NUL byte. Redis compares option words that
// way, so "NX\x00junk" is NX.
func cString(b []byte) []byte {
	if i := bytes.IndexByte(b, 0); i >= 0 {
		return b[:i]
	}
	return b
}

// isOpt reports whether argument a is the option word (given in upper
// case), as Redis's strcasecmp decides it.
func isOpt(a []byte, word string) bool { return proto.EqualFold(cString(a), word) }
