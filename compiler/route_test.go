package compiler

import (
	"os"
	"reflect"
	"strings"
	"testing"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// naiveTraffic walks every message hop by hop along its XY route.
func naiveTraffic(m *ir.Mapped, p *loihisim.Profile) (intra, inter, host, hopSum, chipCross, maxLink int64) {
	mw, mh := p.Chip.MeshWidth, p.Chip.MeshHeight
	global := func(c ir.Core) (gx, gy, cx, cy int) {
		cx, cy = c.Chip%m.ChipGrid, c.Chip/m.ChipGrid
		return cx*mw + c.X, cy*mh + c.Y, cx, cy
	}
	type link struct{ x, y, dx, dy int }
	load := map[link]int64{}
	offs := m.Net.Offsets()
	sent := map[[2]int]bool{} // (neuron, core)
	for _, pr := range m.Net.Projections {
		for src := range pr.Syn.Sources() {
			s := offs[pr.From] + src
			lo, hi := pr.Syn.Row(src)
			for _, t := range pr.Syn.Target[lo:hi] {
				d := int(m.CoreOf[offs[pr.To]+int(t)])
				if sent[[2]int{s, d}] {
					continue
				}
				sent[[2]int{s, d}] = true
				sc := int(m.CoreOf[s])
				switch {
				case sc < 0:
					host++
					continue
				case sc == d:
					intra++
					continue
				}
				inter++
				x, y, cx1, cy1 := global(m.Cores[sc])
				x2, y2, cx2, cy2 := global(m.Cores[d])
				if cx1 != cx2 || cy1 != cy2 {
					chipCross++
				}
				for x != x2 || y != y2 {
					l := link{x: x, y: y}
					if x != x2 {
						l.dx = 1
						if x2 < x {
							l.dx = -1
						}
					} else {
						l.dy = 1
						if y2 < y {
							l.dy = -1
						}
					}
					// a hop that crosses a chip boundary costs chip_hop_cost
					if (x+l.dx)/mw != x/mw || (y+l.dy)/mh != y/mh {
						hopSum += int64(p.Chip.ChipHopCost)
					} else {
						hopSum++
					}
					load[l]++
					x, y = x+l.dx, y+l.dy
				}
			}
		}
	}
	for _, n := range load {
		maxLink = max(maxLink, n)
	}
	return
}

// randomMapping puts the neurons of net on random cores at random distinct
// places of a target with several chips.
func randomMapping(net *ir.Network, p *loihisim.Profile, seed uint64) *ir.Mapped {
	r := newRNG(seed, 3)
	cpc := p.CoresPerChip()
	cores := 1 + int(r.below(uint64(5*cpc)))
	chips := ceilDiv(cores, cpc)
	slots := make([]int, chips*cpc)
	for i := range slots {
		slots[i] = i
	}
	for i := len(slots) - 1; i > 0; i-- { // shuffle; keep one core per chip in use
		j := int(r.below(uint64(i + 1)))
		slots[i], slots[j] = slots[j], slots[i]
	}
	m := &ir.Mapped{Net: net, Target: p.Name, ChipGrid: chipGrid(chips), CoreOf: make([]int32, net.Neurons())}
	used := map[int]bool{}
	for c := range cores {
		s := slots[c]
		if c < chips { // every chip holds a core
			s = c*cpc + int(r.below(uint64(cpc)))
			for used[s] {
				s = c*cpc + int(r.below(uint64(cpc)))
			}
		} else {
			for used[s] {
				s = (s + 1) % len(slots)
			}
		}
		used[s] = true
		on := s % cpc
		m.Cores = append(m.Cores, ir.Core{Chip: s / cpc, X: on % p.Chip.MeshWidth, Y: on / p.Chip.MeshWidth})
	}
	offs := net.Offsets()
	for k, pop := range net.Populations {
		for i := range pop.Size {
			m.CoreOf[offs[k]+i] = -1
			if pop.Model != ir.ModelInput {
				m.CoreOf[offs[k]+i] = int32(r.below(uint64(cores)))
			}
		}
	}
	return m
}

// PredictTraffic's difference arrays and per-core tallies agree with
// walking every message hop by hop, on random mappings over several chips.
func TestPredictTrafficMatchesWalk(t *testing.T) {
	tiny := tinyProfile(t)
	wide := *tiny // a chip of 3x2 cores, crossings cost 5
	wide.Chip.MeshWidth, wide.Chip.MeshHeight, wide.Chip.ChipHopCost = 3, 2, 5
	defer func(n int) { narrowCores = n }(narrowCores)
	for i, p := range []*loihisim.Profile{tiny, &wide, tiny} {
		if i == 2 { // core numbers in 32 bits
			narrowCores = 0
		}
		for seed := range uint64(60) {
			net := randnet.Network(seed, randnet.Options{MaxSize: 30})
			m := randomMapping(net, p, seed)
			if err := m.Validate(); err != nil {
				t.Fatal(err)
			}
			tr := PredictTraffic(m, p)
			intra, inter, host, hops, cross, maxLink := naiveTraffic(m, p)
			got := []int64{tr.IntraCoreMessages, tr.InterCoreMessages, tr.HostMessages, tr.HopWeighted, tr.ChipCrossingMessages, tr.MaxLinkLoad}
			want := []int64{intra, inter, host, hops, cross, maxLink}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s seed %d: intra, inter, host, hops, chip crossings, max link = %v, want %v", p.Name, seed, got, want)
			}
		}
	}
}

