package jetstream_test

import (
	"errors"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	jsclient "github.com/nats-io/nats.go/jetstream"
)

func TestAPIErrors(t *testing.T) {
	_, nc, js := startJS(t, "")
	mustCreate(t, js, jsclient.StreamConfig{Name: "EXISTS", Subjects: []string{"exists.>"}})
	const create = "$JS.API.STREAM.CREATE."
	for _, tc := range []struct {
		name, subj, body string
		code, errCode    int
	}{
		{"invalid JSON", create + "S", `{"name":`, 400, 10025},
		{"empty create", create + "S", ``, 400, 10003},
		{"name mismatch", create + "S", `{"name":"T"}`, 400, 10056},
		{"path separator", create + "a/b", `{"name":"a/b"}`, 400, 10128},
		{"replicas", create + "S", `{"name":"S","num_replicas":3}`, 500, 10074},
		{"negative replicas", create + "S", `{"name":"S","num_replicas":-1}`, 400, 10133},
		{"overlap", create + "S", `{"name":"S","subjects":["exists.a"]}`, 400, 10065},
		{"invalid subject", create + "S", `{"name":"S","subjects":["a..b"]}`, 500, 10052},
		{"duplicate subjects", create + "S", `{"name":"S","subjects":["a","a"]}`, 500, 10052},
		{"overlap inside", create + "S", `{"name":"S","subjects":["a.*","a.b"]}`, 500, 10052},
		{"api subjects", create + "S", `{"name":"S","subjects":["$JS.API.>"]}`, 500, 10052},
		{"retention", create + "S", `{"name":"S","retention":"forever"}`, 500, 10052},
		{"storage", create + "S", `{"name":"S","storage":"tape"}`, 500, 10052},
		{"discard", create + "S", `{"name":"S","discard":"middle"}`, 500, 10052},
		{"compression", create + "S", `{"name":"S","compression":"zip"}`, 500, 10052},
		{"max_msgs", create + "S", `{"name":"S","max_msgs":-2}`, 500, 10052},
		{"max_bytes", create + "S", `{"name":"S","max_bytes":-5}`, 500, 10052},
		{"max_age", create + "S", `{"name":"S","max_age":-1}`, 500, 10052},
		{"tiny max_age", create + "S", `{"name":"S","max_age":1000}`, 500, 10052},
		{"dup window over age", create + "S", `{"name":"S","max_age":1000000000,"duplicate_window":2000000000}`, 500, 10052},
		{"discard new per subject", create + "S", `{"name":"S","discard_new_per_subject":true}`, 500, 10052},
		{"negative marker ttl", create + "S", `{"name":"S","subject_delete_marker_ttl":-5000000000}`, 500, 10052}, // without allow_msg_ttl it is turned on (TestDeleteMarkerTTLImpliesTTLAndRollup)
		{"short marker", create + "S", `{"name":"S","allow_msg_ttl":true,"subject_delete_marker_ttl":5}`, 500, 10052},
		{"bad transform", create + "S", `{"name":"S","subject_transform":{"src":"a.*","dest":"b.{{wildcard(2)}}"}}`, 400, 10156},
		{"bad transform source", create + "S", `{"name":"S","subject_transform":{"src":"a..b","dest":"b"}}`, 400, 10155},
		{"republish cycle", create + "S", `{"name":"S","subjects":["s.>"],"republish":{"src":">","dest":"s.x"}}`, 500, 10052},
		{"mirror with subjects", create + "S", `{"name":"S","subjects":["m"],"mirror":{"name":"EXISTS"}}`, 400, 10034},
		{"external source", create + "S", `{"name":"S","sources":[{"name":"EXISTS","external":{"api":"$JS.hub.API"}}]}`, 500, 10052},
		{"counters on a mirror", create + "S", `{"name":"S","mirror":{"name":"EXISTS"},"allow_msg_counter":true}`, 400, 10173},
		{"sealed create", create + "S", `{"name":"S","sealed":true}`, 500, 10052},
		{"update missing", "$JS.API.STREAM.UPDATE.NOPE", `{"name":"NOPE"}`, 404, 10059},
		{"info missing", "$JS.API.STREAM.INFO.NOPE", ``, 404, 10059},
		{"info bad JSON", "$JS.API.STREAM.INFO.EXISTS", `[`, 400, 10025},
		{"info bad filter", "$JS.API.STREAM.INFO.EXISTS", `{"subjects_filter":"a..b"}`, 400, 10003},
		{"delete missing", "$JS.API.STREAM.DELETE.NOPE", ``, 404, 10059},
		{"purge missing", "$JS.API.STREAM.PURGE.NOPE", ``, 404, 10059},
		{"purge seq and keep", "$JS.API.STREAM.PURGE.EXISTS", `{"seq":5,"keep":1}`, 400, 10003},
		{"purge bad filter", "$JS.API.STREAM.PURGE.EXISTS", `{"filter":"a..b"}`, 400, 10003},
		{"get empty", "$JS.API.STREAM.MSG.GET.EXISTS", ``, 400, 10003},
		{"get missing stream", "$JS.API.STREAM.MSG.GET.NOPE", `{"seq":1}`, 404, 10059},
		{"get seq and last", "$JS.API.STREAM.MSG.GET.EXISTS", `{"seq":1,"last_by_subj":"a"}`, 400, 10003},
		{"get nothing", "$JS.API.STREAM.MSG.GET.EXISTS", `{}`, 400, 10003},
		{"get last bad subject", "$JS.API.STREAM.MSG.GET.EXISTS", `{"last_by_subj":"a."}`, 404, 10037},
		{"get next bad subject", "$JS.API.STREAM.MSG.GET.EXISTS", `{"next_by_subj":"a..b"}`, 404, 10037},
		{"get no message", "$JS.API.STREAM.MSG.GET.EXISTS", `{"seq":1}`, 404, 10037},
		{"delete msg empty", "$JS.API.STREAM.MSG.DELETE.EXISTS", ``, 400, 10003},
		{"delete msg zero", "$JS.API.STREAM.MSG.DELETE.EXISTS", `{"seq":0}`, 400, 10003},
		{"delete msg missing stream", "$JS.API.STREAM.MSG.DELETE.NOPE", `{"seq":1}`, 404, 10059},
		{"names bad JSON", "$JS.API.STREAM.NAMES", `{`, 400, 10025},
		{"list bad filter", "$JS.API.STREAM.LIST", `{"subject":"a..b"}`, 400, 10003},
	} {
		t.Run(tc.name, func(t *testing.T) {
			expectAPIError(t, nc, tc.subj, tc.body, tc.code, tc.errCode)
		})
	}
}

