package monitor

import (
	"testing"
	"time"
)

func TestUptimeFormat(t *testing.T) {
	for d, want := range map[time.Duration]string{
		-time.Second:                         "0s",
		0:                                    "0s",
		4*time.Second + 900*time.Millisecond: "4s",
		3*time.Minute + 4*time.Second:        "3m4s",
		time.Hour + 2*time.Minute + 3*time.Second:    "1h2m3s",
		26*time.Hour + 3*time.Minute + 4*time.Second: "1d2h3m4s",
		(366*24 + 1) * time.Hour:                     "1y1d1h0m0s",
	} {
		if got := uptime(d); got != want {
			t.Errorf("uptime(%v) = %q, want %q", d, got, want)
		}
	}
}