// A hand-checked mapping: three neurons on three cores of two chips.
func TestPredictTrafficByHand(t *testing.T) {
	p := tinyProfile(t) // 2x2 cores per chip, chip hop cost 3
	net := netOf(t, []string{"in:1", "a:3"}, []testProj{
		{from: 0, to: 1, syn: []ir.Synapse{{Source: 0, Target: 0, Delay: 1}, {Source: 0, Target: 2, Delay: 1}}},
		{from: 1, to: 1, syn: []ir.Synapse{
			{Source: 0, Target: 1, Delay: 1}, {Source: 0, Target: 2, Delay: 1}, // a0 -> core 1, core 2
			{Source: 1, Target: 0, Delay: 1}, {Source: 1, Target: 1, Delay: 1}, // a1 -> core 0, itself
			{Source: 2, Target: 0, Delay: 1}, {Source: 2, Target: 1, Delay: 2}, // a2 -> core 0, core 1
		}},
	})
	// core 0: chip 0 (0,0); core 1: chip 0 (1,1); core 2: chip 1 (0,0),
	// which is global (2,0) on a 2-wide grid of chips.
	m := &ir.Mapped{Net: net, Target: "tiny", ChipGrid: 2, CoreOf: []int32{-1, 0, 1, 2},
		Cores: []ir.Core{{Chip: 0, X: 0, Y: 0}, {Chip: 0, X: 1, Y: 1}, {Chip: 1, X: 0, Y: 0}}}
	tr := PredictTraffic(m, p)
	// Messages: a0: 0->1 (2 hops), 0->2 (2 hops + 2 for the chip crossing);
	// a1: 1->0 (2 hops), intra; a2: 2->0 (4), 2->1 (1+1, +2 crossing = 4).
	want := Traffic{Target: "tiny", Cores: 3, Chips: 2, ChipGrid: 2, MeshWidth: 4, MeshHeight: 2,
		IntraCoreMessages: 1, InterCoreMessages: 5, HostMessages: 2, HopWeighted: 2 + 4 + 2 + 4 + 4,
		ChipCrossingMessages: 3, MaxLinkLoad: 2,
		Limits: CoreUse{Neurons: 8, InputAxons: 16, OutputAxons: 16, SynapseBits: 2048},
		PerCore: []CoreUse{
			{Chip: 0, X: 0, Y: 0, Neurons: 1, InputAxons: 3, OutputAxons: 2, Synapses: 3, SynapseBits: 3*16 + 3*16},
			{Chip: 0, X: 1, Y: 1, Neurons: 1, InputAxons: 3, OutputAxons: 2, Synapses: 3, SynapseBits: 3*16 + 3*16},
			{Chip: 1, X: 0, Y: 0, Neurons: 1, InputAxons: 2, OutputAxons: 2, Synapses: 2, SynapseBits: 2*16 + 2*16},
		}}
	if !reflect.DeepEqual(*tr, want) {
		t.Errorf("traffic\n got %+v\nwant %+v", *tr, want)
	}
	if err := p.Check(m); err != nil {
		t.Error(err)
	}
}

