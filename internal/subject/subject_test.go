package subject

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	tests := []struct {
		s               string
		literal, filter bool
	}{
		{"", false, false},
		{".", false, false},
		{"..", false, false},
		{"a", true, true},
		{"a.b.c", true, true},
		{".a", false, false},
		{"a.", false, false},
		{"a..b", false, false},
		{"*", false, true},
		{">", false, true},
		{"a.*", false, true},
		{"*.a", false, true},
		{"a.*.b", false, true},
		{"a.>", false, true},
		{"a.*.>", false, true},
		{"*.*.*", false, true},
		{">.a", false, false},
		{"a.>.b", false, false},
		{"a.>.>", false, false},
		{"a.>.", false, false},
		{"a.*.", false, false},
		{"foo*", true, true},
		{"*foo", true, true},
		{"foo>", true, true},
		{">>", true, true},
		{"**", true, true},
		{"a.b*.c", true, true},
		{"a b", false, false},
		{"a\tb", false, false},
		{"a\rb", false, false},
		{"a\nb", false, false},
		{" a", false, false},
		{"a. ", false, false},
		{"a.\t.b", false, false},
		{"émoji.日本.🚀", true, true},
		{"日本.*", false, true},
		{"$JS.API.STREAM.INFO.orders", true, true},
		{"_INBOX.abc123.>", false, true},
		{"a-b_c:d/e", true, true},
		{"\x00", true, true},
	}
	for _, tt := range tests {
		if got := ValidLiteral(tt.s); got != tt.literal {
			t.Errorf("ValidLiteral(%q) = %v, want %v", tt.s, got, tt.literal)
		}
		if got := ValidFilter(tt.s); got != tt.filter {
			t.Errorf("ValidFilter(%q) = %v, want %v", tt.s, got, tt.filter)
		}
	}
}

func TestIsLiteral(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"", true},
		{"a.b", true},
		{"a..b", true},
		{"foo*", true},
		{"foo>.bar", true},
		{"*", false},
		{">", false},
		{"a.*", false},
		{"*.a", false},
		{"a.>", false},
		{"a.>.b", false},
		{"a.*.b", false},
		{"**.>>", true},
	}
	for _, tt := range tests {
		if got := IsLiteral(tt.s); got != tt.want {
			t.Errorf("IsLiteral(%q) = %v, want %v", tt.s, got, tt.want)
		}
	}
}

func TestNumTokens(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0},
		{"a", 1},
		{".", 2},
		{"a.b.c", 3},
		{"a..b", 3},
		{"a.>", 2},
		{"日本.語", 2},
	}
	for _, tt := range tests {
		if got := NumTokens(tt.s); got != tt.want {
			t.Errorf("NumTokens(%q) = %d, want %d", tt.s, got, tt.want)
		}
	}
}

func TestNextToken(t *testing.T) {
	var got []string
	for tok, rest, more := NextToken("a..bc.>"); ; tok, rest, more = NextToken(rest) {
		got = append(got, tok)
		if !more {
			break
		}
	}
	if want := "a||bc|>"; strings.Join(got, "|") != want {
		t.Fatalf("tokens = %q, want %q", strings.Join(got, "|"), want)
	}
	if tok, rest, more := NextToken(""); tok != "" || rest != "" || more {
		t.Fatalf("NextToken(\"\") = %q, %q, %v", tok, rest, more)
	}
	if n := testing.AllocsPerRun(100, func() {
		for _, rest, more := NextToken("a.b.c.d"); more; _, rest, more = NextToken(rest) {
		}
	}); n != 0 {
		t.Fatalf("NextToken allocates %v times", n)
	}
}

func TestMatch(t *testing.T) {
	tests := []struct {
		filter, subject string
		want            bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a.b", "a.b", true},
		{"a.b", "a", false},
		{"a", "a.b", false},
		{"*", "a", true},
		{"*", "a.b", false},
		{">", "a", true},
		{">", "a.b.c", true},
		{"a.>", "a", false},
		{"a.>", "a.b", true},
		{"a.>", "a.b.c", true},
		{"a.*", "a.b", true},
		{"a.*", "a.b.c", false},
		{"a.*.c", "a.b.c", true},
		{"a.*.c", "a.b.d", false},
		{"*.*", "a.b", true},
		{"a.*.>", "a.b", false},
		{"a.*.>", "a.b.c", true},
		{"a.*.>", "a.b.c.d", true},
		{"*.b.>", "x.b.y", true},
		{"*.b.>", "x.c.y", false},
		{"foo*", "foo*", true},
		{"foo*", "foobar", false},
		{"foo.*", "foo.bar*", true},
		{"foo>", "foo.bar", false},
		{"日本.*", "日本.語", true},
		// Invalid arguments never match.
		{"", "", false},
		{"a", "", false},
		{"", "a", false},
		{".", ".", false},
		{"a..b", "a..b", false},
		{"a.*.b", "a..b", false},
		{"a.>", "a.b.", false},
		{"a.>.b", "a.x.b", false},
		{"a.*", "a.*", false},
		{">", ">", false},
		{"a b", "a b", false},
		{"a.*", "a. ", false},
		{">", "a\nb", false},
	}
	for _, tt := range tests {
		if got := Match(tt.filter, tt.subject); got != tt.want {
			t.Errorf("Match(%q, %q) = %v, want %v", tt.filter, tt.subject, got, tt.want)
		}
	}
}

