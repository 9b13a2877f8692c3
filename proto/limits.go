package proto

import "math"

// Redis's protocol limits (networking.c, server.h). The error texts that go
// with them are in parse.go.
const (
	// DefaultMaxBulkLen is proto-max-bulk-len: the largest bulk argument.
	DefaultMaxBulkLen = 512 << 20

	// InlineMaxSize is PROTO_INLINE_MAX_SIZE: the longest inline request, and
	// the longest count line ("*<n>" or "$<n>") Parse waits for.
	InlineMaxSize = 64 << 10

	// MaxMultibulkLen is the largest argument count a frame may declare.
	MaxMultibulkLen = math.MaxInt32

	// DefaultQueryBufferLimit is client-query-buffer-limit: a client whose
	// unparsed input grows past it is disconnected.
	DefaultQueryBufferLimit = 1 << 30

	// UnauthMultibulkLen and UnauthBulkLen are the smaller limits Redis applies
	// to a client that must authenticate and has not yet done so.
	UnauthMultibulkLen = 10
	UnauthBulkLen      = 16384
)
