package jetstream_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	jsclient "github.com/nats-io/nats.go/jetstream"
	"github.com/petrelmq/petrel/internal/testutil"
)

// waitStreamLastSeq polls until the stream's last sequence is want and
// its mirror or sources do not lag.
func waitStreamLastSeq(t *testing.T, js jsclient.JetStream, name string, want uint64) *jsclient.StreamInfo {
	t.Helper()
	var info *jsclient.StreamInfo
	testutil.WaitFor(t, 5*time.Second, func() error {
		st, err := js.Stream(ctx(t), name)
		if err != nil {
			return err
		}
		info = st.CachedInfo()
		if info.State.LastSeq != want {
			return fmt.Errorf("%s at last seq %d, want %d", name, info.State.LastSeq, want)
		}
		for _, src := range append(info.Sources, info.Mirror) {
			if src != nil && src.Lag != 0 {
				return fmt.Errorf("%s: source %s lags %d", name, src.Name, src.Lag)
			}
		}
		return nil
	})
	return info
}

func publishFrom(t *testing.T, js jsclient.JetStream, subj string, from, n int) {
	t.Helper()
	for i := from; i < from+n; i++ {
		if _, err := js.Publish(ctx(t), subj, []byte(fmt.Sprint(i))); err != nil {
			t.Fatal(err)
		}
	}
}

func TestMirrorKeepsSequences(t *testing.T) {
	dir := t.TempDir()
	s, _, js := startJS(t, dir)
	orig := mustCreate(t, js, jsclient.StreamConfig{Name: "ORIG", Subjects: []string{"orig.>"}})
	publishFrom(t, js, "orig.a", 0, 10)
	if err := orig.DeleteMsg(ctx(t), 3); err != nil {
		t.Fatal(err)
	}
	time.Sleep(50 * time.Millisecond) // so a copy's own timestamp would differ
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Mirror: &jsclient.StreamSource{Name: "ORIG"}})
	info := waitStreamLastSeq(t, js, "M", 10)
	if info.State.Msgs != 9 || info.Mirror == nil || info.Mirror.Name != "ORIG" || info.Mirror.Lag != 0 {
		t.Fatalf("mirror info: state %+v mirror %+v", info.State, info.Mirror)
	}
	m, _ := js.Stream(ctx(t), "M")
	for seq := uint64(1); seq <= 10; seq++ {
		got, err := m.GetMsg(ctx(t), seq)
		if seq == 3 {
			if err == nil {
				t.Fatalf("deleted origin message 3 is in the mirror: %+v", got)
			}
			continue
		}
		if err != nil || got.Subject != "orig.a" || string(got.Data) != fmt.Sprint(seq-1) {
			t.Fatalf("mirror message %d: %+v %v", seq, got, err)
		}
		// A mirror keeps its origin's timestamps, as nats-server's does.
		if o, err := orig.GetMsg(ctx(t), seq); err != nil || !o.Time.Equal(got.Time) {
			t.Fatalf("mirror message %d stored at %v, origin's at %v (%v)", seq, got.Time, o.Time, err)
		}
	}
	// New origin messages follow, also after a restart.
	publishFrom(t, js, "orig.b", 10, 5)
	waitStreamLastSeq(t, js, "M", 15)
	s.Shutdown()
	_, _, js = startJS(t, dir)
	publishFrom(t, js, "orig.b", 15, 5)
	info = waitStreamLastSeq(t, js, "M", 20)
	if info.State.Msgs != 19 {
		t.Fatalf("mirror after restart: %+v", info.State)
	}
}

func TestMirrorFilterAndStart(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "ORIG", Subjects: []string{"orig.>"}})
	for i := range 10 {
		if _, err := js.Publish(ctx(t), fmt.Sprintf("orig.%d", i%2), nil); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "ODD", Mirror: &jsclient.StreamSource{Name: "ORIG", FilterSubject: "orig.1", OptStartSeq: 5}})
	info := waitStreamLastSeq(t, js, "ODD", 10)
	// Sequences 6, 8 and 10 hold orig.1 from 5 on.
	if info.State.Msgs != 3 || info.State.FirstSeq != 6 {
		t.Fatalf("filtered mirror: %+v", info.State)
	}
}

