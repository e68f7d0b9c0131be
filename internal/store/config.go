package store

import (
	"errors"
	"time"
)

// Config configures one store. The zero value of every field is valid.
type Config struct {
	// Name identifies the stream inside a diskstore directory. It must be
	// unique there (the stream layer may qualify it with the account) and
	// non-empty for diskstore; memstore ignores it.
	Name string

	// FirstSeq is the sequence of the first message of a new store.
	// Default 1. Ignored when reopening an existing diskstore stream.
	FirstSeq uint64

	// MaxMsgs, MaxBytes and MaxMsgsPerSubject bound the store; zero or
	// negative means unlimited. Default unlimited.
	MaxMsgs           int64
	MaxBytes          int64
	MaxMsgsPerSubject int64
	// MaxAge removes messages older than this. Zero means forever.
	MaxAge time.Duration

	// DiscardNew rejects new messages over MaxMsgs or MaxBytes instead of
	// removing old ones. Default false (discard old).
	DiscardNew bool
	// DiscardNewPerSubject, with DiscardNew, also rejects new messages over
	// MaxMsgsPerSubject. Default false.
	DiscardNewPerSubject bool

	// Compress asks a disk store to keep message payloads (header and
	// data) s2-compressed where that makes them smaller; messages already
	// stored keep their form when it changes. memstore ignores it.
	// Default false.
	Compress bool

	// Now returns the current time in Unix nanoseconds. Default: the wall
	// clock. Tests inject a fake clock here.
	Now func() int64
	// AfterFunc starts the expiry timer: it calls f once d has passed on
	// the clock of Now. Default time.AfterFunc. A test that fakes Now
	// fakes the timer with it too; otherwise a timer armed for a deadline
	// of the fake clock fires on the wall clock, at no step the test chose.
	AfterFunc func(d time.Duration, f func()) Timer

	// OnRemove, if set, is told about every message the store removed by
	// itself (limits, MaxAge, TTL). It is called without store locks held,
	// from the goroutine that caused the removal (Append, Expire, the
	// store's timer, UpdateConfig); it may call the store but should not
	// block for long.
	OnRemove func([]Removal)
}

// WithDefaults returns cfg with unset fields set to their defaults.
func (cfg Config) WithDefaults() Config {
	if cfg.FirstSeq == 0 {
		cfg.FirstSeq = 1
	}
	if cfg.Now == nil {
		cfg.Now = wallClock
	}
	if cfg.AfterFunc == nil {
		cfg.AfterFunc = wallTimer
	}
	return cfg
}

// Timer is the handle of the expiry timer that Config.AfterFunc starts, as
// *time.Timer is.
type Timer interface {
	// Stop keeps the timer from firing.
	Stop() bool
	// Reset makes the timer fire once d has passed from now.
	Reset(d time.Duration) bool
}

func wallTimer(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// Validate reports a configuration that no store accepts.
func (cfg Config) Validate() error {
	if cfg.MaxAge < 0 {
		return errors.New("store: negative MaxAge")
	}
	if cfg.FirstSeq == ^uint64(0) {
		return errors.New("store: FirstSeq out of range")
	}
	return nil
}

func wallClock() int64 { return time.Now().UnixNano() }
