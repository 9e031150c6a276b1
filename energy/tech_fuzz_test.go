package energy

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParseTech checks that no tech file makes Parse panic, and that it
// returns either a technology of finite, non-negative energies with a
// name, or a *TechError with a position.
func FuzzParseTech(f *testing.F) {
	paths, _ := filepath.Glob("tech/*.yaml")
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte("name: x\nram_base_pj: 1\nram_per_bit_pj: .inf\nadd_pj: 0.1\nmul_pj: 3\n"))
	f.Add([]byte("a: &x [1, *x]\n"))
	f.Add([]byte("name: x\nname: y\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tech, err := Parse("fuzz.yaml", data)
		if err == nil {
			for _, v := range []float64{tech.RAMBasePJ, tech.RAMPerBitPJ, tech.AddPJ, tech.MulPJ} {
				if v < 0 || math.IsNaN(v) || math.IsInf(v, 0) {
					t.Fatalf("energy %v accepted", v)
				}
			}
			if tech.Name == "" {
				t.Fatalf("a technology without a name")
			}
			return
		}
		var te *TechError
		if !errors.As(err, &te) || te.Pos.File != "fuzz.yaml" || te.Pos.Line < 1 || te.Msg == "" {
			t.Fatalf("not a positioned *TechError: %#v", err)
		}
	})
}
