package jetstream

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/petrelmq/petrel/internal/subject"
)

// transform maps subjects matching a source filter onto a destination
// (ADR-36, the basic token mapping). The destination is built of literal
// tokens, wildcard references "{{wildcard(n)}}" (or the older "$n"), which
// copy the n-th '*' of the source, and a final ">" that copies what the
// source's ">" matched.
type transform struct {
	src  string
	dest []destToken
}

// destToken is a literal (wild == 0), a reference to the wild-th '*' of the
// source (wild > 0), or the tail matched by ">" (wild == -1).
type destToken struct {
	lit  string
	wild int
}

// newTransform parses a mapping; an empty src means every subject.
func newTransform(src, dest string) (*transform, error) {
	if src == "" {
		src = ">"
	}
	if !subject.ValidFilter(src) {
		return nil, fmt.Errorf("invalid source subject %q", src)
	}
	if dest == "" {
		return nil, errors.New("destination is required")
	}
	stars, tail := 0, false
	for _, tok := range strings.Split(src, ".") {
		stars += b2i(tok == "*")
		tail = tail || tok == ">"
	}
	t := &transform{src: src}
	toks := strings.Split(dest, ".")
	for i, tok := range toks {
		dt, err := parseDestToken(tok, stars, tail, i == len(toks)-1)
		if err != nil {
			return nil, err
		}
		t.dest = append(t.dest, dt)
	}
	return t, nil
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func parseDestToken(tok string, stars int, tail, last bool) (destToken, error) {
	switch {
	case tok == "":
		return destToken{}, errors.New("destination has an empty token")
	case tok == ">":
		if !tail || !last {
			return destToken{}, errors.New("destination '>' needs a '>' at the end of the source")
		}
		return destToken{wild: -1}, nil
	}
	n, ok, err := wildcardRef(tok)
	if err != nil {
		return destToken{}, err
	}
	if !ok {
		if tok == "*" || strings.ContainsAny(tok, " \t") {
			return destToken{}, fmt.Errorf("invalid destination token %q", tok)
		}
		return destToken{lit: tok}, nil
	}
	if n < 1 || n > stars {
		return destToken{}, fmt.Errorf("wildcard index %d out of range (source has %d wildcards)", n, stars)
	}
	return destToken{wild: n}, nil
}

// wildcardRef parses "{{wildcard(n)}}" or "$n"; ok is false for a literal,
// which includes a "$" token not followed by a number ("$KV", "$JS").
func wildcardRef(tok string) (n int, ok bool, err error) {
	if rest, found := strings.CutPrefix(tok, "$"); found {
		n, err := strconv.Atoi(rest)
		return n, err == nil, nil
	}
	if !strings.HasPrefix(tok, "{{") {
		return 0, false, nil
	}
	inner, found := strings.CutSuffix(strings.TrimPrefix(tok, "{{"), "}}")
	inner = strings.ReplaceAll(strings.TrimSpace(inner), " ", "")
	lower := strings.ToLower(inner)
	if !found || !strings.HasPrefix(lower, "wildcard(") || !strings.HasSuffix(lower, ")") {
		return 0, false, fmt.Errorf("unsupported mapping function %q", tok)
	}
	n, err = strconv.Atoi(inner[len("wildcard(") : len(inner)-1])
	if err != nil {
		return 0, false, fmt.Errorf("invalid wildcard reference %q", tok)
	}
	return n, true, nil
}

// apply maps subj; ok is false when subj does not match the source.
func (t *transform) apply(subj string) (string, bool) {
	if !subject.Match(t.src, subj) {
		return "", false
	}
	var wild []string
	var tail string
	stoks := strings.Split(t.src, ".")
	toks := strings.Split(subj, ".")
	for i, st := range stoks {
		if st == "*" {
			wild = append(wild, toks[i])
		} else if st == ">" {
			tail = strings.Join(toks[i:], ".")
		}
	}
	var b strings.Builder
	for i, dt := range t.dest {
		if i > 0 {
			b.WriteByte('.')
		}
		switch {
		case dt.wild > 0:
			b.WriteString(wild[dt.wild-1])
		case dt.wild < 0:
			b.WriteString(tail)
		default:
			b.WriteString(dt.lit)
		}
	}
	return b.String(), true
}
