package pubsub

import "redis-fast/proto"

// The first element of each pub/sub frame, as Redis's shared objects spell
// them.
const (
	FrameSubscribe    = "subscribe"
	FrameUnsubscribe  = "unsubscribe"
	FramePSubscribe   = "psubscribe"
	FramePUnsubscribe = "punsubscribe"
	FrameSSubscribe   = "ssubscribe"
	FrameSUnsubscribe = "sunsubscribe"

	frameMessage  = "message"
	framePMessage = "pmessage"
	frameSMessage = "smessage"
)

// AppendSubscription appends the confirmation of one (un)subscription,
// [kind, name, count], as Redis's addReplyPubsub(Un)Subscribed writes it: a
// RESP2 array, or a RESP3 push. A nil name is written as a null: the reply
// to an UNSUBSCRIBE of everything by a client subscribed to nothing.
func AppendSubscription(dst []byte, resp3 bool, kind string, name []byte, count int) []byte {
	dst = appendHeader(dst, resp3, 3)
	dst = proto.AppendBulkString(dst, kind)
	switch {
	case name != nil:
		dst = proto.AppendBulk(dst, name)
	case resp3:
		dst = append(dst, "_\r\n"...)
	default:
		dst = append(dst, "$-1\r\n"...)
	}
	return proto.AppendInt(dst, int64(count))
}

// appendHeader appends the header of an n-element frame: *n, or >n in
// RESP3.
func appendHeader(dst []byte, resp3 bool, n int) []byte {
	start := len(dst)
	dst = proto.AppendArrayLen(dst, n)
	if resp3 {
		dst[start] = '>'
	}
	return dst
}

// appendMessage appends a message frame in its RESP2 form (a RESP3 push
// differs only in its first byte, '>' for '*'): [message, channel,
// payload], [smessage, channel, payload], or, with a pattern, [pmessage,
// pattern, channel, payload].
func appendMessage(dst []byte, kind string, pattern, channel, payload []byte) []byte {
	n := 3
	if pattern != nil {
		n = 4
	}
	dst = proto.AppendArrayLen(dst, n)
	dst = proto.AppendBulkString(dst, kind)
	if pattern != nil {
		dst = proto.AppendBulk(dst, pattern)
	}
	dst = proto.AppendBulk(dst, channel)
	return proto.AppendBulk(dst, payload)
}
