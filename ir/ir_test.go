package ir

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func smallNet(t *testing.T) *Network {
	t.Helper()
	syn, err := FromList(2, []Synapse{{1, 0, -3, 2}, {0, 1, 5, 1}, {0, 0, 7, 1}})
	if err != nil {
		t.Fatal(err)
	}
	return &Network{Source: "n.yaml", Populations: []Population{
		{Name: "in", Size: 2, Model: ModelInput},
		{Name: "x", Size: 2, Model: ModelLIF, LIF: &LIFParams{Du: Param{1}, Dv: Param{2, 3}, Vth: Param{10}, BiasMant: Param{0}, BiasExp: Param{0}, Refractory: Param{0}, U: Param{0}, V: Param{0}}},
	}, Projections: []Projection{{Name: "in->x", From: 0, To: 1, WeightBits: 8, SignMode: SignMixed, SignModeDerived: true, Syn: syn}}}
}

func TestFromListSortsIntoCSR(t *testing.T) {
	n := smallNet(t)
	s := n.Projections[0].Syn
	if got, want := s.Start, []int64{0, 2, 3}; !equal(got, want) {
		t.Errorf("Start = %v, want %v", got, want)
	}
	if got, want := s.Target, []int32{0, 1, 0}; !equal(got, want) {
		t.Errorf("Target = %v, want %v", got, want)
	}
	if got, want := s.Weight, []int16{7, 5, -3}; !equal(got, want) {
		t.Errorf("Weight = %v, want %v", got, want)
	}
	if _, err := FromList(2, []Synapse{{0, 1, 1, 1}, {0, 1, 2, 1}}); err == nil {
		t.Error("FromList accepted the same pair twice")
	}
	if err := n.Validate(); err != nil {
		t.Error(err)
	}
	if n.Neurons() != 4 || n.Synapses() != 3 || n.Offset(1) != 2 || n.Population("x") != 1 || n.Population("y") != -1 {
		t.Error("counts or lookups wrong")
	}
}

func equal[T comparable](a, b []T) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestRowBuilderRejectsDisorder(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("no panic for a target out of order")
		}
	}()
	b := NewRowBuilder(1, 2)
	b.Add(0, 3, 1, 1)
	b.Add(0, 2, 1, 1)
}

// Validate catches every broken invariant it promises to.
func TestValidateCatches(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Network)
		want   string
	}{
		{"duplicate name", func(n *Network) { n.Populations[1].Name = "in" }, `declared twice`},
		{"size", func(n *Network) { n.Populations[0].Size = 0 }, "size 0"},
		{"param length", func(n *Network) { n.Populations[1].LIF.Dv = Param{1, 2, 3} }, "dv has 3 values"},
		{"param range", func(n *Network) { n.Populations[1].LIF.Du = Param{4096} }, "du[0] = 4096 (allowed: 0..4095)"},
		{"target input", func(n *Network) { n.Projections[0].To = 0 }, "is an input population"},
		{"weight_exp", func(n *Network) { n.Projections[0].WeightExp = 8 }, "weight_exp 8"},
		{"weight_bits", func(n *Network) { n.Projections[0].WeightBits = 0 }, "weight_bits 0"},
		{"sign mode", func(n *Network) { n.Projections[0].SignMode = 0 }, "sign mode"},
		{"delay 0", func(n *Network) { n.Projections[0].Syn.Delay[0] = 0 }, "delay 0"},
		{"target range", func(n *Network) { n.Projections[0].Syn.Target[2] = 2 }, "target 2 (allowed: 0..1)"},
		{"target order", func(n *Network) { n.Projections[0].Syn.Target[1] = 0 }, "not strictly increasing"},
		{"row starts", func(n *Network) { n.Projections[0].Syn.Start = []int64{0, 3} }, "row starts"},
	}
	for _, tt := range tests {
		n := smallNet(t)
		tt.mutate(n)
		err := n.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestDumps(t *testing.T) {
	n := smallNet(t)
	var text bytes.Buffer
	if err := WriteText(&text, n); err != nil {
		t.Fatal(err)
	}
	want := `# snnc ir, format version 1
source n.yaml
neurons 4
synapses 3

population in model=input size=2 neurons=0..1

population x model=lif size=2 neurons=2..3
  du=1 dv=[2 3] vth=10 bias_mant=0 bias_exp=0 refractory=0 u=0 v=0

projection in->x from=in to=x synapses=3 weight_exp=0 weight_bits=8 sign_mode=mixed (derived)
  in[0] -> x[0] w=7 d=1
  in[0] -> x[1] w=5 d=1
  in[1] -> x[0] w=-3 d=2
`
	if text.String() != want {
		t.Errorf("text dump:\n%s\nwant:\n%s", text.String(), want)
	}
	var js bytes.Buffer
	if err := WriteJSON(&js, n); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version     int
		Populations []struct {
			Name   string
			Params map[string]any
		}
		Projections []struct {
			Start  []int64
			Target []int32
			Weight []int16
			Delay  []uint16
		}
	}
	if err := json.Unmarshal(js.Bytes(), &doc); err != nil {
		t.Fatalf("JSON dump does not parse: %v\n%s", err, js.String())
	}
	p := doc.Projections[0]
	if doc.Version != 1 || !equal(p.Start, []int64{0, 2, 3}) || !equal(p.Target, []int32{0, 1, 0}) || !equal(p.Weight, []int16{7, 5, -3}) || !equal(p.Delay, []uint16{1, 1, 2}) {
		t.Errorf("JSON dump content wrong:\n%s", js.String())
	}
	if dv, ok := doc.Populations[1].Params["dv"].([]any); !ok || len(dv) != 2 {
		t.Errorf("per-neuron dv not a list: %v", doc.Populations[1].Params["dv"])
	}
}
