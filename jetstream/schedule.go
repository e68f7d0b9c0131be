package jetstream

import (
	"bytes"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/petrelmq/petrel/internal/store"
	"github.com/petrelmq/petrel/internal/subject"
	"github.com/petrelmq/petrel/internal/wire"
)

// Message schedules (ADR-51). On a stream with allow_msg_schedules, a
// message with Nats-Schedule ("@at <RFC 3339>", "@every <duration>", a
// 6-field cron expression or a predefined @hourly...) holds a schedule:
// it rolls up its subject (one schedule per subject) and the stream
// publishes its body, or the last message of Nats-Schedule-Source, to
// Nats-Schedule-Target at the scheduled times, with Nats-Scheduler and
// Nats-Schedule-Next (the next time, or "purge" after a one-off, which
// then removes the schedule). Nats-Schedule-TTL and -Rollup become the
// produced message's Nats-TTL and Nats-Rollup. The scheduler keeps the
// schedules of the stream in memory, rebuilt from the store at start.
const (
	hdrSchedule         = "Nats-Schedule"
	hdrScheduleTimeZone = "Nats-Schedule-Time-Zone"
	hdrScheduleTTL      = "Nats-Schedule-TTL"
	hdrScheduleRollup   = "Nats-Schedule-Rollup"
	hdrScheduleTarget   = "Nats-Schedule-Target"
	hdrScheduleSource   = "Nats-Schedule-Source"
	hdrScheduler        = "Nats-Scheduler"
	hdrScheduleNext     = "Nats-Schedule-Next"
	scheduleNextPurge   = "purge"
)

// schedule is a parsed Nats-Schedule: when it fires next after a time.
type schedule struct {
	at     time.Time     // @at
	every  time.Duration // @every
	cron   *cron
	loc    *time.Location
	repeat bool
}

// parseSchedule reads the schedule headers of a message.
func parseSchedule(hdr []byte) (*schedule, *APIError) {
	pattern, _ := wire.HeaderGet(hdr, hdrSchedule)
	p := string(pattern)
	s := &schedule{loc: time.UTC}
	tz, hasTZ := wire.HeaderGet(hdr, hdrScheduleTimeZone)
	if hasTZ {
		loc, err := time.LoadLocation(string(tz))
		if len(tz) == 0 || err != nil {
			return nil, newError(ErrMessageSchedulesTimeZone)
		}
		s.loc = loc
	}
	var err error
	switch {
	case strings.HasPrefix(p, "@at "):
		s.at, err = time.Parse(time.RFC3339, p[len("@at "):])
	case strings.HasPrefix(p, "@every "):
		s.every, err = time.ParseDuration(p[len("@every "):])
		if err == nil && s.every < time.Second {
			err = errCron
		}
		s.repeat = true
	default:
		s.cron, err = parseCron(p)
		s.repeat = true
	}
	if err != nil || (hasTZ && s.cron == nil) {
		return nil, newError(ErrMessageSchedulesPattern)
	}
	return s, nil
}

// next is when the schedule fires after from; a repeating schedule whose
// next time has passed (as after a restart) fires once, soon.
func (s *schedule) next(from time.Time) time.Time {
	now := time.Now()
	switch {
	case !s.repeat:
		return s.at
	case s.every > 0:
		next := from.Round(time.Second).Add(s.every)
		if next.Before(now) {
			next = now.Round(time.Second).Add(s.every)
		}
		return next
	}
	next := s.cron.next(from.In(s.loc))
	if next.Before(now) {
		next = s.cron.next(now.In(s.loc))
	}
	return next
}

// checkSchedule validates the schedule headers of a published message
// and makes a schedule roll up its subject.
func (in *ingest) checkSchedule(cfg *StreamConfig, m *inMsg, e *store.Entry, it *pubItem) *APIError {
	if len(m.hdr) == 0 {
		return nil
	}
	if apiErr := in.checkSchedulePurge(cfg, m.hdr, e.Subject); apiErr != nil {
		return apiErr
	}
	if _, ok := wire.HeaderGet(m.hdr, hdrSchedule); !ok {
		return nil
	}
	if !cfg.AllowMsgSchedules {
		return newError(ErrMessageSchedulesDisabled)
	}
	if _, apiErr := parseSchedule(m.hdr); apiErr != nil {
		return apiErr
	}
	if apiErr := checkScheduleFields(cfg, m.hdr, e.Subject); apiErr != nil {
		return apiErr
	}
	if it.rollup == "" {
		hdr := openHeader(e.Header)
		hdr = wire.AppendHeader(hdr, hdrRollup, rollupSubject)
		e.Header = wire.AppendHeaderEnd(hdr)
	}
	it.rollup = rollupSubject
	return nil
}

