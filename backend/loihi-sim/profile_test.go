package loihisim

import (
	"errors"
	"os"
	"strings"
	"testing"
)

func TestEmbeddedTargets(t *testing.T) {
	names := Targets()
	if strings.Join(names, ",") != "loihi1,loihi2" {
		t.Fatalf("Targets() = %v", names)
	}
	p, err := LoadTarget("loihi1")
	if err != nil {
		t.Fatal(err)
	}
	c := p.Core
	if c.Neurons != 1024 || c.InputAxons != 4096 || c.OutputAxons != 4096 || c.SynapseMemoryBits != 128*1024*8 || c.MaxDelay != 63 || c.WeightBits != 8 || p.CoresPerChip() != 128 {
		t.Errorf("loihi1 = %+v, %d cores per chip", c, p.CoresPerChip())
	}
	if _, err := LoadTarget("loihi2"); err != nil {
		t.Error(err)
	}
	if _, err := LoadTarget("truenorth"); err == nil || err.Error() != `unknown target "truenorth" (allowed: loihi1, loihi2)` {
		t.Errorf("unknown target: %v", err)
	}
}

func TestProfileErrors(t *testing.T) {
	good, err := os.ReadFile("testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ParseProfile("tiny.yaml", good); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ from, to, want string }{
		{"  neurons: 8\n", "  neurons: 0\n", "tiny.yaml:6:12: core.neurons: 0 is out of range (allowed: 1..16777216)"},
		{"  neurons: 8\n", "  nerons: 8\n", `tiny.yaml:6:1: unknown key "nerons" (allowed: neurons, input_axons, output_axons, synapse_memory_bits, synapse_bits, input_axon_bits, max_delay, weight_bits)`},
		{"  max_delay: 4\n", "", "tiny.yaml:6:3: core.max_delay: missing (allowed: 1..65535)"},
		{"  weight_bits: 8\n", "  weight_bits: 9\n", "tiny.yaml:13:16: core.weight_bits: 9 is out of range (allowed: 1..8)"},
		{"approximate: []", "approximate: [core.speed]", `approximate[0]: "core.speed" is not a field of the profile`},
		{"  neurons: 8\n", "  neurons: eight\n", "tiny.yaml:6:1: cannot unmarshal !!str `eight` into int"},
	}
	for _, tt := range tests {
		data := strings.Replace(string(good), tt.from, tt.to, 1)
		_, err := ParseProfile("tiny.yaml", []byte(data))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%q -> %q: error %v, want %q", tt.from, tt.to, err, tt.want)
		}
		var pe *ProfileError
		var ue interface{ UserError() }
		if !errors.As(err, &pe) || !errors.As(err, &ue) {
			t.Errorf("%q -> %q: %T is not a *ProfileError and a user error", tt.from, tt.to, err)
		}
	}
}
