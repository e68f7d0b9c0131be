package wire

import (
	"math/rand/v2"
	"testing"
)

// Small limits so the fuzzer reaches the boundaries.
const (
	fuzzMaxLine    = 64
	fuzzMaxPayload = 256
)

// FuzzParse checks that Parse never panics (a slice out of range would),
// and that feeding a copy of the input in random chunks gives exactly the
// calls and error of a one-shot parse.
func FuzzParse(f *testing.F) {
	for _, tc := range okCases {
		f.Add([]byte(tc.in), uint64(len(tc.in)))
	}
	for _, tc := range errCases {
		f.Add([]byte(tc.in), uint64(1))
	}
	f.Add(pipeline(), uint64(7))
	f.Fuzz(func(t *testing.T, in []byte, seed uint64) {
		want := parseOneShot(t, fuzzMaxLine, fuzzMaxPayload, in)
		rng := rand.New(rand.NewPCG(seed, seed>>7))
		sizes := randomSizes(rng, len(in), 1+int(seed%17))
		got := parseChunks(t, fuzzMaxLine, fuzzMaxPayload, in, sizes)
		if !sameResult(got, want) {
			t.Fatalf("chunks %v:\n got %v %q\nwant %v %q", sizes, got.calls, got.err, want.calls, want.err)
		}
		for _, c := range want.calls {
			if (c.Op == "PUB" || c.Op == "HPUB") && len(c.C) > fuzzMaxPayload {
				t.Fatalf("payload of %d bytes over the limit", len(c.C))
			}
		}
	})
}
