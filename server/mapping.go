package server

import (
	"strings"

	"github.com/petrelmq/petrel/internal/subject"
)

// sameWildcards reports whether filters a and b have the same wildcards
// in the same order (any number of '*', and a final '>' in both or
// neither), so that a subject of one maps onto the other.
func sameWildcards(a, b string) bool { return wildcards(a) == wildcards(b) }

func wildcards(f string) string {
	var w []byte
	for _, tok := range strings.Split(f, ".") {
		if tok == subject.AnyToken || tok == subject.AnyTail {
			w = append(w, tok[0])
		}
	}
	return string(w)
}

// mapSubject rewrites subj, which src matches (subj may itself be a
// filter within src), onto dst: the tokens that src's wildcards stand for
// replace dst's wildcards in order. src and dst have the same wildcards.
func mapSubject(src, dst, subj string) string {
	if src == dst {
		return subj
	}
	if subject.IsLiteral(src) {
		return dst
	}
	var caps []string
	for {
		st, srest, smore := subject.NextToken(src)
		tok, rest, more := subject.NextToken(subj)
		switch st {
		case subject.AnyTail:
			caps = append(caps, subj)
			more = false
		case subject.AnyToken:
			caps = append(caps, tok)
		}
		if !smore || !more {
			break
		}
		src, subj = srest, rest
	}
	var b strings.Builder
	b.Grow(len(dst) + len(subj))
	for i, tok := range strings.Split(dst, ".") {
		if i > 0 {
			b.WriteByte('.')
		}
		if (tok == subject.AnyToken || tok == subject.AnyTail) && len(caps) > 0 {
			tok, caps = caps[0], caps[1:]
		}
		b.WriteString(tok)
	}
	return b.String()
}
