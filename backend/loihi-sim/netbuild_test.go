package loihisim

import (
	"testing"

	"github.com/snnc/snnc/ir"
)

// lifPop returns a LIF population with uniform parameters.
func lifPop(name string, size int, du, dv, vth, biasMant, biasExp, refractory int32) ir.Population {
	return ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: &ir.LIFParams{
		Du: ir.Param{du}, Dv: ir.Param{dv}, Vth: ir.Param{vth}, BiasMant: ir.Param{biasMant},
		BiasExp: ir.Param{biasExp}, Refractory: ir.Param{refractory}, U: ir.Param{0}, V: ir.Param{0},
	}}
}

func inputPop(name string, size int) ir.Population {
	return ir.Population{Name: name, Size: size, Model: ir.ModelInput}
}

// projection builds a projection from a synapse list, deriving the sign mode.
func projection(t testing.TB, from, to, sources int, weightExp, weightBits int, syns []ir.Synapse) ir.Projection {
	t.Helper()
	syn, err := ir.FromList(sources, syns)
	if err != nil {
		t.Fatal(err)
	}
	return ir.Projection{Name: "p", From: from, To: to, WeightExp: weightExp, WeightBits: weightBits,
		SignMode: ir.DeriveSignMode(syn.Weight), SignModeDerived: true, Syn: syn}
}

func newSim(t testing.TB, net *ir.Network, opt Options) *Sim {
	t.Helper()
	s, err := New(net, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}
