package conf

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// sizeSuffixes maps a lower-case size suffix to its multiplier.
var sizeSuffixes = map[string]int64{
	"k": 1e3, "kb": 1 << 10, "ki": 1 << 10, "kib": 1 << 10,
	"m": 1e6, "mb": 1 << 20, "mi": 1 << 20, "mib": 1 << 20,
	"g": 1e9, "gb": 1 << 30, "gi": 1 << 30, "gib": 1 << 30,
	"t": 1e12, "tb": 1 << 40, "ti": 1 << 40, "tib": 1 << 40,
	"p": 1e15, "pb": 1 << 50, "pi": 1 << 50, "pib": 1 << 50,
	"e": 1e18, "eb": 1 << 60, "ei": 1 << 60, "eib": 1 << 60,
}

var boolWords = map[string]bool{
	"true": true, "yes": true, "on": true,
	"false": false, "no": false, "off": false,
}

// parseBool reports the value of a boolean word, case-insensitively.
func parseBool(s string) (value, ok bool) {
	value, ok = boolWords[strings.ToLower(s)]
	return value, ok
}

// scalar gives a bare word its type: a boolean word, an integer with an
// optional size suffix, a float of the form digits.digits, or else the
// string itself. It fails only for numbers out of the int64 range.
func scalar(w string) (any, error) {
	if b, ok := parseBool(w); ok {
		return b, nil
	}
	digits := len(w) - len(strings.TrimLeft(strings.TrimPrefix(w, "-"), "0123456789"))
	num, rest := w[:digits], w[digits:]
	if num == "" || num == "-" {
		return w, nil
	}
	if rest == "" || sizeSuffixes[strings.ToLower(rest)] != 0 {
		return sizedInt(num, rest)
	}
	if isFraction(rest) {
		f, err := strconv.ParseFloat(w, 64)
		if err != nil {
			return nil, fmt.Errorf("float '%s' is out of range", w)
		}
		return f, nil
	}
	return w, nil
}

// isFraction reports whether s is '.' followed by one or more digits.
func isFraction(s string) bool {
	return len(s) > 1 && s[0] == '.' && strings.Trim(s[1:], "0123456789") == ""
}

// sizedInt multiplies the integer num by the size suffix (possibly empty).
func sizedInt(num, suffix string) (int64, error) {
	n, err := strconv.ParseInt(num, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("integer '%s%s' is out of range", num, suffix)
	}
	if suffix == "" {
		return n, nil
	}
	mul := sizeSuffixes[strings.ToLower(suffix)]
	if n > math.MaxInt64/mul || n < math.MinInt64/mul {
		return 0, fmt.Errorf("size '%s%s' is out of range", num, suffix)
	}
	return n * mul, nil
}