func TestAPIResponseTypes(t *testing.T) {
	_, nc, _ := startJS(t, "")
	for subj, typ := range map[string]string{
		"$JS.API.INFO":                "io.nats.jetstream.api.v1.account_info_response",
		"$JS.API.STREAM.CREATE.T":     "io.nats.jetstream.api.v1.stream_create_response",
		"$JS.API.STREAM.INFO.T":       "io.nats.jetstream.api.v1.stream_info_response",
		"$JS.API.STREAM.LIST":         "io.nats.jetstream.api.v1.stream_list_response",
		"$JS.API.STREAM.PURGE.T":      "io.nats.jetstream.api.v1.stream_purge_response",
		"$JS.API.STREAM.MSG.GET.T":    "io.nats.jetstream.api.v1.stream_msg_get_response",
		"$JS.API.STREAM.MSG.DELETE.T": "io.nats.jetstream.api.v1.stream_msg_delete_response",
	} {
		body := ""
		if subj == "$JS.API.STREAM.CREATE.T" {
			body = `{"name":"T"}`
		}
		if resp, raw := request(t, nc, subj, body); resp.Type != typ {
			t.Errorf("%s: type in %s, want %s", subj, raw, typ)
		}
	}
	if resp, raw := request(t, nc, "$JS.API.STREAM.DELETE.T", ""); resp.Type != "io.nats.jetstream.api.v1.stream_delete_response" || resp.Error != nil {
		t.Errorf("delete: %s", raw)
	}
	// Endpoints that do not exist have no responders, as in the reference.
	if _, err := nc.Request("$JS.API.STREAM.BOGUS.T", nil, 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("unknown endpoint: %v", err)
	}
	if _, err := nc.Request("$JS.API.STREAM.CREATE.a.b", []byte(`{}`), 5*time.Second); !errors.Is(err, nats.ErrNoResponders) {
		t.Errorf("stream name with a dot: %v", err)
	}
}