func TestSourcesAggregate(t *testing.T) {
	dir := t.TempDir()
	s, nc, js := startJS(t, dir)
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a.>"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "B", Subjects: []string{"b.>"}})
	publishFrom(t, js, "a.x", 0, 3)
	publishFrom(t, js, "b.keep", 0, 2)
	publishFrom(t, js, "b.drop", 0, 2)
	mustCreate(t, js, jsclient.StreamConfig{
		Name:     "AGG",
		Subjects: []string{"agg"},
		Sources: []*jsclient.StreamSource{
			{Name: "A", SubjectTransforms: []jsclient.SubjectTransformConfig{{Source: "a.>", Destination: "from-a.>"}}},
			{Name: "B", FilterSubject: "b.keep"},
		},
	})
	if _, err := js.Publish(ctx(t), "agg", nil); err != nil {
		t.Fatal(err)
	}
	info := waitStreamLastSeq(t, js, "AGG", 6)
	if len(info.Sources) != 2 || info.Sources[0].Name != "A" || info.Sources[1].Lag != 0 {
		t.Fatalf("sources info: %+v", info.Sources)
	}
	agg, _ := js.Stream(ctx(t), "AGG")
	m, err := agg.GetLastMsgForSubject(ctx(t), "from-a.x")
	if err != nil {
		t.Fatalf("transformed source message: %v", err)
	}
	if src := m.Header.Get("Nats-Stream-Source"); !strings.HasPrefix(src, "A 3 ") {
		t.Fatalf("Nats-Stream-Source = %q", src)
	}
	if _, err := agg.GetLastMsgForSubject(ctx(t), "b.drop"); err == nil {
		t.Fatal("filtered-out message was sourced")
	}
	// After a restart each source resumes where it was: nothing twice.
	nc.Close()
	s.Shutdown()
	_, _, js = startJS(t, dir)
	publishFrom(t, js, "a.x", 3, 1)
	publishFrom(t, js, "b.keep", 2, 1)
	info = waitStreamLastSeq(t, js, "AGG", 8)
	if info.State.Msgs != 8 {
		t.Fatalf("after restart: %+v", info.State)
	}
}

func TestSourceAddedByUpdate(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "A", Subjects: []string{"a"}})
	mustCreate(t, js, jsclient.StreamConfig{Name: "T", Subjects: []string{"t"}})
	publishFrom(t, js, "a", 0, 4)
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "T", Subjects: []string{"t"}, Sources: []*jsclient.StreamSource{{Name: "A", OptStartSeq: 3}}}); err != nil {
		t.Fatal(err)
	}
	waitStreamLastSeq(t, js, "T", 2)
	// A source whose origin does not exist yet starts copying once it does.
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "T", Subjects: []string{"t"}, Sources: []*jsclient.StreamSource{{Name: "A", OptStartSeq: 3}, {Name: "LATER"}}}); err != nil {
		t.Fatal(err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "LATER", Subjects: []string{"later"}})
	publishFrom(t, js, "later", 0, 1)
	waitStreamLastSeq(t, js, "T", 3)
}

