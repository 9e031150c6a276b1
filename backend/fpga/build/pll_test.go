package build

import (
	"fmt"
	"math"
	"os/exec"
	"regexp"
	"strconv"
	"testing"

	"github.com/snnc/snnc/internal/edatest"
)

// Settings icepll printed on this machine (icestorm 0~20230218), so that
// the test holds without icepll too.
func TestPLLKnown(t *testing.T) {
	tests := []struct {
		in, out                  int64
		divr, divf, divq, filter int
		achievedMHz              float64
	}{
		{12e6, 24e6, 0, 63, 5, 1, 24},
		{12e6, 60e6, 0, 79, 4, 1, 60},
		{100e6, 24e6, 2, 22, 5, 3, 23.958},
	}
	for _, tt := range tests {
		p, err := ComputePLL(tt.in, tt.out)
		if err != nil {
			t.Fatal(err)
		}
		if p.DIVR != tt.divr || p.DIVF != tt.divf || p.DIVQ != tt.divq || p.FilterRange != tt.filter || math.Abs(p.AchievedHz/1e6-tt.achievedMHz) > 0.0005 {
			t.Errorf("%d -> %d Hz: got DIVR %d DIVF %d DIVQ %d FILTER_RANGE %d, %.3f MHz; want %d %d %d %d, %.3f MHz",
				tt.in, tt.out, p.DIVR, p.DIVF, p.DIVQ, p.FilterRange, p.AchievedHz/1e6, tt.divr, tt.divf, tt.divq, tt.filter, tt.achievedMHz)
		}
	}
}

func TestPLLOutOfRange(t *testing.T) {
	for _, tt := range []struct{ in, out int64 }{{12e6, 15e6}, {12e6, 300e6}, {5e6, 24e6}, {200e6, 24e6}} {
		if _, err := ComputePLL(tt.in, tt.out); err == nil {
			t.Errorf("%d -> %d Hz: no error", tt.in, tt.out)
		}
	}
}

var icepllField = regexp.MustCompile(`(?m)^(DIVR|DIVF|DIVQ|FILTER_RANGE):\s+(\d+)`)
var icepllAchieved = regexp.MustCompile(`F_PLLOUT:\s+([0-9.]+) MHz \(achieved\)`)

// ComputePLL agrees with icepll over reference clocks and outputs that
// cover every DIVR and DIVQ band.
func TestPLLAgainstIcepll(t *testing.T) {
	edatest.Require(t, "icepll")
	ins := []float64{10, 12, 16, 25, 27, 48, 50, 100, 133}
	outs := []float64{16, 18, 20, 24, 25, 30, 31.5, 33.3, 36, 40, 48, 50, 60, 66, 75, 96, 100, 120, 133, 150, 200, 250, 275}
	for _, in := range ins {
		for _, out := range outs {
			cmd := exec.Command("icepll", "-i", fmt.Sprint(in), "-o", fmt.Sprint(out))
			text, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("icepll -i %g -o %g: %v\n%s", in, out, err, text)
			}
			want := map[string]int{}
			for _, m := range icepllField.FindAllStringSubmatch(string(text), -1) {
				want[m[1]], _ = strconv.Atoi(m[2])
			}
			am := icepllAchieved.FindStringSubmatch(string(text))
			if len(want) != 4 || am == nil {
				t.Fatalf("icepll -i %g -o %g: cannot parse:\n%s", in, out, text)
			}
			achieved, _ := strconv.ParseFloat(am[1], 64)
			p, err := ComputePLL(int64(math.Round(in*1e6)), int64(math.Round(out*1e6)))
			if err != nil {
				t.Fatalf("%g -> %g MHz: %v", in, out, err)
			}
			got := map[string]int{"DIVR": p.DIVR, "DIVF": p.DIVF, "DIVQ": p.DIVQ, "FILTER_RANGE": p.FilterRange}
			for k, v := range want {
				if got[k] != v {
					t.Errorf("%g -> %g MHz: %s = %d, icepll says %d (ours %+v)", in, out, k, got[k], v, p)
				}
			}
			if math.Abs(p.AchievedHz/1e6-achieved) > 0.0006 {
				t.Errorf("%g -> %g MHz: achieved %.4f MHz, icepll says %.3f", in, out, p.AchievedHz/1e6, achieved)
			}
		}
	}
}
