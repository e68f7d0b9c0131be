// Package match matches NATS subjects against filters for the stores.
// A filter is a subject whose tokens may be "*" (any one token) or, as the
// last token, ">" (one or more tokens). The empty filter matches everything.
package match

import "strings"

// All reports whether filter matches every subject.
func All(filter string) bool { return filter == "" || filter == ">" }

// Literal reports whether filter has no wildcard token.
func Literal(filter string) bool {
	if All(filter) {
		return false
	}
	for i := 0; i < len(filter); i++ {
		c := filter[i]
		if c != '*' && c != '>' {
			continue
		}
		startOK := i == 0 || filter[i-1] == '.'
		endOK := i == len(filter)-1 || filter[i+1] == '.'
		if startOK && endOK {
			return false
		}
	}
	return true
}

// Match reports whether subject matches filter.
func Match(filter, subject string) bool {
	if All(filter) {
		return true
	}
	for {
		ft, frest, fmore := strings.Cut(filter, ".")
		st, srest, smore := strings.Cut(subject, ".")
		switch {
		case ft == ">" && !fmore:
			return st != ""
		case ft != "*" && ft != st:
			return false
		}
		if !fmore || !smore {
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}