// checkScheduleFields checks TTL, rollup, target and source.
func checkScheduleFields(cfg *StreamConfig, hdr []byte, subj string) *APIError {
	if v, ok := wire.HeaderGet(hdr, hdrScheduleTTL); ok {
		if _, err := parseTTL(string(v)); err != nil || len(v) == 0 {
			return newError(ErrMessageSchedulesTTL)
		}
		if !cfg.AllowMsgTTL {
			return newError(ErrMessageTTLDisabled)
		}
	}
	if v, ok := wire.HeaderGet(hdr, hdrScheduleRollup); ok && string(v) != rollupSubject {
		return newError(ErrMessageSchedulesRollup)
	}
	if v, ok := wire.HeaderGet(hdr, hdrRollup); ok && string(v) != rollupSubject {
		return newError(ErrMessageSchedulesRollup)
	}
	target, _ := wire.HeaderGet(hdr, hdrScheduleTarget)
	if !inStream(cfg, string(target)) || string(target) == subj {
		return newError(ErrMessageSchedulesTarget)
	}
	source, ok := wire.HeaderGet(hdr, hdrScheduleSource)
	if ok && (!inStream(cfg, string(source)) || string(source) == subj || bytes.Equal(source, target)) {
		return newError(ErrMessageSchedulesSource)
	}
	return nil
}

// inStream reports a literal subject that the stream captures.
func inStream(cfg *StreamConfig, subj string) bool {
	return subject.ValidLiteral(subj) && slices.ContainsFunc(cfg.Subjects, func(f string) bool {
		return subject.Match(f, subj)
	})
}

// checkSchedulePurge checks a client's Nats-Schedule-Next: only "purge",
// with Nats-Scheduler naming a subject that holds a schedule.
func (in *ingest) checkSchedulePurge(cfg *StreamConfig, hdr []byte, subj string) *APIError {
	next, ok := wire.HeaderGet(hdr, hdrScheduleNext)
	if !ok {
		return nil
	}
	scheduler, _ := wire.HeaderGet(hdr, hdrScheduler)
	switch {
	case string(next) != scheduleNextPurge, !subject.ValidLiteral(string(scheduler)), string(scheduler) == subj:
		return newError(ErrMessageSchedulesScheduler)
	case !cfg.AllowMsgSchedules:
		return newError(ErrMessageSchedulesDisabled)
	}
	if m, err := in.st.store.LoadLastMsg(string(scheduler)); err == nil {
		if _, isSchedule := wire.HeaderGet(m.Header, hdrSchedule); !isSchedule {
			return newError(ErrMessageSchedulesScheduler)
		}
	}
	return nil
}

// scheduler runs a stream's schedules.
type scheduler struct {
	st *stream
	mu struct {
		sync.Mutex
		due     map[string]*scheduled // by schedule subject
		timer   *time.Timer
		stopped bool
	}
}

// scheduled is one schedule: the message holding it and its next time.
type scheduled struct {
	seq  uint64
	next time.Time
}

// noteSchedules registers the schedules of a durable batch and applies
// the purges ("Nats-Schedule-Next: purge") in it.
func (st *stream) noteSchedules(entries []store.Entry) {
	if !st.config().AllowMsgSchedules {
		return
	}
	for i := range entries {
		e := &entries[i]
		if e.Seq == 0 || len(e.Header) == 0 {
			continue
		}
		if _, ok := wire.HeaderGet(e.Header, hdrSchedule); ok {
			st.sched.add(e.Subject, e.Seq, e.Header, time.Unix(0, e.Time))
		}
		if next, ok := wire.HeaderGet(e.Header, hdrScheduleNext); ok && string(next) == scheduleNextPurge {
			scheduler, _ := wire.HeaderGet(e.Header, hdrScheduler)
			st.purgeSchedule(string(scheduler), e.Seq)
		}
	}
}

// purgeSchedule removes the schedule on subj stored before seq.
func (st *stream) purgeSchedule(subj string, seq uint64) {
	st.sched.remove(subj, seq)
	if _, err := st.store.Purge(store.PurgeOpts{Subject: subj, Seq: seq}); err != nil {
		st.acc.svc.log.Errorf("JetStream stream %s: purge schedule %s: %v", st.name, subj, err)
	}
}

func (s *scheduler) add(subj string, seq uint64, hdr []byte, stored time.Time) {
	sch, apiErr := parseSchedule(hdr)
	if apiErr != nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.stopped {
		return
	}
	if s.mu.due == nil {
		s.mu.due = make(map[string]*scheduled)
	}
	s.mu.due[subj] = &scheduled{seq: seq, next: sch.next(stored)}
	s.armLocked()
}

// remove forgets the schedule on subj if it was stored before seq.
func (s *scheduler) remove(subj string, seq uint64) {
	s.mu.Lock()
	if sc := s.mu.due[subj]; sc != nil && sc.seq < seq {
		delete(s.mu.due, subj)
	}
	s.mu.Unlock()
}

