package jetstream

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/klauspost/compress/s2"
	"github.com/petrelmq/petrel/internal/wire"
)

// Fuzz targets for what clients send the JetStream API: configurations,
// ack subjects, schedule headers and TTLs, and snapshots to restore. Each
// must turn any input into a value or an error, never a panic or an
// allocation the input does not pay for. `go test` runs the seeds; `go
// test -fuzz FuzzX ./jetstream` searches.

func FuzzStreamConfig(f *testing.F) {
	for _, s := range []string{
		`{"name":"S","subjects":["a.>"],"max_msgs":10,"discard":"new"}`,
		`{"name":"M","mirror":{"name":"S","opt_start_seq":5,"subject_transforms":[{"src":"a.*","dest":"b.$1"}]}}`,
		`{"name":"T","allow_msg_ttl":true,"subject_delete_marker_ttl":1000000000,"republish":{"src":">","dest":"r.>"}}`,
		`{"name":"C","allow_msg_counter":true,"allow_atomic":true,"allow_msg_schedules":true,"persist_mode":"async"}`,
		`{"name":"X","subjects":["*.*"],"subject_transform":{"src":"*.*","dest":"{{wildcard(2)}}.{{partition(3,1)}}"}}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg StreamConfig
		if json.Unmarshal(data, &cfg) != nil {
			return
		}
		cfg = cfg.withDefaults()
		if cfg.validate() != nil {
			return
		}
		old := cfg
		_ = cfg.checkUpdate(&old)
		if _, err := json.Marshal(&cfg); err != nil {
			t.Fatalf("a valid config does not encode: %v", err)
		}
	})
}

func FuzzConsumerConfig(f *testing.F) {
	for _, s := range []string{
		`{"durable_name":"D","ack_policy":"explicit","filter_subjects":["a.1","a.2"],"backoff":[1000000000,2000000000],"max_deliver":3}`,
		`{"name":"P","deliver_subject":"d","deliver_group":"g","flow_control":true,"idle_heartbeat":5000000000}`,
		`{"deliver_policy":"by_start_time","opt_start_time":"2026-01-01T00:00:00Z","priority_groups":["g"],"priority_policy":"pinned_client","priority_timeout":1000000000}`,
	} {
		f.Add([]byte(s))
	}
	scfg := StreamConfig{Name: "S", Subjects: []string{"a.>"}}.withDefaults()
	f.Fuzz(func(t *testing.T, data []byte) {
		var cfg ConsumerConfig
		if json.Unmarshal(data, &cfg) != nil {
			return
		}
		cfg = cfg.withDefaults(&scfg)
		if cfg.validate(&scfg) != nil {
			return
		}
		old := cfg
		_ = cfg.checkUpdate(&old)
	})
}

func FuzzAckSubject(f *testing.F) {
	c := &consumer{st: &stream{name: "S"}, name: "C", ackBase: ackBase("S", "C")}
	f.Add(c.ackReply(2, 17, 9, 1700000000000000000, 5))
	f.Add("$JS.ACK.S.C.1.2.3.4")
	f.Add("$JS.ACK.domain.hash.S.C.1.2.3.4.5.token")
	f.Fuzz(func(t *testing.T, subj string) {
		sseq, dseq, ok := c.parseAckSubject(subj)
		if ok && (sseq == 0 || dseq == 0) {
			t.Fatalf("%q parsed to sequence 0 (%d, %d)", subj, sseq, dseq)
		}
	})
}

func FuzzScheduleHeaders(f *testing.F) {
	for _, p := range []string{"@at 2026-12-01T00:00:00Z", "@every 5m", "0 30 9 * * MON-FRI", "@daily", "*/15 * * * * *"} {
		f.Add(p, "Europe/Amsterdam", "1h")
	}
	f.Fuzz(func(t *testing.T, pattern, tz, ttl string) {
		for _, s := range []string{pattern, tz, ttl} {
			if bytes.ContainsAny([]byte(s), "\r\n") {
				return // not a header value
			}
		}
		h := wire.AppendHeader(wire.AppendHeader(nil, hdrSchedule, pattern), hdrScheduleTimeZone, tz)
		_, _ = parseSchedule(wire.AppendHeaderEnd(wire.AppendHeader(h, hdrScheduleTTL, ttl)))
		_, _ = parseTTL(ttl)
		_, _ = parseCron(pattern)
	})
}

func FuzzSnapshot(f *testing.F) {
	var good bytes.Buffer
	w := s2.NewWriter(&good)
	w.Write([]byte(snapshotMagic))
	w.Close()
	f.Add(good.Bytes())
	f.Add(s2.EncodeSnappy(nil, []byte(snapshotMagic+"\xff\xff\xff\xff\x0f")))
	f.Fuzz(func(t *testing.T, data []byte) {
		sr, _, err := newSnapshotReader(bytes.NewReader(data))
		if err != nil {
			return
		}
		for range 1000 {
			m, err := sr.next()
			if err != nil || m == nil {
				return
			}
		}
	})
}
