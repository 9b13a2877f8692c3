package loop

import (
	"slices"
	"strconv"

	"redis-fast/db"
	"redis-fast/pubsub"
)

// pubsubCommands are the pub/sub commands. They run on the subscriber's
// reactor and change only its own subscriptions; PUBLISH hands the message
// to every subscriber, on whatever reactor, without waiting for any.
var pubsubCommands = []serverCommand{
	{Command: db.Command{Name: "psubscribe", Arity: -2, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, Group: "pubsub", Since: "2.0.0"}, exec: cmdPsubscribe},
	{Command: db.Command{Name: "publish", Arity: 3, Flags: db.PubSub | db.Loading | db.Stale | db.Fast, Group: "pubsub", Since: "2.0.0"}, exec: cmdPublish},
	{Command: db.Command{Name: "pubsub", Arity: -2, Group: "pubsub", Since: "2.8.0"}, sub: []serverCommand{
		{Command: db.Command{Name: "channels", Arity: -2, Flags: db.PubSub | db.Loading | db.Stale, Group: "pubsub", Since: "2.8.0"}, exec: cmdPubsubChannels},
		{Command: db.Command{Name: "help", Arity: 2, Flags: db.Loading | db.Stale, Group: "pubsub", Since: "6.2.0"}, exec: cmdPubsubHelp},
		{Command: db.Command{Name: "numpat", Arity: 2, Flags: db.PubSub | db.Loading | db.Stale, Group: "pubsub", Since: "2.8.0"}, exec: cmdPubsubNumpat},
		{Command: db.Command{Name: "numsub", Arity: -2, Flags: db.PubSub | db.Loading | db.Stale, Group: "pubsub", Since: "2.8.0"}, exec: cmdPubsubNumsub},
		{Command: db.Command{Name: "shardchannels", Arity: -2, Flags: db.PubSub | db.Loading | db.Stale, Group: "pubsub", Since: "7.0.0"}, exec: cmdPubsubShardchannels},
		{Command: db.Command{Name: "shardnumsub", Arity: -2, Flags: db.PubSub | db.Loading | db.Stale, Group: "pubsub", Since: "7.0.0"}, exec: cmdPubsubShardnumsub},
	}},
	{Command: db.Command{Name: "punsubscribe", Arity: -1, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, Group: "pubsub", Since: "2.0.0"}, exec: cmdPunsubscribe},
	{Command: db.Command{Name: "spublish", Arity: 3, Flags: db.PubSub | db.Loading | db.Stale | db.Fast, FirstKey: 1, LastKey: 1, Step: 1, Group: "pubsub", Since: "7.0.0"}, exec: cmdSpublish},
	{Command: db.Command{Name: "ssubscribe", Arity: -2, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, FirstKey: 1, LastKey: -1, Step: 1, Group: "pubsub", Since: "7.0.0"}, exec: cmdSsubscribe},
	{Command: db.Command{Name: "subscribe", Arity: -2, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, Group: "pubsub", Since: "2.0.0"}, exec: cmdSubscribe},
	{Command: db.Command{Name: "sunsubscribe", Arity: -1, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, FirstKey: 1, LastKey: -1, Step: 1, Keys: shardChannelKeys, Group: "pubsub", Since: "7.0.0"}, exec: cmdSunsubscribe},
	{Command: db.Command{Name: "unsubscribe", Arity: -1, Flags: db.PubSub | db.NoScript | db.Loading | db.Stale, Group: "pubsub", Since: "2.0.0"}, exec: cmdUnsubscribe},
}

// shardChannelKeys are SUNSUBSCRIBE's keys: its shard channels, which
// Redis's key spec counts from 1 to the last though there may be none.
func shardChannelKeys(dst []int, argv [][]byte) []int {
	for i := 1; i < len(argv); i++ {
		dst = append(dst, i)
	}
	return dst
}

const msgSsubscribeDenied = "ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client"

// SUBSCRIBE channel [channel ...]
func cmdSubscribe(s *Server, cl *client, argv [][]byte) {
	s.subscribe(cl, pubsub.Channel, argv[1:])
}

// SSUBSCRIBE shardchannel [shardchannel ...]
//
// Redis refuses it inside a transaction (EXEC runs its commands as a client
// that may not block), unlike SUBSCRIBE, which it lets through there for
// backward compatibility.
func cmdSsubscribe(s *Server, cl *client, argv [][]byte) {
	if cl.ctx.LocksHeld {
		cl.w.Error(msgSsubscribeDenied)
		return
	}
	s.subscribe(cl, pubsub.Shard, argv[1:])
}