// armLocked sets the timer for the earliest schedule.
func (s *scheduler) armLocked() {
	var first time.Time
	for _, sc := range s.mu.due {
		if first.IsZero() || sc.next.Before(first) {
			first = sc.next
		}
	}
	if first.IsZero() {
		return
	}
	wait := max(time.Until(first), 0)
	if s.mu.timer == nil {
		s.mu.timer = time.AfterFunc(wait, s.fire)
		return
	}
	s.mu.timer.Reset(wait)
}

// fire produces the messages of every schedule that is due.
func (s *scheduler) fire() {
	now := time.Now()
	s.mu.Lock()
	if s.mu.stopped {
		s.mu.Unlock()
		return
	}
	var due []string
	for subj, sc := range s.mu.due {
		if !sc.next.After(now) {
			due = append(due, subj)
		}
	}
	slices.Sort(due)
	for _, subj := range due {
		s.produceLocked(subj, s.mu.due[subj], now)
	}
	s.armLocked()
	s.mu.Unlock()
}

// produceLocked queues the message of one due schedule and moves it to
// its next time (a one-off is forgotten; its purge follows the message).
func (s *scheduler) produceLocked(subj string, sc *scheduled, now time.Time) {
	st := s.st
	m, err := st.store.LoadMsg(sc.seq)
	sch, apiErr := (*schedule)(nil), (*APIError)(nil)
	if err == nil {
		sch, apiErr = parseSchedule(m.Header)
	}
	if err != nil || apiErr != nil || m.Subject != subj {
		delete(s.mu.due, subj)
		return
	}
	next := ""
	if sch.repeat {
		sc.next = sch.next(now)
		next = sc.next.UTC().Format(time.RFC3339Nano)
	} else {
		delete(s.mu.due, subj)
		next = scheduleNextPurge
	}
	st.in.push(producedMsg(st, m, next))
}

// producedMsg is the message a schedule publishes to its target.
func producedMsg(st *stream, m *store.Msg, next string) inMsg {
	target, _ := wire.HeaderGet(m.Header, hdrScheduleTarget)
	ttl, hasTTL := wire.HeaderGet(m.Header, hdrScheduleTTL)
	rollup, hasRollup := wire.HeaderGet(m.Header, hdrScheduleRollup)
	body, hdr := m.Data, m.Header
	if source, ok := wire.HeaderGet(m.Header, hdrScheduleSource); ok {
		if last, err := st.store.LoadLastMsg(string(source)); err == nil {
			body, hdr = last.Data, last.Header
		}
	}
	out := withoutHeaders(hdr, func(k string) bool {
		return strings.HasPrefix(k, hdrSchedule) || strings.HasPrefix(k, "Nats-Expected-") ||
			k == hdrMsgID || k == hdrTTL || k == hdrRollup
	})
	out = wire.AppendHeader(out, hdrScheduler, m.Subject)
	out = wire.AppendHeader(out, hdrScheduleNext, next)
	if hasTTL {
		out = wire.AppendHeader(out, hdrTTL, string(ttl))
	}
	if hasRollup {
		out = wire.AppendHeader(out, hdrRollup, string(rollup))
	}
	return inMsg{subject: string(target), hdr: wire.AppendHeaderEnd(out), data: body,
		src: &copyInfo{rollup: hasRollup}}
}

// withoutHeaders copies a header block without the closing empty line and
// without the headers drop selects, ready for more headers.
func withoutHeaders(hdr []byte, drop func(key string) bool) []byte {
	out := wire.AppendStatusLine(nil, 0, "")
	lines := strings.Split(string(hdr), "\r\n")
	for _, line := range lines[min(1, len(lines)):] {
		k, v, ok := strings.Cut(line, ":")
		if !ok || drop(strings.TrimSpace(k)) {
			continue
		}
		out = wire.AppendHeader(out, strings.TrimSpace(k), strings.TrimSpace(v))
	}
	return out
}

// stop stops the timer; schedules are not run after.
func (s *scheduler) stop() {
	s.mu.Lock()
	s.mu.stopped = true
	if s.mu.timer != nil {
		s.mu.timer.Stop()
	}
	s.mu.Unlock()
}

// recoverSchedules registers the schedules the store holds.
func (st *stream) recoverSchedules() error {
	if !st.config().AllowMsgSchedules {
		return nil
	}
	return scanMsgs(st.store, 0, func(m *store.Msg) (bool, error) {
		if _, ok := wire.HeaderGet(m.Header, hdrSchedule); ok {
			st.sched.add(m.Subject, m.Seq, m.Header, time.Unix(0, m.Time))
		}
		return true, nil
	})
}

// checkSchedules validates allow_msg_schedules against the rest of the
// configuration.
func (cfg *StreamConfig) checkSchedules() *APIError {
	switch {
	case !cfg.AllowMsgSchedules:
		return nil
	case cfg.Mirror != nil:
		return newError(ErrMirrorWithMsgSchedules)
	case len(cfg.Sources) > 0:
		return newError(ErrSourceWithMsgSchedules)
	}
	return nil
}
