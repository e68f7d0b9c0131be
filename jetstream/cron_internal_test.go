package jetstream

import (
	"testing"
	"time"
)

func TestCronNext(t *testing.T) {
	from := time.Date(2025, 3, 14, 10, 30, 15, 0, time.UTC) // a Friday
	for _, tc := range []struct{ expr, want string }{
		{"* * * * * *", "2025-03-14T10:30:16Z"},
		{"0 * * * * *", "2025-03-14T10:31:00Z"},
		{"*/20 * * * * *", "2025-03-14T10:30:20Z"},
		{"0 0 * * * *", "2025-03-14T11:00:00Z"},
		{"@hourly", "2025-03-14T11:00:00Z"},
		{"@daily", "2025-03-15T00:00:00Z"},
		{"@weekly", "2025-03-16T00:00:00Z"},
		{"@monthly", "2025-04-01T00:00:00Z"},
		{"@yearly", "2026-01-01T00:00:00Z"},
		{"30 15 8-11 * * *", "2025-03-14T11:15:30Z"},
		{"30 15 8-9 * * *", "2025-03-15T08:15:30Z"},
		{"0 0 9 * * mon,wed", "2025-03-17T09:00:00Z"},
		{"0 0 0 1 jan-mar *", "2026-01-01T00:00:00Z"},
		{"0 0 12 1,15 * fri", "2025-03-14T12:00:00Z"},
		{"0 0 12 31 2 *", ""},
		{"0 0 0 * * 7", "2025-03-16T00:00:00Z"},
	} {
		c, err := parseCron(tc.expr)
		if err != nil {
			t.Fatalf("%q: %v", tc.expr, err)
		}
		got := c.next(from)
		if tc.want == "" {
			if !got.IsZero() {
				t.Fatalf("%q: %v, want never", tc.expr, got)
			}
			continue
		}
		if got.Format(time.RFC3339) != tc.want {
			t.Fatalf("%q: next %s, want %s", tc.expr, got.Format(time.RFC3339), tc.want)
		}
	}
	for _, bad := range []string{"", "* * * * *", "60 * * * * *", "* * 24 * * *", "5-1 * * * * *", "*/0 * * * * *", "* * * * foo *", "@often"} {
		if _, err := parseCron(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
	loc, err := time.LoadLocation("Asia/Kolkata")
	if err != nil {
		t.Skip("no time zone data")
	}
	c, _ := parseCron("0 0 9 * * *")
	if got := c.next(from.In(loc)); got.UTC().Format(time.RFC3339) != "2025-03-15T03:30:00Z" {
		t.Fatalf("9:00 in Kolkata: %v", got.UTC())
	}
}
