package monitor_test

import (
	"testing"

	"github.com/petrelmq/petrel/monitor"
)

func TestJszDisabled(t *testing.T) {
	s, url := runMonitored(t, nil)
	raw := getJSON[map[string]any](t, url+"/jsz")
	if raw["disabled"] != true || raw["server_id"] != s.ID() || raw["streams"] != 0.0 || raw["memory"] != 0.0 {
		t.Fatalf("jsz with JetStream off: %v", raw)
	}
	if _, ok := raw["config"].(map[string]any); !ok {
		t.Fatalf("jsz config %v", raw["config"])
	}
	if _, ok := raw["api"].(map[string]any); !ok {
		t.Fatalf("jsz api %v", raw["api"])
	}
}

func TestJszFromEngine(t *testing.T) {
	engine := &fakeJetStream{}
	engine.ready.Store(true)
	s, url := runWithEngine(t, engine)
	jsz := getJSON[monitor.JSZ](t, url+"/jsz")
	if jsz.Disabled || jsz.ID != s.ID() || jsz.Now.IsZero() || jsz.Streams != 1 || jsz.Messages != 7 || jsz.AccountDetails != nil {
		t.Fatalf("jsz %+v", jsz)
	}
	detail := getJSON[monitor.JSZ](t, url+"/jsz?accounts=true&streams=1&consumers=1")
	if len(detail.AccountDetails) != 1 || len(detail.AccountDetails[0].Streams) != 1 || len(detail.AccountDetails[0].Streams[0].Consumers) != 1 {
		t.Fatalf("jsz detail %+v", detail)
	}
	v := getJSON[monitor.Varz](t, url+"/varz")
	if v.JetStream.Config == nil || v.JetStream.Config.StoreDir != "/data" || v.JetStream.Stats == nil || v.JetStream.Stats.API.Total != 12 {
		t.Fatalf("varz jetstream %+v", v.JetStream)
	}
}
