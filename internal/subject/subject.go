// Package subject implements the NATS subject rules: validation, tokens,
// wildcard matching and relations between subscription filters.
//
// A subject is a string of tokens separated by '.':
//
//	orders.eu.created       three tokens: "orders", "eu", "created"
//
// Every token is non-empty (no leading, trailing or doubled dots) and holds no
// whitespace (space, '\t', '\r', '\n'). Any other byte, including UTF-8
// letters, is allowed.
//
// A publish subject (a "literal") names exactly one subject. A subscription
// subject (a "filter") may also use two wildcard tokens:
//
//	orders.*.created   '*' matches exactly one token
//	orders.>           '>' matches one or more trailing tokens; it may only
//	                   be the last token
//
// A wildcard is a whole token: in "foo*" or "a>b" the '*' and '>' are plain
// characters, so "foo*" is a valid literal.
//
// Match, Overlap and SubsetOf are strict: they return false when an argument
// breaks these rules, and they never panic. MatchUnchecked skips the checks for
// callers that validated their inputs already.
package subject

import "strings"

// Separator is the byte between tokens.
const Separator = '.'

// Wildcard tokens.
const (
	AnyToken = "*" // matches exactly one token
	AnyTail  = ">" // matches one or more trailing tokens
)

// ValidLiteral reports whether s is a valid publish subject: non-empty tokens,
// no whitespace and no wildcard tokens.
func ValidLiteral(s string) bool { return valid(s, false) }

// ValidFilter reports whether s is a valid subscription subject: like
// ValidLiteral, but '*' may be any whole token and '>' the whole last token.
func ValidFilter(s string) bool { return valid(s, true) }

// valid checks s in one pass; wild permits the wildcard tokens.
func valid(s string, wild bool) bool {
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) {
			switch s[i] {
			case ' ', '\t', '\r', '\n':
				return false
			case Separator:
			default:
				continue
			}
		}
		if !validTokenAt(s, start, i, wild) {
			return false
		}
		start = i + 1
	}
	return true
}

// validTokenAt checks the token s[start:end] given that it contains no
// separator and no whitespace.
func validTokenAt(s string, start, end int, wild bool) bool {
	switch {
	case end == start:
		return false
	case end-start > 1:
		return true
	case s[start] == '*':
		return wild
	case s[start] == '>':
		return wild && end == len(s)
	}
	return true
}

// IsLiteral reports whether s contains no wildcard token. It does not check
// anything else: IsLiteral("a..b") is true.
func IsLiteral(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '*' && c != '>' {
			continue
		}
		if (i == 0 || s[i-1] == Separator) && (i+1 == len(s) || s[i+1] == Separator) {
			return false
		}
	}
	return true
}

// NumTokens returns the number of tokens in s, counting empty ones; it is 0
// for the empty string.
func NumTokens(s string) int {
	if s == "" {
		return 0
	}
	return strings.Count(s, string(Separator)) + 1
}

// NextToken splits off the first token of s without allocating. more reports
// whether a separator followed tok, that is whether rest holds another token
// (possibly empty). Iterate with:
//
//	for tok, rest, more := NextToken(s); ; tok, rest, more = NextToken(rest) {
//		use(tok)
//		if !more {
//			break
//		}
//	}
func NextToken(s string) (tok, rest string, more bool) {
	i := strings.IndexByte(s, Separator)
	if i < 0 {
		return s, "", false
	}
	return s[:i], s[i+1:], true
}

// Match reports whether the literal subject is matched by filter. It is false
// unless filter is a valid filter and subject a valid literal.
func Match(filter, subject string) bool {
	return ValidFilter(filter) && ValidLiteral(subject) && MatchUnchecked(filter, subject)
}

// MatchUnchecked is Match for inputs the caller has already validated
// (ValidFilter(filter) and ValidLiteral(subject)). On other inputs its result
// is unspecified, but it never panics.
func MatchUnchecked(filter, subject string) bool {
	for {
		ft, frest, fmore := NextToken(filter)
		st, srest, smore := NextToken(subject)
		switch {
		case ft == AnyTail && !fmore:
			return true
		case ft == AnyToken || ft == st:
		default:
			return false
		}
		if !fmore || !smore {
			return fmore == smore
		}
		filter, subject = frest, srest
	}
}

// Overlap reports whether some literal subject is matched by both filters a
// and b. It is false if either is not a valid filter.
func Overlap(a, b string) bool {
	if !ValidFilter(a) || !ValidFilter(b) {
		return false
	}
	for {
		at, arest, amore := NextToken(a)
		bt, brest, bmore := NextToken(b)
		switch {
		case at == AnyTail || bt == AnyTail:
			// '>' is last and the other side has at least one token left.
			return true
		case at == AnyToken || bt == AnyToken || at == bt:
		default:
			return false
		}
		if !amore || !bmore {
			return amore == bmore
		}
		a, b = arest, brest
	}
}

// SubsetOf reports whether every literal subject matched by filter sub is
// also matched by filter super. It is false if either is not a valid filter.
func SubsetOf(sub, super string) bool {
	if !ValidFilter(sub) || !ValidFilter(super) {
		return false
	}
	for {
		bt, brest, bmore := NextToken(sub)
		pt, prest, pmore := NextToken(super)
		switch {
		case pt == AnyTail:
			return true
		case bt == AnyTail:
			// sub matches any number of trailing tokens, super a fixed number.
			return false
		case pt == AnyToken || pt == bt:
		default:
			return false
		}
		if !bmore || !pmore {
			return bmore == pmore
		}
		sub, super = brest, prest
	}
}
