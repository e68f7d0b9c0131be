package subject

import "testing"

// FuzzMatch checks that no function panics and that the relations between
// them hold on arbitrary input.
func FuzzMatch(f *testing.F) {
	for _, seed := range [][2]string{
		{"a.*.>", "a.b.c"},
		{">", "a"},
		{"a..b", "a..b"},
		{"foo*", "foo*"},
		{"*.b", "a.>"},
		{"日本.*", "日本.語"},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, a, b string) {
		checkSubject(t, a)
		checkSubject(t, b)
		checkPair(t, a, b)
	})
}

func checkSubject(t *testing.T, s string) {
	NumTokens(s)
	if ValidLiteral(s) {
		if !ValidFilter(s) || !IsLiteral(s) {
			t.Fatalf("valid literal %q is not a literal filter", s)
		}
		if !Match(s, s) || !Overlap(s, s) || !SubsetOf(s, s) {
			t.Fatalf("literal %q does not match itself", s)
		}
	}
	if ValidFilter(s) && IsLiteral(s) != ValidLiteral(s) {
		t.Fatalf("filter %q: IsLiteral=%v ValidLiteral=%v", s, IsLiteral(s), ValidLiteral(s))
	}
}

func checkPair(t *testing.T, a, b string) {
	m := Match(a, b)
	MatchUnchecked(a, b)
	if m && (!Overlap(a, b) || !SubsetOf(b, a)) {
		t.Fatalf("Match(%q, %q) without Overlap or SubsetOf", a, b)
	}
	if m != (ValidFilter(a) && ValidLiteral(b) && MatchUnchecked(a, b)) {
		t.Fatalf("Match(%q, %q) disagrees with MatchUnchecked", a, b)
	}
	if Overlap(a, b) != Overlap(b, a) {
		t.Fatalf("Overlap(%q, %q) is not symmetric", a, b)
	}
	if SubsetOf(a, b) && !Overlap(a, b) {
		t.Fatalf("SubsetOf(%q, %q) without Overlap", a, b)
	}
	if SubsetOf(a, b) && SubsetOf(b, a) && a != b {
		t.Fatalf("%q and %q are subsets of each other", a, b)
	}
}
