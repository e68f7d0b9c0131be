// Package log is petrel's leveled logger: one line per event, written to
// stderr or a file, with an optional timestamp and a level tag:
//
//	[2026/11/30 09:41:43.123456] [INF] Listening for client connections on 0.0.0.0:4222
//
// Errors, warnings and notices always print; debug and trace print only
// when enabled, which SetLevels may change while the logger is in use. The format follows what operators of NATS
// servers already read, so their log tooling keeps working.
package log

import (
	"fmt"
	"io"
	"os"
	"sync"
	"sync/atomic"
	"time"
)

// Logger writes leveled lines. The zero value is not usable; use New.
// A Logger is safe for concurrent use.
type Logger struct {
	debug, trace atomic.Bool
	logtime      bool

	mu struct {
		sync.Mutex
		w   io.Writer
		buf []byte
	}
}

// Options configure a Logger.
type Options struct {
	Debug   bool // print debug lines; default off
	Trace   bool // print protocol trace lines; default off
	NoTime  bool // omit the timestamp; default: timestamps on
	Output  io.Writer
	Discard bool // drop every line (for embedded servers that log elsewhere)
}

// New returns a Logger writing to opts.Output (stderr when nil).
func New(opts Options) *Logger {
	l := &Logger{logtime: !opts.NoTime}
	l.SetLevels(opts.Debug, opts.Trace)
	l.mu.w = opts.Output
	if l.mu.w == nil {
		l.mu.w = os.Stderr
	}
	if opts.Discard {
		l.mu.w = io.Discard
	}
	return l
}

// OpenFile returns a Logger that appends to the named file.
func OpenFile(path string, opts Options) (*Logger, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o640)
	if err != nil {
		return nil, fmt.Errorf("log file: %w", err)
	}
	opts.Output = f
	return New(opts), nil
}

// SetLevels turns debug and trace lines on or off (a configuration
// reload); safe while other goroutines log.
func (l *Logger) SetLevels(debug, trace bool) {
	l.debug.Store(debug)
	l.trace.Store(trace)
}

// Noticef logs at the notice (info) level.
func (l *Logger) Noticef(format string, v ...any) { l.write("[INF] ", format, v) }

// Warnf logs a warning.
func (l *Logger) Warnf(format string, v ...any) { l.write("[WRN] ", format, v) }

// Errorf logs an error.
func (l *Logger) Errorf(format string, v ...any) { l.write("[ERR] ", format, v) }

// Fatalf logs a fatal error. It does not exit: the caller decides.
func (l *Logger) Fatalf(format string, v ...any) { l.write("[FTL] ", format, v) }

// Debugf logs at the debug level when enabled.
func (l *Logger) Debugf(format string, v ...any) {
	if l.debug.Load() {
		l.write("[DBG] ", format, v)
	}
}

// Tracef logs protocol traces when enabled.
func (l *Logger) Tracef(format string, v ...any) {
	if l.trace.Load() {
		l.write("[TRC] ", format, v)
	}
}

// TraceEnabled reports whether Tracef prints, so callers can skip
// formatting work on the hot path.
func (l *Logger) TraceEnabled() bool { return l.trace.Load() }

func (l *Logger) write(level, format string, v []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.mu.buf[:0]
	if l.logtime {
		b = time.Now().AppendFormat(b, "[2006/01/02 15:04:05.000000] ")
	}
	b = append(b, level...)
	b = fmt.Appendf(b, format, v...)
	b = append(b, '\n')
	l.mu.w.Write(b)
	l.mu.buf = b
}
