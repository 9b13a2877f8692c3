// Package replication holds the pieces of Redis's replication protocol
// (PSYNC2) that are pure state: the backlog, a ring buffer over the tail of
// the write log; the replication ids and offsets, and the decision a master
// makes when a replica asks PSYNC <replid> <offset>; the parsing of the
// replies a replica reads during the handshake. Sockets live in the server
// (package loop), which feeds these from its connections.
//
// # Offsets
//
// A master's replication offset counts the bytes of its write log since the
// log began; a replica's counts the bytes of the master's stream it has
// applied. After a full sync the two start equal (the snapshot's offset)
// and stay equal as the replica applies what the master sends, byte for
// byte, which is also what the replica logs and passes on to its own
// replicas.
//
// # Partial resynchronisation
//
// A replica that lost its link asks to continue from its offset + 1 under
// the replication id it followed. The master agrees (+CONTINUE) when the id
// is its own, or its previous one (replid2, after a promotion) with the
// offset not past where that history ended (second_repl_offset), and the
// bytes from that offset are still in the backlog; otherwise it starts a
// full sync (+FULLRESYNC <replid> <offset> and an RDB).
package replication