// subscribe subscribes cl to each channel and confirms each with a frame
// that carries cl's count after it.
func (s *Server) subscribe(cl *client, kind pubsub.Kind, channels [][]byte) {
	frame := pubsub.FrameSubscribe
	if kind == pubsub.Shard {
		frame = pubsub.FrameSSubscribe
	}
	for _, ch := range channels {
		s.pubsub.Subscribe(cl.sub, kind, ch)
		cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, frame, ch, subCount(cl, kind))
	}
	cl.updateClass()
}

// PSUBSCRIBE pattern [pattern ...]
func cmdPsubscribe(s *Server, cl *client, argv [][]byte) {
	for _, p := range argv[1:] {
		s.pubsub.PSubscribe(cl.sub, p)
		cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, pubsub.FramePSubscribe, p, cl.sub.Count())
	}
	cl.updateClass()
}

// UNSUBSCRIBE [channel [channel ...]]
func cmdUnsubscribe(s *Server, cl *client, argv [][]byte) {
	s.unsubscribe(cl, pubsub.Channel, argv[1:])
}

// SUNSUBSCRIBE [shardchannel [shardchannel ...]]
func cmdSunsubscribe(s *Server, cl *client, argv [][]byte) {
	s.unsubscribe(cl, pubsub.Shard, argv[1:])
}

// unsubscribe unsubscribes cl from each channel, or from all of them when
// none is named, and confirms each; a client subscribed to nothing still
// gets one frame, with a null channel. Messages already on their way into
// cl's outbox go out before each confirmation, so none follows it.
func (s *Server) unsubscribe(cl *client, kind pubsub.Kind, channels [][]byte) {
	frame := pubsub.FrameUnsubscribe
	if kind == pubsub.Shard {
		frame = pubsub.FrameSUnsubscribe
	}
	if len(channels) == 0 {
		for _, name := range cl.sub.Names(kind) {
			channels = append(channels, []byte(name))
		}
		if len(channels) == 0 {
			cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, frame, nil, subCount(cl, kind))
		}
	}
	for _, ch := range channels {
		s.pubsub.Unsubscribe(cl.sub, kind, ch)
		cl.w.Buf = cl.sub.Out.DrainTo(cl.w.Buf)
		cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, frame, ch, subCount(cl, kind))
	}
	cl.updateClass()
}

// PUNSUBSCRIBE [pattern [pattern ...]]
func cmdPunsubscribe(s *Server, cl *client, argv [][]byte) {
	patterns := argv[1:]
	if len(patterns) == 0 {
		for _, p := range cl.sub.Patterns() {
			patterns = append(patterns, []byte(p))
		}
		if len(patterns) == 0 {
			cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, pubsub.FramePUnsubscribe, nil, cl.sub.Count())
		}
	}
	for _, p := range patterns {
		s.pubsub.PUnsubscribe(cl.sub, p)
		cl.w.Buf = cl.sub.Out.DrainTo(cl.w.Buf)
		cl.w.Buf = pubsub.AppendSubscription(cl.w.Buf, cl.w.RESP3, pubsub.FramePUnsubscribe, p, cl.sub.Count())
	}
	cl.updateClass()
}

// subCount is the count an (un)subscribe frame of kind carries.
func subCount(cl *client, kind pubsub.Kind) int {
	if kind == pubsub.Shard {
		return cl.sub.ShardCount()
	}
	return cl.sub.Count()
}

// PUBLISH channel message
func cmdPublish(s *Server, cl *client, argv [][]byte) {
	s.publish(cl, pubsub.Channel, argv[1], argv[2])
}

// SPUBLISH shardchannel message
func cmdSpublish(s *Server, cl *client, argv [][]byte) {
	s.publish(cl, pubsub.Shard, argv[1], argv[2])
}

// publish delivers a message and replies with the number of receivers. A
// publisher subscribed to the channel itself (RESP3) gets the message
// ahead of that reply, as in Redis.
func (s *Server) publish(cl *client, kind pubsub.Kind, channel, message []byte) {
	n := s.pubsub.Publish(kind, channel, message, cl.sub)
	if cl.sub.HasSelf() {
		cl.w.Buf = cl.sub.TakeSelf(cl.w.Buf)
	}
	cl.w.Int(int64(n))
}

// PUBSUB CHANNELS [pattern]
func cmdPubsubChannels(s *Server, cl *client, argv [][]byte) {
	s.channelList(cl, pubsub.Channel, argv)
}

// PUBSUB SHARDCHANNELS [pattern]
func cmdPubsubShardchannels(s *Server, cl *client, argv [][]byte) {
	s.channelList(cl, pubsub.Shard, argv)
}

func (s *Server) channelList(cl *client, kind pubsub.Kind, argv [][]byte) {
	if len(argv) > 3 {
		cl.w.Error("ERR unknown subcommand or wrong number of arguments for '" + cString(argv[1], len(argv[1])) + "'. Try PUBSUB HELP.")
		return
	}
	var pattern []byte
	if len(argv) == 3 {
		pattern = argv[2]
	}
	names := s.pubsub.Channels(kind, pattern)
	cl.w.ArrayLen(len(names))
	for _, n := range names {
		cl.w.BulkString(n)
	}
}

