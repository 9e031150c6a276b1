package fpga

import "github.com/snnc/snnc/ir"

// WeightClass says how the core reads a synapse's 8-bit weight mantissa m
// (docs/fpga-core.md, "Weight class"). A synapse stores only m and a
// 3-bit class; the class carries what a projection shares — the sign mode
// and the scale 2^(k+6+weight_exp) — so that eight classes serve most
// networks and a synapse stays 24 bits wide.
type WeightClass struct {
	// Shift is s + 2, where the increment is m·2^s (s in -2..21).
	Shift int
	// Signed reads m as an 8-bit two's complement number (mixed sign).
	Signed bool
	// Negate reads m as a magnitude to subtract (inhibitory).
	Negate bool
}

// Class fields in a ctrl word (words 8..15).
const (
	classShiftMask = 0x1f
	classSigned    = 1 << 5
	classNegate    = 1 << 6
)

// ClassOf returns the class of a projection's synapses and k, the low bits
// weight preparation drops (docs/neuron-model.md): a prepared weight w is
// m·2^k.
func ClassOf(mode ir.SignMode, weightBits, weightExp int) (c WeightClass, k int) {
	k = 8 - weightBits
	switch mode {
	case ir.SignMixed:
		k++
		c.Signed = true
	case ir.SignInhibitory:
		c.Negate = true
	case ir.SignExcitatory:
	default:
		panic("fpga: unknown sign mode " + mode.String())
	}
	c.Shift = k + 6 + weightExp + 2
	return c, k
}

// Mantissa returns the 8-bit field m that stores prepared weight w in this
// class, given k from ClassOf.
func (c WeightClass) Mantissa(w int32, k int) uint8 {
	if c.Negate {
		return uint8(-w >> k)
	}
	return uint8(w >> k)
}

// Word returns the class as the core's ctrl register holds it.
func (c WeightClass) Word() uint64 {
	w := uint64(c.Shift) & classShiftMask
	if c.Signed {
		w |= classSigned
	}
	if c.Negate {
		w |= classNegate
	}
	return w
}

// DecodeClass reads a class from its ctrl word.
func DecodeClass(w uint64) WeightClass {
	return WeightClass{Shift: int(w & classShiftMask), Signed: w&classSigned != 0, Negate: w&classNegate != 0}
}

// Increment is what the core adds to the target's accumulator for weight
// mantissa m, exactly as the Verilog computes it: the 9-bit value
// (sign-extended m, −m or m), sign-extended to 26 bits, shifted left by
// Shift, shifted right arithmetically by 2, low 24 bits. The result is
// returned sign-extended from 24 bits. For the class and mantissa of a
// prepared weight w it equals loihisim.Increment(w, weight_exp) modulo
// 2^24 (the tests check every case).
func (c WeightClass) Increment(m uint8) int32 {
	var v int32
	switch {
	case c.Signed:
		v = int32(int8(m))
	case c.Negate:
		v = -int32(m)
	default:
		v = int32(m)
	}
	// 26-bit two's complement arithmetic: keep the low 26 bits after the
	// shift, as the hardware's 26-bit register does, then shift right.
	x := int64(v) << uint(c.Shift)
	x = x << 38 >> 38 // sign-extend from 26 bits
	x >>= 2
	return int32(x << 40 >> 40) // low 24 bits, sign-extended
}

// classTable numbers the distinct classes of a network in first-use order.
type classTable struct {
	classes []WeightClass
	index   map[WeightClass]int
}

// add returns the number of class c, adding it if it is new.
func (t *classTable) add(c WeightClass) int {
	if i, ok := t.index[c]; ok {
		return i
	}
	if t.index == nil {
		t.index = map[WeightClass]int{}
	}
	t.index[c] = len(t.classes)
	t.classes = append(t.classes, c)
	return len(t.classes) - 1
}
