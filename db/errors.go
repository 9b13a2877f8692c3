package db

// Reply texts, byte for byte as Redis 7.0 sends them (after the '-').
const (
	msgWrongType     = "WRONGTYPE Operation against a key holding the wrong kind of value"
	msgSyntax        = "ERR syntax error"
	msgNotInteger    = "ERR value is not an integer or out of range"
	msgNotFloat      = "ERR value is not a valid float"
	msgOverflow      = "ERR increment or decrement would overflow"
	msgNoSuchKey     = "ERR no such key"
	msgOutOfRange    = "ERR index out of range"
	msgDBIndex       = "ERR DB index is out of range"
	msgSameObject    = "ERR source and destination objects are the same"
	msgNaNOrInfinity = "ERR increment would produce NaN or Infinity"
	msgStringTooLong = "ERR string exceeds maximum allowed size (proto-max-bulk-len)"
	msgOffsetRange   = "ERR offset is out of range"
)

// msgInvalidExpire is Redis's addReplyErrorExpireTime for command name.
func msgInvalidExpire(name string) string {
	return "ERR invalid expire time in '" + name + "' command"
}
