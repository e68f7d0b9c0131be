package conf

import (
	"testing"
	"time"
)

func TestSize(t *testing.T) {
	tests := []struct {
		in   any
		want int64
		err  string
	}{
		{in: int64(1048576), want: 1048576},
		{in: 2.0, want: 2},
		{in: "1MB", want: 1 << 20},
		{in: " 10G ", want: 10_000_000_000},
		{in: "512", want: 512},
		{in: 1.5, err: "expected a size, got float64 1.5"},
		{in: "1.5GB", err: `expected a size, got "1.5GB"`},
		{in: "lots", err: `expected a size, got "lots"`},
		{in: "99999999999T", err: "size '99999999999T' is out of range"},
		{in: true, err: "expected a size, got bool true"},
		{in: m{}, err: "expected a size, got a map"},
		{in: a{}, err: "expected a size, got an array"},
		{in: nil, err: "expected a size, got nothing"},
	}
	for _, tt := range tests {
		got, err := Size(tt.in)
		check(t, "Size", tt.in, got, tt.want, err, tt.err)
	}
}

func TestDuration(t *testing.T) {
	tests := []struct {
		in   any
		want time.Duration
		err  string
	}{
		{in: "2m", want: 2 * time.Minute},
		{in: "1h30m", want: 90 * time.Minute},
		{in: "250ms", want: 250 * time.Millisecond},
		{in: int64(2), want: 2 * time.Second},
		{in: 0.5, want: 500 * time.Millisecond},
		{in: "2", err: `invalid duration "2": time: missing unit in duration "2"`},
		{in: int64(1) << 62, err: "duration of 4611686018427387904 seconds is out of range"},
		{in: 1e300, err: "duration of 1e+300 seconds is out of range"},
		{in: true, err: "expected a duration, got bool true"},
	}
	for _, tt := range tests {
		got, err := Duration(tt.in)
		check(t, "Duration", tt.in, got, tt.want, err, tt.err)
	}
}

func TestBool(t *testing.T) {
	tests := []struct {
		in   any
		want bool
		err  string
	}{
		{in: true, want: true},
		{in: false, want: false},
		{in: "Yes", want: true},
		{in: "off", want: false},
		{in: "maybe", err: `expected a boolean, got "maybe"`},
		{in: int64(1), err: "expected a boolean, got int64 1"},
	}
	for _, tt := range tests {
		got, err := Bool(tt.in)
		check(t, "Bool", tt.in, got, tt.want, err, tt.err)
	}
}

func TestString(t *testing.T) {
	if s, err := String("x"); s != "x" || err != nil {
		t.Errorf(`String("x") = %q, %v`, s, err)
	}
	if _, err := String(int64(3)); err == nil || err.Error() != "expected a string, got int64 3" {
		t.Errorf("String(3) error = %v", err)
	}
}

func check[T comparable](t *testing.T, fn string, in any, got, want T, err error, wantErr string) {
	t.Helper()
	switch {
	case wantErr != "" && (err == nil || err.Error() != wantErr):
		t.Errorf("%s(%#v) error = %v, want %q", fn, in, err, wantErr)
	case wantErr == "" && err != nil:
		t.Errorf("%s(%#v) error = %v", fn, in, err)
	case wantErr == "" && got != want:
		t.Errorf("%s(%#v) = %v, want %v", fn, in, got, want)
	}
}