func TestMirrorAndSourceValidation(t *testing.T) {
	_, nc, _ := startJS(t, "")
	for _, tc := range []struct {
		body    string
		errCode int
	}{
		{`{"name":"M","subjects":["x"],"mirror":{"name":"O"}}`, 10034},
		{`{"name":"M","mirror":{"name":"O"},"sources":[{"name":"P"}]}`, 10031},
		{`{"name":"M","mirror":{"name":"O"},"first_seq":5}`, 10143},
		{`{"name":"M","mirror":{"name":"O","opt_start_seq":1,"opt_start_time":"2024-01-01T00:00:00Z"}}`, 10032},
		{`{"name":"M","mirror":{"name":"O","filter_subject":"a","subject_transforms":[{"src":"b","dest":"c"}]}}`, 10150},
		{`{"name":"M","mirror":{"name":"O","subject_transforms":[{"src":"a.>","dest":"c"},{"src":"a.b","dest":"d"}]}}`, 10152},
		{`{"name":"M","mirror":{"name":"O","subject_transforms":[{"src":"a.*","dest":"{{wildcard(3)}}"}]}}`, 10154},
		{`{"name":"M","mirror":{"name":"O","external":{"api":"$JS.x.API"}}}`, 10052},
		{`{"name":"M","mirror":{"name":"M"}}`, 10052},
		{`{"name":"M","sources":[{"name":"O"},{"name":"O"}]}`, 10140},
		{`{"name":"M","sources":[{"name":"O","subject_transforms":[{"src":"a..b"}]}]}`, 10145},
		{`{"name":"M","sources":[{"name":"O","subject_transforms":[{"src":"a","dest":"b"},{"src":"*","dest":"c"}]}]}`, 10147},
	} {
		code := 400
		if tc.errCode == 10052 {
			code = 500
		}
		expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", tc.body, code, tc.errCode)
	}
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","mirror":{"name":"bad.name"}}`, 400, 10142)
}

func TestConfigChecksAgainstState(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "O", Subjects: []string{"o"}, MaxMsgSize: 2048})
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","mirror":{"name":"O"},"max_msg_size":1024}`, 400, 10030)
	expectAPIError(t, nc, "$JS.API.STREAM.CREATE.M", `{"name":"M","sources":[{"name":"O"}],"max_msg_size":1024}`, 400, 10046)
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Mirror: &jsclient.StreamSource{Name: "O"}, MaxMsgSize: 4096})
	// Counters and schedules are switched on only while the stream is empty.
	mustCreate(t, js, jsclient.StreamConfig{Name: "E", Subjects: []string{"e"}})
	if _, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "E", Subjects: []string{"e"}, AllowMsgCounter: true}); err != nil {
		t.Fatalf("counters on an empty stream: %v", err)
	}
	mustCreate(t, js, jsclient.StreamConfig{Name: "F", Subjects: []string{"f"}})
	publishFrom(t, js, "f", 0, 1)
	_, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "F", Subjects: []string{"f"}, AllowMsgSchedules: true})
	expectAPICode(t, err, 10052)
}

// TestMirrorPromotion removes a stream's mirror by update (nats-server
// 2.12): the stream keeps its messages, stops following the origin and
// accepts publishes on the subjects the update gives it. Changing the
// mirror stays refused.
func TestMirrorPromotion(t *testing.T) {
	_, _, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "ORIG", Subjects: []string{"orig.>"}})
	publishFrom(t, js, "orig.a", 0, 5)
	mustCreate(t, js, jsclient.StreamConfig{Name: "M", Mirror: &jsclient.StreamSource{Name: "ORIG"}})
	waitStreamLastSeq(t, js, "M", 5)

	_, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "M", Mirror: &jsclient.StreamSource{Name: "OTHER"}})
	if err == nil || !strings.Contains(err.Error(), "can not be updated") {
		t.Fatalf("changing the mirror: %v, want stream mirror configuration can not be updated", err)
	}
	st, err := js.UpdateStream(ctx(t), jsclient.StreamConfig{Name: "M", Subjects: []string{"m.>"}})
	if err != nil {
		t.Fatalf("removing the mirror: %v", err)
	}
	if info := st.CachedInfo(); info.Config.Mirror != nil || info.State.Msgs != 5 {
		t.Fatalf("promoted stream: mirror %+v, state %+v", info.Config.Mirror, info.State)
	}
	publishFrom(t, js, "orig.a", 5, 1)
	waitStreamLastSeq(t, js, "ORIG", 6)
	ack, err := js.Publish(ctx(t), "m.x", []byte("own"))
	if err != nil || ack.Stream != "M" || ack.Sequence != 6 {
		t.Fatalf("publish to the promoted stream: %+v %v, want M seq 6 (origin's 6th not copied)", ack, err)
	}
}
