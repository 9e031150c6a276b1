package compiler

import (
	"math"
	"math/bits"
)

// The generated parts of a network (random connectivity, uniform weights
// and delays) must be the same on every machine and with every Go version,
// so the generator is defined here rather than taken from math/rand, whose
// algorithms are not promised to stay fixed, and it never calls math.Log,
// which is assembly on some architectures and may differ in the last bit.
// docs/format.md ("Randomness") describes the same algorithm for people
// who want to reproduce a network in another language.

// Stream tags keep the generators of one projection independent even when
// the user gives the same seed to connect, weights and delays.
const (
	streamConnect uint64 = 0x636f6e6e656374 // "connect"
	streamWeights uint64 = 0x77656967687473 // "weights"
	streamDelays  uint64 = 0x64656c617973   // "delays"
)

// rng is SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom
// number generators", 2014): a 64-bit counter advanced by the golden gamma
// and hashed by a fixed finaliser. It passes BigCrush, needs no warm-up and
// costs a few nanoseconds per number.
type rng struct {
	state uint64
	// rejects counts the numbers below drew again (see perSynapse.from)
	rejects int
}

// goldenGamma is SplitMix64's increment: after k numbers the state is the
// first state plus k*goldenGamma, so a stream can start anywhere.
const goldenGamma = 0x9e3779b97f4a7c15

// newRNG starts the generator of one stream: its state is seed XOR tag.
func newRNG(seed, stream uint64) *rng { return &rng{state: seed ^ stream} }

// next returns the next 64 random bits.
func (r *rng) next() uint64 {
	r.state += goldenGamma
	z := r.state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// below returns a uniform integer in [0, n), n >= 1, by Lemire's
// multiply-and-reject method ("Fast random integer generation in an
// interval", 2019): the high word of next()*n, drawing again while the low
// word falls in the biased zone below 2^64 mod n.
func (r *rng) below(n uint64) uint64 {
	hi, lo := bits.Mul64(r.next(), n)
	if lo < n {
		threshold := -n % n
		for lo < threshold {
			r.rejects++
			hi, lo = bits.Mul64(r.next(), n)
		}
	}
	return hi
}

// between returns a uniform integer in [lo, hi], lo <= hi.
func (r *rng) between(lo, hi int64) int64 {
	return lo + int64(r.below(uint64(hi-lo)+1))
}

// unit returns a uniform float64 in (0, 1]: the top 53 bits plus one,
// times 2^-53. Zero is excluded so that its logarithm is finite.
func (r *rng) unit() float64 {
	return float64(r.next()>>11+1) * 0x1p-53
}

// geometric draws the number of failures before the first success of
// independent trials with success probability p: floor(ln u / ln(1-p)),
// where lnQ = detLog(1-p) is computed once by the caller. The quotient is
// +Inf or huge for tiny p; the caller compares it with what is left.
func (r *rng) geometric(lnQ float64) float64 {
	return math.Floor(detLog(r.unit()) / lnQ)
}

// detLog is the natural logarithm of x, for normal x > 0, computed by the
// fdlibm algorithm that Go's math.Log uses in pure Go (__ieee754_log, Sun
// Microsystems 1993, as in $GOROOT/src/math/log.go, BSD licence). Every
// product is wrapped in float64() so that no compiler may fuse it into a
// multiply-add: the Go spec rounds explicit conversions, which makes the
// result the same on every IEEE-754 machine.
func detLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01 /* 3fe62e42 fee00000 */
		ln2Lo = 1.90821492927058770002e-10 /* 3dea39ef 35793c76 */
		lg1   = 6.666666666666735130e-01   /* 3FE55555 55555593 */
		lg2   = 3.999999999940941908e-01   /* 3FD99999 9997FA04 */
		lg3   = 2.857142874366239149e-01   /* 3FD24924 94229359 */
		lg4   = 2.222219843214978396e-01   /* 3FCC71C5 1D8E78AF */
		lg5   = 1.818357216161805012e-01   /* 3FC74664 96CB03DE */
		lg6   = 1.531383769920937332e-01   /* 3FC39A09 D078C69F */
		lg7   = 1.479819860511658591e-01   /* 3FC2F112 DF3E5244 */
	)
	// x = f1 * 2^k with f1 in [sqrt(2)/2, sqrt(2)), by taking the bits apart
	// (x is normal, so its exponent field is not zero).
	b := math.Float64bits(x)
	k := int(b>>52&0x7ff) - 1022
	f1 := math.Float64frombits(b&^(0x7ff<<52) | 1022<<52) // in [0.5, 1)
	if f1 < math.Sqrt2/2 {
		f1 = float64(f1 * 2)
		k--
	}
	f := f1 - 1
	kf := float64(k)

	s := f / (2 + f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * (lg1 + float64(s4*(lg3+float64(s4*(lg5+float64(s4*lg7)))))))
	t2 := float64(s4 * (lg2 + float64(s4*(lg4+float64(s4*lg6)))))
	R := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(kf*ln2Hi) - ((hfsq - (float64(s*(hfsq+R)) + float64(kf*ln2Lo))) - f)
}
