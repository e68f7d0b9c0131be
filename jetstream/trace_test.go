package jetstream_test

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// traceEvent is the part of an ADR-41 message trace event the test reads.
type traceEvent struct {
	Server struct {
		ID string `json:"id"`
	} `json:"server"`
	Request struct {
		Header map[string][]string `json:"header"`
	} `json:"request"`
	Events []struct {
		Type    string `json:"type"`
		Kind    int    `json:"kind"`
		Subject string `json:"subj"`
		Stream  string `json:"stream"`
		Sub     string `json:"sub"`
		Queue   string `json:"queue"`
	} `json:"events"`
}

// A message with Nats-Trace-Dest makes the server report where it went, as
// nats trace shows it; with Nats-Trace-Only it goes nowhere, not even into
// a stream.
func TestMessageTrace(t *testing.T) {
	s, nc, js := startJS(t, "")
	st := mustCreate(t, js, jsclient.StreamConfig{Name: "ORDERS", Subjects: []string{"orders.>"}})
	listener, err := nc.QueueSubscribeSync("orders.new", "workers")
	if err != nil {
		t.Fatal(err)
	}
	traces, _ := nc.SubscribeSync("trace.dest")
	nc.Flush()

	publish := func(only bool) traceEvent {
		t.Helper()
		m := nats.NewMsg("orders.new")
		m.Data = []byte("hello")
		m.Header.Set("Nats-Trace-Dest", "trace.dest")
		if only {
			m.Header.Set("Nats-Trace-Only", "true")
		}
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
		tm, err := traces.NextMsg(5 * time.Second)
		if err != nil {
			t.Fatalf("no trace event: %v", err)
		}
		var ev traceEvent
		if err := json.Unmarshal(tm.Data, &ev); err != nil {
			t.Fatal(err)
		}
		return ev
	}

	ev := publish(true)
	if ev.Server.ID != s.ID() || len(ev.Events) != 3 || ev.Request.Header["Nats-Trace-Only"][0] != "true" {
		t.Fatalf("trace event %+v", ev)
	}
	in, js1, eg := ev.Events[0], ev.Events[1], ev.Events[2]
	if in.Type != "in" || in.Kind != 0 || in.Subject != "orders.new" {
		t.Fatalf("ingress %+v", in)
	}
	if js1.Type != "js" || js1.Stream != "ORDERS" {
		t.Fatalf("jetstream %+v", js1)
	}
	if eg.Type != "eg" || eg.Sub != "orders.new" || eg.Queue != "workers" {
		t.Fatalf("egress %+v", eg)
	}
	if m, err := listener.NextMsg(200 * time.Millisecond); err == nil {
		t.Fatalf("a trace-only message was delivered: %+v", m)
	}
	if info, _ := st.Info(ctx(t)); info.State.Msgs != 0 {
		t.Fatalf("a trace-only message was stored: %+v", info.State)
	}

	// Traced but not trace-only: delivered and stored as well.
	if ev := publish(false); len(ev.Events) != 3 {
		t.Fatalf("trace event %+v", ev)
	}
	if _, err := listener.NextMsg(5 * time.Second); err != nil {
		t.Fatalf("traced message not delivered: %v", err)
	}
	testutil.WaitFor(t, 5*time.Second, func() error {
		if info, err := st.Info(ctx(t)); err != nil || info.State.Msgs != 1 {
			return fmt.Errorf("traced message not stored: %+v %v", info, err)
		}
		return nil
	})
}
