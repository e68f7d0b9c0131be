package match

import "testing"

func TestMatch(t *testing.T) {
	cases := []struct {
		filter, subject string
		want            bool
	}{
		{"", "a", true},
		{">", "a.b", true},
		{"a", "a", true},
		{"a", "b", false},
		{"a", "a.b", false},
		{"a.b", "a", false},
		{"a.*", "a.b", true},
		{"a.*", "a.b.c", false},
		{"*.b", "a.b", true},
		{"a.>", "a.b.c", true},
		{"a.>", "a", false},
		{"a.*.c", "a.b.c", true},
		{"a.*.c", "a.b.d", false},
		{"*", "a", true},
		{"*", "a.b", false},
		{"a.b*", "a.b*", true},
		{"a.b*", "a.bc", false},
	}
	for _, c := range cases {
		if got := Match(c.filter, c.subject); got != c.want {
			t.Errorf("Match(%q, %q) = %v, want %v", c.filter, c.subject, got, c.want)
		}
	}
}

func TestLiteral(t *testing.T) {
	for f, want := range map[string]bool{
		"": false, ">": false, "a": true, "a.*": false, "a.>": false,
		"*.a": false, "a*.b": true, "a.b>": true,
	} {
		if got := Literal(f); got != want {
			t.Errorf("Literal(%q) = %v, want %v", f, got, want)
		}
	}
}
