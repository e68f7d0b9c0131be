package log

import (
	"bytes"
	"strings"
	"testing"
)

func TestSetLevelsSwitchesDebugAndTrace(t *testing.T) {
	var buf bytes.Buffer
	l := New(Options{NoTime: true, Output: &buf})
	l.Debugf("hidden")
	l.SetLevels(true, true)
	l.Debugf("debug on")
	l.Tracef("trace on")
	l.SetLevels(false, false)
	l.Tracef("hidden")
	if got, want := buf.String(), "[DBG] debug on\n[TRC] trace on\n"; got != want {
		t.Fatalf("got %q, want %q", got, want)
	}
	if l.TraceEnabled() || strings.Contains(buf.String(), "hidden") {
		t.Fatal("levels not switched off")
	}
}
