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
// A frame that is not complete yet is not an error: Parse reports n == 0, and
// the caller keeps the bytes and calls Parse again with the same bytes
// followed by more. The Parser then resumes a multibulk frame where it
// stopped. Its bookmark holds the argument count, where the next argument's
// header starts and where each argument cut so far lies, as offsets, since
// the caller's buffer may have moved. A frame of many small arguments that
// arrives over many reads is therefore parsed in time linear in its size.
// Only a count line, an argument header or an inline line that has not ended
// yet is scanned again, and none of them may exceed 64 KiB. Reset forgets
// the bookmark, for a Parser about to be given unrelated bytes.
//
// The need hint, also returned with n == 0, is the length the input must
// reach before another call can get further: for a bulk argument still
// arriving, the end of its bytes and the \r\n after them. It never points
// past the frame's end. The caller may skip Parse, and any copying of its
// buffer, until that many bytes are held: a 512 MB argument arriving in
// 64 KiB reads is then parsed twice and copied once, not once per read.
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
