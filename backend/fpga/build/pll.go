package build

import (
	"fmt"
	"math"
)

// PLL is a setting of the iCE40's PLL in SIMPLE feedback mode, the mode
// icepll chooses by default: the reference clock is divided by DIVR+1 to
// the phase detector, multiplied by DIVF+1 in the VCO and divided by
// 2^DIVQ to the output.
type PLL struct {
	InHz, OutHz      int64   // the reference, and the output requested
	AchievedHz       float64 // what the dividers give
	PFDHz, VCOHz     float64 // the phase detector's and the VCO's frequency
	DIVR, DIVF, DIVQ int
	FilterRange      int
}

// The iCE40 PLL's limits in SIMPLE feedback mode (Lattice TN1251, iCE40
// sysCLOCK PLL Design and Usage Guide; icepll checks the same figures).
const (
	pllInMinHz, pllInMaxHz   = 10_000_000, 133_000_000
	pllOutMinHz, pllOutMaxHz = 16_000_000, 275_000_000
	pfdMinHz, pfdMaxHz       = 10_000_000, 133_000_000
	vcoMinHz, vcoMaxHz       = 533_000_000, 1_066_000_000
	maxDIVR, maxDIVF         = 15, 127
	minDIVQ, maxDIVQ         = 1, 6
)

// ComputePLL finds the dividers whose output is closest to outHz. It
// searches as icepll does (DIVR, then DIVF, then DIVQ ascending; the first
// best wins) and in the same floating-point arithmetic in MHz, because
// settings often tie (100 MHz → 33.3 MHz: DIVR 2, DIVF 15 and DIVR 8,
// DIVF 47 both give 33.333 MHz) and only the same rounding breaks the tie
// the same way: the result is then exactly what icepll prints.
func ComputePLL(inHz, outHz int64) (PLL, error) {
	if inHz < pllInMinHz || inHz > pllInMaxHz {
		return PLL{}, fmt.Errorf("PLL reference clock %s is out of range (allowed: 10..133 MHz)", mhz(float64(inHz)))
	}
	if outHz < pllOutMinHz || outHz > pllOutMaxHz {
		return PLL{}, fmt.Errorf("PLL output %s is out of range (allowed: 16..275 MHz)", mhz(float64(outHz)))
	}
	in, out := float64(inHz)/1e6, float64(outHz)/1e6
	best := PLL{DIVR: -1}
	bestOut := 0.0
	for r := 0; r <= maxDIVR; r++ {
		pfd := in / float64(r+1)
		if pfd < pfdMinHz/1e6 || pfd > pfdMaxHz/1e6 {
			continue
		}
		for f := 0; f <= maxDIVF; f++ {
			vco := pfd * float64(f+1)
			if vco < vcoMinHz/1e6 || vco > vcoMaxHz/1e6 {
				continue
			}
			for q := minDIVQ; q <= maxDIVQ; q++ {
				fout := vco * math.Exp2(float64(-q))
				if best.DIVR < 0 || math.Abs(fout-out) < math.Abs(bestOut-out) {
					best = PLL{DIVR: r, DIVF: f, DIVQ: q, PFDHz: pfd * 1e6, VCOHz: vco * 1e6, AchievedHz: fout * 1e6}
					bestOut = fout
				}
			}
		}
	}
	if best.DIVR < 0 {
		return PLL{}, fmt.Errorf("no PLL setting reaches %s from %s", mhz(float64(outHz)), mhz(float64(inHz)))
	}
	best.InHz, best.OutHz = inHz, outHz
	best.FilterRange = filterRange(best.PFDHz / 1e6)
	return best, nil
}

// filterRange is the loop filter setting for a phase detector frequency:
// the bands of Lattice's iCE40 PLL guide, as icepll uses them.
func filterRange(pfdMHz float64) int {
	switch {
	case pfdMHz < 17:
		return 1
	case pfdMHz < 26:
		return 2
	case pfdMHz < 44:
		return 3
	case pfdMHz < 66:
		return 4
	case pfdMHz < 101:
		return 5
	}
	return 6
}

// mhz formats a frequency in Hz as MHz for messages.
func mhz(hz float64) string { return fmt.Sprintf("%.3f MHz", hz/1e6) }
