package loop

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Log levels, as redis.conf's loglevel names them.
const (
	LevelDebug = iota
	LevelVerbose
	LevelNotice
	LevelWarning
)

var levelMarks = [...]byte{'.', '-', '*', '#'}

// Logger writes lines in Redis's log format:
//
//	pid:M 26 Nov 2026 01:41:24.123 * Ready to accept connections
//
// It is safe for concurrent use. The zero value discards everything.
type Logger struct {
	mu    sync.Mutex
	w     io.Writer
	level atomic.Int32
	pid   int
	role  atomic.Uint32 // 'M' master, 'S' replica, as Redis marks its lines
}

// NewLogger returns a logger writing lines at level and above to w.
func NewLogger(w io.Writer, level int) *Logger {
	l := &Logger{w: w, pid: os.Getpid()}
	l.level.Store(int32(level))
	l.role.Store('M')
	return l
}

// SetReplica marks the lines that follow as a replica's ('S') or a
// master's ('M').
func (l *Logger) SetReplica(replica bool) {
	if l == nil {
		return
	}
	if replica {
		l.role.Store('S')
	} else {
		l.role.Store('M')
	}
}

// Logf writes one line at level.
func (l *Logger) Logf(level int, format string, args ...any) {
	if l == nil || l.w == nil || int32(level) < l.level.Load() {
		return
	}
	now := time.Now()
	line := fmt.Sprintf("%d:%c %s %c %s\n", l.pid, rune(l.role.Load()), now.Format("02 Jan 2006 15:04:05.000"),
		levelMarks[level], fmt.Sprintf(format, args...))
	l.mu.Lock()
	io.WriteString(l.w, line)
	l.mu.Unlock()
}

// Noticef logs at notice level.
func (l *Logger) Noticef(format string, args ...any) { l.Logf(LevelNotice, format, args...) }

// Warningf logs at warning level.
func (l *Logger) Warningf(format string, args ...any) { l.Logf(LevelWarning, format, args...) }

// Verbosef logs at verbose level.
func (l *Logger) Verbosef(format string, args ...any) { l.Logf(LevelVerbose, format, args...) }

// SetLevel changes the level (CONFIG SET loglevel).
func (l *Logger) SetLevel(level int) { l.level.Store(int32(level)) }

// gnetLogger routes gnet's own messages into the server's log.
type gnetLogger struct{ l *Logger }

func (g gnetLogger) Debugf(format string, args ...any) { g.l.Logf(LevelDebug, format, args...) }
func (g gnetLogger) Infof(format string, args ...any)  { g.l.Logf(LevelVerbose, format, args...) }
func (g gnetLogger) Warnf(format string, args ...any)  { g.l.Logf(LevelWarning, format, args...) }
func (g gnetLogger) Errorf(format string, args ...any) { g.l.Logf(LevelWarning, format, args...) }
func (g gnetLogger) Fatalf(format string, args ...any) { g.l.Logf(LevelWarning, format, args...) }
