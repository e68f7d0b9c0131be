package server

import "testing"

func TestMapSubject(t *testing.T) {
	cases := []struct{ src, dst, subj, want string }{
		{"x.>", "p.x.>", "x.a.b", "p.x.a.b"},
		{"p.x.>", "x.>", "p.x.*.y", "x.*.y"},
		{"froma.>", "$JS.API.>", "froma.STREAM.INFO.s", "$JS.API.STREAM.INFO.s"},
		{"x.*.y", "z.*", "x.k.y", "z.k"},
		{"a.*.*", "b.*.c.*", "a.1.2", "b.1.c.2"},
		{"plain", "renamed", "plain", "renamed"},
		{"same.>", "same.>", "same.q", "same.q"},
	}
	for _, c := range cases {
		if got := mapSubject(c.src, c.dst, c.subj); got != c.want {
			t.Errorf("mapSubject(%q, %q, %q) = %q, want %q", c.src, c.dst, c.subj, got, c.want)
		}
	}
	if !sameWildcards("a.*.>", "b.c.*.>") || sameWildcards("a.*", "a.>") {
		t.Error("sameWildcards")
	}
}