// PUBSUB NUMSUB [channel [channel ...]]
func cmdPubsubNumsub(s *Server, cl *client, argv [][]byte) {
	s.numsub(cl, pubsub.Channel, argv[2:])
}

// PUBSUB SHARDNUMSUB [shardchannel [shardchannel ...]]
func cmdPubsubShardnumsub(s *Server, cl *client, argv [][]byte) {
	s.numsub(cl, pubsub.Shard, argv[2:])
}

func (s *Server) numsub(cl *client, kind pubsub.Kind, channels [][]byte) {
	cl.w.ArrayLen(2 * len(channels))
	for _, ch := range channels {
		cl.w.Bulk(ch)
		cl.w.Int(int64(s.pubsub.NumSub(kind, ch)))
	}
}

// PUBSUB NUMPAT
func cmdPubsubNumpat(s *Server, cl *client, argv [][]byte) {
	cl.w.Int(int64(s.pubsub.NumPat()))
}

// PUBSUB HELP
func cmdPubsubHelp(s *Server, cl *client, argv [][]byte) {
	writeHelp(&cl.w, "PUBSUB", []string{
		"CHANNELS [<pattern>]",
		"    Return the currently active channels matching a <pattern> (default: '*').",
		"NUMPAT",
		"    Return number of subscriptions to patterns.",
		"NUMSUB [<channel> ...]",
		"    Return the number of subscribers for the specified channels, excluding",
		"    pattern subscriptions(default: no channels).",
		"SHARDCHANNELS [<pattern>]",
		"    Return the currently active shard level channels matching a <pattern> (default: '*').",
		"SHARDNUMSUB [<shardchannel> ...]",
		"    Return the number of subscribers for the specified shard level channel(s)",
	})
}

// subscribedAllowed reports whether a RESP2 client subscribed to anything
// may run cmd: only the commands of Redis's pub/sub context.
func subscribedAllowed(cmd *command) bool {
	switch cmd.fullname {
	case "ping", "subscribe", "ssubscribe", "unsubscribe", "sunsubscribe",
		"psubscribe", "punsubscribe", "quit", "reset":
		return true
	}
	return false
}

// msgSubscribedContext is Redis's refusal of a command in the pub/sub
// context of a RESP2 client.
func msgSubscribedContext(cmd *command) string {
	return "ERR Can't execute '" + cmd.fullname + "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context"
}

// publishEvents publishes the keyspace events cl's last command fired,
// once its locks are released. Messages cl publishes to itself are placed
// in its reply stream where each event fired.
func (s *Server) publishEvents(cl *client) {
	if !cl.ctx.HasEvents() {
		return
	}
	shift := 0
	for _, e := range cl.ctx.TakeEvents() {
		cl.scratch = s.publishEvent(e, cl.sub, cl.scratch)
		if !cl.sub.HasSelf() {
			continue
		}
		at := len(cl.w.Buf)
		if e.ReplyAt >= 0 && e.ReplyAt+shift < at {
			at = e.ReplyAt + shift
		}
		self := cl.sub.TakeSelf(nil)
		cl.w.Buf = slices.Insert(cl.w.Buf, at, self...)
		shift += len(self)
	}
}

// publishEventList publishes events fired outside a client's command: the
// expiry cycle's, a blocked client's served on its behalf.
func (s *Server) publishEventList(events []db.Event) {
	var scratch []byte
	for _, e := range events {
		scratch = s.publishEvent(e, nil, scratch)
	}
}

// publishEvent publishes one keyspace event as Redis's notifyKeyspaceEvent
// does: the event name on __keyspace@<db>__:<key> (K), the key on
// __keyevent@<db>__:<event> (E). scratch is reused for the channel names
// and returned.
func (s *Server) publishEvent(e db.Event, from *pubsub.Subscriber, scratch []byte) []byte {
	flags := s.ks.Notify.Flags()
	if flags&db.NotifyKeyspace != 0 {
		scratch = append(scratch[:0], "__keyspace@"...)
		scratch = strconv.AppendInt(scratch, int64(e.DB), 10)
		scratch = append(scratch, "__:"...)
		scratch = append(scratch, e.Key...)
		s.pubsub.Publish(pubsub.Channel, scratch, []byte(e.Name), from)
	}
	if flags&db.NotifyKeyevent != 0 {
		scratch = append(scratch[:0], "__keyevent@"...)
		scratch = strconv.AppendInt(scratch, int64(e.DB), 10)
		scratch = append(scratch, "__:"...)
		scratch = append(scratch, e.Name...)
		s.pubsub.Publish(pubsub.Channel, scratch, e.Key, from)
	}
	return scratch
}