// loihisim's Check finds every kind of broken mapping the mapper could make.
func TestCheckFindsViolations(t *testing.T) {
	p := tinyProfile(t)
	net := netOf(t, []string{"in:10", "a:12"}, []testProj{{from: 0, to: 1, syn: denseSyn(10, 12)}})
	good, _ := mapChecked(t, net, p, MapOptions{})
	clone := func() *ir.Mapped {
		m := *good
		m.CoreOf = append([]int32(nil), good.CoreOf...)
		m.Cores = append([]ir.Core(nil), good.Cores...)
		return &m
	}
	cases := []struct {
		name  string
		spoil func(m *ir.Mapped)
		want  string
	}{
		{"too many neurons", func(m *ir.Mapped) {
			for v := 10; v < 22; v++ {
				m.CoreOf[v] = 0
			}
		}, "of core.neurons"},
		{"input neuron on a core", func(m *ir.Mapped) { m.CoreOf[0] = 0 }, "input neuron"},
		{"shared place", func(m *ir.Mapped) { m.Cores[1] = m.Cores[0] }, "share chip"},
		{"off the mesh", func(m *ir.Mapped) { m.Cores[0].X = 2 }, "off the 2 x 2 mesh"},
		{"wrong target", func(m *ir.Mapped) { m.Target = "loihi1" }, "checked against"},
	}
	for _, tc := range cases {
		m := clone()
		tc.spoil(m)
		err := p.Check(m)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error with %q", tc.name, err, tc.want)
		}
	}
}

// The predicted traffic is what the core-by-core simulation measures when
// every neuron spikes on every step (a huge bias, small weights; delays
// within the target, so no relays), and the
// predicted use of every core is loihisim's Usage, computed another way.
func TestPredictionMatchesSimulation(t *testing.T) {
	p := tinyProfile(t)
	for seed := range uint64(12) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 4, MaxSize: 8, Density: 0.3})
		for i := range net.Populations {
			if lif := net.Populations[i].LIF; lif != nil {
				lif.Vth, lif.BiasMant, lif.BiasExp, lif.Refractory = ir.Param{0}, ir.Param{4095}, ir.Param{7}, ir.Param{0}
			}
		}
		for i := range net.Projections {
			net.Projections[i].WeightExp = -8
		}
		if _, err := Compile(net, Options{}); err != nil {
			t.Fatal(err)
		}
		m, tr := mapChecked(t, net, p, MapOptions{})
		use := loihisim.Usage(m, p)
		for c, u := range tr.PerCore {
			if got := (loihisim.CoreUsage{Neurons: u.Neurons, InputAxons: u.InputAxons, OutputAxons: u.OutputAxons, Synapses: u.Synapses, SynapseBits: u.SynapseBits}); got != use[c] {
				t.Fatalf("seed %d core %d: predicted use %+v, Usage %+v", seed, c, got, use[c])
			}
		}
		sim, err := loihisim.NewMapped(m, p)
		if err != nil {
			t.Fatal(err)
		}
		var inputs []int32
		for g := range net.Neurons() {
			if m.CoreOf[g] < 0 {
				inputs = append(inputs, int32(g))
			}
		}
		const steps = 5
		for range steps {
			if fired := sim.Step(inputs); len(fired) != net.Neurons()-len(inputs) {
				t.Fatalf("seed %d: %d of %d neurons spiked", seed, len(fired), net.Neurons()-len(inputs))
			}
		}
		got := sim.Traffic()
		if got.Messages != steps*tr.InterCoreMessages || got.LocalMessages != steps*tr.IntraCoreMessages ||
			got.HostMessages != steps*tr.HostMessages || got.Hops != steps*tr.HopWeighted ||
			got.ChipMessages != steps*tr.ChipCrossingMessages || got.MaxLinkLoad != steps*tr.MaxLinkLoad {
			t.Fatalf("seed %d: measured over %d steps %+v, predicted per step %+v", seed, steps, got, tr)
		}
	}
}

// BenchmarkPredictTraffic1M predicts the traffic of 10^6 neurons with
// random fan-out 100 (10^8 synapses) placed in index order on loihi1: the
// route pass at the size of bench/networks/random1M.yaml (24,000 cores).
func BenchmarkPredictTraffic1M(b *testing.B) {
	if os.Getenv("SNNC_LARGE_TESTS") == "" {
		b.Skip("set SNNC_LARGE_TESTS=1 to map 10^8 synapses")
	}
	net := randomRecurrent(1_000_000, 100, 16)
	p := loadTarget(b, "loihi1")
	m, _, err := MapNetwork(net, p, Baseline)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		PredictTraffic(m, p)
	}
}
