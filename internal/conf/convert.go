package conf

import (
	"fmt"
	"math"
	"strings"
	"time"
)

// String returns v if it is a string.
func String(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", typeError("a string", v)
	}
	return s, nil
}

// Bool returns v as a boolean: a bool, or a string holding one of the
// boolean words (true/false, yes/no, on/off, in any case).
func Bool(v any) (bool, error) {
	switch v := v.(type) {
	case bool:
		return v, nil
	case string:
		if b, ok := parseBool(strings.TrimSpace(v)); ok {
			return b, nil
		}
	}
	return false, typeError("a boolean", v)
}

// Size returns v as a byte count: an int64 (a bare "1MB" in a file is
// already one), a whole float64, or a string such as "1MB" or "512k".
func Size(v any) (int64, error) {
	switch v := v.(type) {
	case int64:
		return v, nil
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt64 && v < math.MaxInt64 {
			return int64(v), nil
		}
	case string:
		if n, err := scalar(strings.TrimSpace(v)); err == nil {
			if n, ok := n.(int64); ok {
				return n, nil
			}
		} else {
			return 0, err
		}
	}
	return 0, typeError("a size", v)
}

// Duration returns v as a duration: a string in time.ParseDuration form
// ("2m", "1h30m", "250ms"), or a number of seconds. Note that a bare 2m
// in a file is the size 2000000, which this reads as seconds; durations
// with units must be quoted.
func Duration(v any) (time.Duration, error) {
	switch v := v.(type) {
	case string:
		d, err := time.ParseDuration(strings.TrimSpace(v))
		if err != nil {
			return 0, fmt.Errorf("invalid duration %q: %v", v, err)
		}
		return d, nil
	case int64:
		if v > math.MaxInt64/int64(time.Second) || v < math.MinInt64/int64(time.Second) {
			return 0, fmt.Errorf("duration of %d seconds is out of range", v)
		}
		return time.Duration(v) * time.Second, nil
	case float64:
		d := v * float64(time.Second)
		if math.IsNaN(d) || d >= math.MaxInt64 || d <= math.MinInt64 {
			return 0, fmt.Errorf("duration of %v seconds is out of range", v)
		}
		return time.Duration(d), nil
	}
	return 0, typeError("a duration", v)
}

func typeError(want string, v any) error {
	switch v := v.(type) {
	case map[string]any:
		return fmt.Errorf("expected %s, got a map", want)
	case []any:
		return fmt.Errorf("expected %s, got an array", want)
	case string:
		return fmt.Errorf("expected %s, got %q", want, v)
	case nil:
		return fmt.Errorf("expected %s, got nothing", want)
	}
	return fmt.Errorf("expected %s, got %T %v", want, v, v)
}
