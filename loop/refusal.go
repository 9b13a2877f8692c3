package loop

import (
	"errors"
	"strings"
	"syscall"

	"redis-fast/db"
)

// Refusals the dispatcher applies before running a command, byte for byte
// as Redis words them.
const (
	msgMisconf = "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to persist to disk. " +
		"Commands that may modify the data set are disabled, because this instance is configured to report errors " +
		"during writes if RDB snapshotting fails (stop-writes-on-bgsave-error option). Please check the Redis logs " +
		"for details about the RDB error."
	msgMisconfAOF = "MISCONF Errors writing to the AOF file: "
	msgNoReplicas = "NOREPLICAS Not enough good replicas to write."
	msgReadOnly   = "READONLY You can't write against a read only replica."
	msgMasterDown = "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."
)

// updateWriteGate recomputes Server.gated: whether any refusal can apply,
// so that the dispatcher's common case is one atomic load. The cron calls
// it, and so do the changes of role, of configuration and of save status.
func (s *Server) updateWriteGate() {
	cfg := s.config()
	s.gated.Store(s.isReplica() ||
		cfg.MinReplicasToWrite > 0 && cfg.MinReplicasMaxLag > 0 ||
		s.diskError() != "")
}

// diskError is the MISCONF refusal when the disk fails the server, as
// Redis's writeCommandsDeniedByDiskError decides: the last background save
// failed and stop-writes-on-bgsave-error is set, or the AOF cannot be
// written or fsynced. A replica never refuses for it: its master's writes
// must go on.
func (s *Server) diskError() string {
	if s.isReplica() {
		return ""
	}
	cfg := s.config()
	s.rdb.mu.Lock()
	failed := !s.rdb.lastOK
	s.rdb.mu.Unlock()
	if failed && cfg.StopWritesOnBgsaveError && cfg.Save != "" {
		return msgMisconf
	}
	if w := s.aofWriter(); w != nil {
		if err := w.Err(); err != nil {
			return msgMisconfAOF + strerror(err)
		}
	}
	return ""
}

// strerror words a system error as C's strerror does ("No space left on
// device"), which is what Redis puts in its messages.
func strerror(err error) string {
	msg := err.Error()
	var errno syscall.Errno
	if errors.As(err, &errno) {
		msg = errno.Error()
	}
	if msg == "" {
		return msg
	}
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// refusal is the reason, if any, why cmd may not run now, in the order
// Redis checks: the disk fails the server (a write, or PING, which is how
// a client learns of it), too few good replicas for a write, a
// write on a read-only replica, a command that needs fresh data on a
// replica whose link is down and that must not serve stale data. An EXEC
// is judged by the commands it queued.
func (s *Server) refusal(cl *client, cmd *command) string {
	flags, stale := cmd.Flags, cmd.Flags&db.Stale != 0
	if cmd.Name == "exec" && cl.multi != nil {
		stale = true
		for _, q := range cl.multi.cmds {
			flags |= q.cmd.Flags
			stale = stale && q.cmd.Flags&db.Stale != 0
		}
	}
	write := flags&db.Write != 0
	cfg := s.config()
	replica := s.isReplica()
	if write || cmd.Name == "ping" {
		if msg := s.diskError(); msg != "" {
			return msg
		}
	}
	if write && !replica && cfg.MinReplicasToWrite > 0 && cfg.MinReplicasMaxLag > 0 &&
		int(s.repl.goodReplicas.Load()) < cfg.MinReplicasToWrite {
		return msgNoReplicas
	}
	if replica && write && cfg.ReplicaReadOnly {
		return msgReadOnly
	}
	if replica && !stale && !cfg.ReplicaServeStaleData && !s.masterLinkUp() {
		return msgMasterDown
	}
	return ""
}
