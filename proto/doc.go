// Package proto speaks the Redis wire protocol: it cuts commands out of a
// connection's inbound bytes (RESP multibulk frames and inline lines) and
// appends replies in RESP2 or RESP3.
//
// # Zero copy, and what it costs the caller
//
// Parse never copies or allocates per argument. The argument slices it returns
// alias the buffer it was given (or, for an inline command with quoted
// arguments, the Parser's own scratch space), exactly as bufio.Reader.ReadSlice
// does: they stop being valid when the caller reuses that buffer. In the server
// that moment is the end of gnet's OnTraffic callback, so anything a command
// stores must be copied first.
//
// # Frames
//
//	multibulk:  *<argc>\r\n  then argc times  $<len>\r\n<len bytes>\r\n
//	inline:     words separated by blanks, ended by \n or \r\n, with "..." and
//	            '...' quoting as redis-cli and Redis's sdssplitargs accept
//
// A frame that is not complete yet is not an error: Parse reports n == 0 and a
// need hint, the number of bytes the frame needs at least, so the caller can
// wait for them instead of parsing the same prefix again on every read.
//
// # Errors
//
// Bad input is reported as *Error, whose text is Redis's own ("Protocol error:
// invalid bulk length", ...). Redis answers it with -ERR and closes the
// connection; so does the server.
//
// # Replies
//
// Append* functions follow strconv.AppendInt: they append one RESP value to a
// byte slice and return it, allocating only when the slice must grow. Writer
// wraps a buffer and picks the RESP2 or RESP3 form of the types that differ
// (null, map, set, double, boolean, push).
package proto