func TestOverlap(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a.*", "a.b", true},
		{"a.*", "*.b", true},
		{"a.*", "b.*", false},
		{"a.*", "a.*.c", false},
		{"a.>", "a.b.c", true},
		{"a.>", "a", false},
		{">", "a", true},
		{">", "*.*.*", true},
		{"a.>", "*.b.>", true},
		{"a.*.>", "a.b", false},
		{"a.*.>", "*.b.c", true},
		{"*.*", ">", true},
		{"a.b", "a.b.>", false},
		{"", "", false},
		{"a..b", ">", false},
		{"a.>.b", "a.x.b", false},
	}
	for _, tt := range tests {
		if got := Overlap(tt.a, tt.b); got != tt.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
		if got := Overlap(tt.b, tt.a); got != tt.want {
			t.Errorf("Overlap(%q, %q) = %v, want %v", tt.b, tt.a, got, tt.want)
		}
	}
}

func TestSubsetOf(t *testing.T) {
	tests := []struct {
		sub, super string
		want       bool
	}{
		{"a", "a", true},
		{"a", "b", false},
		{"a.b", "a.*", true},
		{"a.*", "a.b", false},
		{"a.*", "a.*", true},
		{"a.*", "a.>", true},
		{"a.>", "a.*", false},
		{"a.>", "a.>", true},
		{"a.>", ">", true},
		{">", "a.>", false},
		{"a.b.c", "a.>", true},
		{"a", "a.>", false},
		{"*.b", "a.*", false},
		{"a.*.>", "a.>", true},
		{"a.>", "a.*.>", false},
		{"*.*", "*.>", true},
		{"", "", false},
		{"a", "", false},
		{"a..b", ">", false},
	}
	for _, tt := range tests {
		if got := SubsetOf(tt.sub, tt.super); got != tt.want {
			t.Errorf("SubsetOf(%q, %q) = %v, want %v", tt.sub, tt.super, got, tt.want)
		}
	}
}

// TestRelationsBruteForce checks Overlap and SubsetOf against their
// definitions by enumerating every subject up to one token longer than the
// filters, over an alphabet that includes a token no filter names.
func TestRelationsBruteForce(t *testing.T) {
	filters := enumerate([]string{"a", "b", "*", ">"}, 3, ValidFilter)
	subjects := enumerate([]string{"a", "b", "c"}, 4, ValidLiteral)
	matched := make(map[string][]bool, len(filters))
	for _, f := range filters {
		for _, s := range subjects {
			matched[f] = append(matched[f], Match(f, s))
		}
	}
	for _, x := range filters {
		for _, y := range filters {
			overlap, subset := false, true
			for i := range subjects {
				overlap = overlap || matched[x][i] && matched[y][i]
				subset = subset && (!matched[x][i] || matched[y][i])
			}
			if got := Overlap(x, y); got != overlap {
				t.Errorf("Overlap(%q, %q) = %v, want %v", x, y, got, overlap)
			}
			if got := SubsetOf(x, y); got != subset {
				t.Errorf("SubsetOf(%q, %q) = %v, want %v", x, y, got, subset)
			}
		}
	}
}

// enumerate returns every join of 1..maxLen tokens from alphabet that keep.
func enumerate(alphabet []string, maxLen int, keep func(string) bool) []string {
	var out []string
	level := []string{""}
	for n := 1; n <= maxLen; n++ {
		var next []string
		for _, prefix := range level {
			for _, tok := range alphabet {
				s := tok
				if prefix != "" {
					s = prefix + "." + tok
				}
				next = append(next, s)
				if keep(s) {
					out = append(out, s)
				}
			}
		}
		level = next
	}
	return out
}

func BenchmarkValidLiteral(b *testing.B) {
	for b.Loop() {
		ValidLiteral("orders.eu.west.created.12345")
	}
}

func BenchmarkMatch(b *testing.B) {
	for b.Loop() {
		Match("orders.*.west.>", "orders.eu.west.created.12345")
	}
}

func BenchmarkMatchUnchecked(b *testing.B) {
	for b.Loop() {
		MatchUnchecked("orders.*.west.>", "orders.eu.west.created.12345")
	}
}
