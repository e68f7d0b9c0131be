package jetstream_test

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

func scheduleStream(t *testing.T, js jsclient.JetStream) jsclient.Stream {
	t.Helper()
	return mustCreate(t, js, jsclient.StreamConfig{
		Name: "S", Subjects: []string{"sched.>", "out.>", "sensor.>"}, AllowMsgSchedules: true, AllowMsgTTL: true,
	})
}

// waitLast polls until subj holds a message with a sequence above after.
func waitLast(t *testing.T, st jsclient.Stream, subj string, after uint64) *jsclient.RawStreamMsg {
	t.Helper()
	var m *jsclient.RawStreamMsg
	testutil.WaitFor(t, 5*time.Second, func() error {
		var err error
		if m, err = st.GetLastMsgForSubject(ctx(t), subj); err != nil {
			return err
		}
		if m.Sequence <= after {
			return fmt.Errorf("%s still at %d", subj, m.Sequence)
		}
		return nil
	})
	return m
}

func TestScheduleAt(t *testing.T) {
	_, _, js := startJS(t, "")
	st := scheduleStream(t, js)
	at := time.Now().Add(time.Second)
	_, err := js.Publish(ctx(t), "sched.once", []byte("hello"),
		jsclient.WithScheduleAt(at), jsclient.WithScheduleTarget("out.once"), jsclient.WithScheduleTTL(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	m := waitLast(t, st, "out.once", 0)
	if string(m.Data) != "hello" || m.Header.Get("Nats-Scheduler") != "sched.once" ||
		m.Header.Get("Nats-Schedule-Next") != "purge" || m.Header.Get("Nats-TTL") != "1m0s" ||
		m.Header.Get("Nats-Schedule") != "" {
		t.Fatalf("produced message: %q %v", m.Data, m.Header)
	}
	if m.Time.Before(at.Truncate(time.Second)) {
		t.Fatalf("produced at %v, before %v", m.Time, at)
	}
	// The one-off schedule is gone once it fired.
	testutil.WaitFor(t, 5*time.Second, func() error {
		if _, err := st.GetLastMsgForSubject(ctx(t), "sched.once"); !errors.Is(err, jsclient.ErrMsgNotFound) {
			return fmt.Errorf("schedule still there: %v", err)
		}
		return nil
	})
}

func TestScheduleEverySamplesSource(t *testing.T) {
	_, _, js := startJS(t, "")
	st := scheduleStream(t, js)
	if _, err := js.Publish(ctx(t), "sensor.temp", []byte("21.5")); err != nil {
		t.Fatal(err)
	}
	_, err := js.Publish(ctx(t), "sched.sample", nil, jsclient.WithScheduleEvery(time.Second),
		jsclient.WithScheduleSource("sensor.temp"), jsclient.WithScheduleTarget("out.sample"))
	if err != nil {
		t.Fatal(err)
	}
	first := waitLast(t, st, "out.sample", 0)
	if string(first.Data) != "21.5" || first.Header.Get("Nats-Scheduler") != "sched.sample" {
		t.Fatalf("sample: %q %v", first.Data, first.Header)
	}
	if _, err := time.Parse(time.RFC3339Nano, first.Header.Get("Nats-Schedule-Next")); err != nil {
		t.Fatalf("Nats-Schedule-Next = %q", first.Header.Get("Nats-Schedule-Next"))
	}
	if _, err := js.Publish(ctx(t), "sensor.temp", []byte("22.0")); err != nil {
		t.Fatal(err)
	}
	second := waitLast(t, st, "out.sample", first.Sequence)
	if string(second.Data) != "22.0" {
		t.Fatalf("second sample %q", second.Data)
	}
	// A client purges the schedule with Nats-Schedule-Next: purge.
	msg := nats.NewMsg("out.stop")
	msg.Header.Set("Nats-Schedule-Next", "purge")
	msg.Header.Set("Nats-Scheduler", "sched.sample")
	if _, err := js.PublishMsg(ctx(t), msg); err != nil {
		t.Fatalf("purge the schedule: %v", err)
	}
	if _, err := st.GetLastMsgForSubject(ctx(t), "sched.sample"); !errors.Is(err, jsclient.ErrMsgNotFound) {
		t.Fatalf("schedule after its purge: %v", err)
	}
}

func TestScheduleSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	s, _, js := startJS(t, dir)
	scheduleStream(t, js)
	_, err := js.Publish(ctx(t), "sched.later", []byte("later"),
		jsclient.WithScheduleAt(time.Now().Add(2*time.Second)), jsclient.WithScheduleTarget("out.later"))
	if err != nil {
		t.Fatal(err)
	}
	s.Shutdown()
	_, _, js = startJS(t, dir)
	st, err := js.Stream(ctx(t), "S")
	if err != nil {
		t.Fatal(err)
	}
	if m := waitLast(t, st, "out.later", 0); string(m.Data) != "later" {
		t.Fatalf("after restart: %q", m.Data)
	}
}

func TestScheduleValidation(t *testing.T) {
	_, nc, js := startJS(t, "")
	scheduleStream(t, js)
	mustCreate(t, js, jsclient.StreamConfig{Name: "PLAIN", Subjects: []string{"plain.>"}})
	for _, tc := range []struct {
		subj    string
		hdr     []string
		errCode int
	}{
		{"plain.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "plain.y"}, 10188},
		{"sched.x", []string{"Nats-Schedule", "@sometimes", "Nats-Schedule-Target", "out.x"}, 10189},
		{"sched.x", []string{"Nats-Schedule", "@every 10ms", "Nats-Schedule-Target", "out.x"}, 10189},
		{"sched.x", []string{"Nats-Schedule", "@every 1s"}, 10190},
		{"sched.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "elsewhere"}, 10190},
		{"sched.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "sched.x"}, 10190},
		{"sched.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "out.x", "Nats-Schedule-TTL", "soon"}, 10191},
		{"sched.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "out.x", "Nats-Schedule-Rollup", "all"}, 10192},
		{"sched.x", []string{"Nats-Schedule", "@every 1s", "Nats-Schedule-Target", "out.x", "Nats-Schedule-Source", "out.x"}, 10203},
		{"sched.x", []string{"Nats-Schedule", "0 0 9 * * *", "Nats-Schedule-Target", "out.x", "Nats-Schedule-Time-Zone", "Mars/Olympus"}, 10223},
		{"sched.x", []string{"Nats-Schedule-Next", "tomorrow", "Nats-Scheduler", "sched.y"}, 10212},
		{"sched.x", []string{"Nats-Schedule-Next", "purge", "Nats-Scheduler", "sched.x"}, 10212},
	} {
		m := nats.NewMsg(tc.subj)
		for i := 0; i+1 < len(tc.hdr); i += 2 {
			m.Header.Set(tc.hdr[i], tc.hdr[i+1])
		}
		reply, err := nc.RequestMsg(m, 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		var ack batchAck
		mustUnmarshal(t, reply.Data, &ack)
		if ack.Error == nil || ack.Error.ErrCode != tc.errCode {
			t.Fatalf("%s %v: %s, want error %d", tc.subj, tc.hdr, reply.Data, tc.errCode)
		}
	}
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","mirror":{"name":"S"},"allow_msg_schedules":true}`, 400, 10186)
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","sources":[{"name":"S"}],"allow_msg_schedules":true}`, 400, 10187)
}
