package main

import "math/bits"

// rng is SplitMix64 (Steele, Lea, Flood 2014), the generator snnc's format
// uses for its seeded patterns (docs/format.md, Randomness), written out
// here so that the same flags give the same bytes with every Go release:
// math/rand/v2 promises its sources' outputs, not the algorithms of its
// helpers.
type rng struct{ state uint64 }

// Each random choice of the generator has its own stream, seeded by the
// seed XOR a tag, so changing the background rate, say, changes neither
// the motifs nor where they occur.
const (
	tagMotifs     = 0x6d6f74696673     // "motifs"
	tagOnsets     = 0x6f6e73657473     // "onsets"
	tagDrop       = 0x64726f70         // "drop"
	tagBackground = 0x6261636b67726f75 // "backgrou"
)

func newRNG(seed, tag uint64) *rng { return &rng{state: seed ^ tag} }

func (r *rng) next() uint64 {
	r.state += 0x9e3779b97f4a7c15
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// intn returns an integer in [0, n), n > 0, without bias (Lemire's method).
func (r *rng) intn(n int) int {
	un := uint64(n)
	hi, lo := bits.Mul64(r.next(), un)
	if lo < un {
		floor := -un % un
		for lo < floor {
			hi, lo = bits.Mul64(r.next(), un)
		}
	}
	return int(hi)
}

// float returns a float64 in [0, 1) with 53 random bits.
func (r *rng) float() float64 { return float64(r.next()>>11) * (1.0 / (1 << 53)) }
