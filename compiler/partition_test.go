package compiler

import (
	"errors"
	"fmt"
	"os"
	"reflect"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// tinyProfile is the test target: 8 neurons, 16 input and output axons,
// 2048 bits of synapse memory (16 per synapse and per axon), delays up to
// 4, 2x2 cores per chip.
func tinyProfile(t testing.TB) *loihisim.Profile {
	t.Helper()
	p, err := loihisim.LoadProfileFile("../backend/loihi-sim/testdata/tiny.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func loadTarget(t testing.TB, name string) *loihisim.Profile {
	t.Helper()
	p, err := loihisim.LoadTarget(name)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// naiveCheck recomputes every limit of a mapping with maps and sets, sharing
// no code with the mapper, and fails the test on any violation.
func naiveCheck(t testing.TB, m *ir.Mapped, p *loihisim.Profile) {
	t.Helper()
	net := m.Net
	if len(m.CoreOf) != net.Neurons() {
		t.Fatalf("%d core entries for %d neurons", len(m.CoreOf), net.Neurons())
	}
	type pos struct{ chip, x, y int }
	seen := map[pos]bool{}
	chips := map[int]bool{}
	for i, c := range m.Cores {
		if c.X < 0 || c.X >= p.Chip.MeshWidth || c.Y < 0 || c.Y >= p.Chip.MeshHeight || c.Chip < 0 {
			t.Fatalf("core %d at %+v is off the mesh", i, c)
		}
		if seen[pos{c.Chip, c.X, c.Y}] {
			t.Fatalf("two cores at %+v", c)
		}
		seen[pos{c.Chip, c.X, c.Y}] = true
		chips[c.Chip] = true
	}
	if p.Chip.MaxChips > 0 && len(chips) > p.Chip.MaxChips {
		t.Fatalf("%d chips > %d", len(chips), p.Chip.MaxChips)
	}
	if want := (len(m.Cores) + p.CoresPerChip() - 1) / p.CoresPerChip(); len(chips) != want {
		t.Fatalf("%d cores on %d chips, want %d", len(m.Cores), len(chips), want)
	}
	if g := m.ChipGrid; g*g < len(chips) || (g-1)*(g-1) >= len(chips) && g > 1 {
		t.Fatalf("chip grid %d for %d chips", g, len(chips))
	}
	neurons := map[int32]int{}
	inAx := map[int32]map[int]bool{}
	outAx := map[int32]map[[2]int]bool{} // (neuron, destination core)
	syn := map[int32]int64{}
	offs := net.Offsets()
	for k, pop := range net.Populations {
		for i := range pop.Size {
			c := m.CoreOf[offs[k]+i]
			if pop.Model == ir.ModelInput {
				if c != -1 {
					t.Fatalf("input neuron %s[%d] on core %d", pop.Name, i, c)
				}
				continue
			}
			if c < 0 || int(c) >= len(m.Cores) {
				t.Fatalf("neuron %s[%d] on core %d of %d", pop.Name, i, c, len(m.Cores))
			}
			neurons[c]++
		}
	}
	for _, pr := range net.Projections {
		if pr.WeightBits > p.Core.WeightBits {
			t.Fatalf("projection %s: weight bits %d", pr.Name, pr.WeightBits)
		}
		for src := range pr.Syn.Sources() {
			s := offs[pr.From] + src
			lo, hi := pr.Syn.Row(src)
			for j := lo; j < hi; j++ {
				if int(pr.Syn.Delay[j]) > p.Core.MaxDelay {
					t.Fatalf("projection %s: delay %d", pr.Name, pr.Syn.Delay[j])
				}
				d := m.CoreOf[offs[pr.To]+int(pr.Syn.Target[j])]
				syn[d]++
				if inAx[d] == nil {
					inAx[d] = map[int]bool{}
				}
				inAx[d][s] = true
				if c := m.CoreOf[s]; c >= 0 {
					if outAx[c] == nil {
						outAx[c] = map[[2]int]bool{}
					}
					outAx[c][[2]int{s, int(d)}] = true
				}
			}
		}
	}
	for c := range m.Cores {
		c := int32(c)
		mem := syn[c]*int64(p.Core.SynapseBits) + int64(len(inAx[c]))*int64(p.Core.InputAxonBits)
		if neurons[c] == 0 {
			t.Errorf("core %d is empty", c)
		}
		if neurons[c] > p.Core.Neurons || len(inAx[c]) > p.Core.InputAxons || len(outAx[c]) > p.Core.OutputAxons || mem > p.Core.SynapseMemoryBits {
			t.Fatalf("core %d: %d neurons, %d input axons, %d output axons, %d bits: over a limit of %s",
				c, neurons[c], len(inAx[c]), len(outAx[c]), mem, p.Name)
		}
	}
}

// mapChecked maps net and checks the result both ways; it fails the test
// on an error.
func mapChecked(t testing.TB, net *ir.Network, p *loihisim.Profile, opt MapOptions) (*ir.Mapped, *Traffic) {
	t.Helper()
	m, tr, err := MapNetwork(net, p, opt)
	if err != nil {
		t.Fatalf("%+v: %v", opt, err)
	}
	if err := p.Check(m); err != nil {
		t.Fatalf("%+v: %v", opt, err)
	}
	naiveCheck(t, m, p)
	return m, tr
}

var allOptions = []MapOptions{
	{Partition: PartitionGreedy, Place: PlaceOptimised},
	{Partition: PartitionGreedy, Place: PlaceSequential},
	{Partition: PartitionSequential, Place: PlaceOptimised},
	{Partition: PartitionSequential, Place: PlaceSequential},
}

func lif() *ir.LIFParams { return relayParams() }

// netOf builds a network from populations ("name:size" with a "in"
// prefix for inputs) and projections given as synapse lists.
type testProj struct {
	from, to int
	syn      []ir.Synapse
	bits     int
}

func netOf(t testing.TB, pops []string, projs []testProj) *ir.Network {
	t.Helper()
	net := &ir.Network{Source: t.Name()}
	for _, ps := range pops {
		var name string
		var size int
		if _, err := fmt.Sscanf(strings.Replace(ps, ":", " ", 1), "%s %d", &name, &size); err != nil {
			t.Fatal(err)
		}
		pop := ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: lif()}
		if strings.HasPrefix(name, "in") {
			pop.Model, pop.LIF = ir.ModelInput, nil
		}
		net.Populations = append(net.Populations, pop)
	}
	for i, pr := range projs {
		syn, err := ir.FromList(net.Populations[pr.from].Size, pr.syn)
		if err != nil {
			t.Fatal(err)
		}
		bits := pr.bits
		if bits == 0 {
			bits = 8
		}
		net.Projections = append(net.Projections, ir.Projection{
			Name: fmt.Sprintf("p%d", i), From: pr.from, To: pr.to, WeightBits: bits,
			SignMode: ir.SignExcitatory, Syn: syn,
		})
	}
	if err := net.Validate(); err != nil {
		t.Fatal(err)
	}
	return net
}

// denseSyn connects every source to every target with delay 1.
func denseSyn(ns, nt int) []ir.Synapse {
	var s []ir.Synapse
	for i := range ns {
		for j := range nt {
			s = append(s, ir.Synapse{Source: int32(i), Target: int32(j), Weight: 1, Delay: 1})
		}
	}
	return s
}

// Each limit of the tiny target, exceeded on purpose by a network that can
// be split, gives more cores, each within every limit.
func TestMapSplitsAtEveryLimit(t *testing.T) {
	p := tinyProfile(t)
	// disjoint: target j gets inputs j*w .. j*w+w-1.
	disjoint := func(nt, w int) []ir.Synapse {
		var s []ir.Synapse
		for j := range nt {
			for i := range w {
				s = append(s, ir.Synapse{Source: int32(j*w + i), Target: int32(j), Weight: 1, Delay: 1})
			}
		}
		return s
	}
	cases := []struct {
		name     string
		pops     []string
		projs    []testProj
		minCores int // for every strategy
		limit    func(c CoreUse) int64
		bound    int64
	}{
		{
			// 20 neurons, 8 per core.
			name: "neurons", pops: []string{"a:20"}, minCores: 3,
			limit: func(c CoreUse) int64 { return int64(c.Neurons) }, bound: 8,
		},
		{
			// 8 neurons with 10 private inputs each: one neuron per core.
			name: "input axons", pops: []string{"in:80", "a:8"},
			projs:    []testProj{{from: 0, to: 1, syn: disjoint(8, 10)}},
			minCores: 8, limit: func(c CoreUse) int64 { return int64(c.InputAxons) }, bound: 16,
		},
		{
			// 8 sources to 24 targets, all to all: a core of the 8 sources
			// would need 8 x 3 = 24 output axons.
			name: "output axons", pops: []string{"src:8", "dst:24"},
			projs:    []testProj{{from: 0, to: 1, syn: denseSyn(8, 24)}},
			minCores: 4, limit: func(c CoreUse) int64 { return int64(c.OutputAxons) }, bound: 16,
		},
		{
			// 12 inputs reach 8 targets through 4 projections: 48 synapses
			// and 12 axons per target; 3 targets need 2496 > 2048 bits.
			name: "synapse memory", pops: []string{"in:12", "a:8"},
			projs: []testProj{
				{from: 0, to: 1, syn: denseSyn(12, 8)}, {from: 0, to: 1, syn: denseSyn(12, 8)},
				{from: 0, to: 1, syn: denseSyn(12, 8)}, {from: 0, to: 1, syn: denseSyn(12, 8)},
			},
			minCores: 4, limit: func(c CoreUse) int64 { return c.SynapseBits }, bound: 2048,
		},
	}
	for _, tc := range cases {
		for _, opt := range allOptions {
			net := netOf(t, tc.pops, tc.projs)
			m, tr := mapChecked(t, net, p, opt)
			if len(m.Cores) < tc.minCores {
				t.Errorf("%s %+v: %d cores, want at least %d", tc.name, opt, len(m.Cores), tc.minCores)
			}
			hit := false
			for _, c := range tr.PerCore {
				v := tc.limit(c)
				if v > tc.bound {
					t.Errorf("%s %+v: core at %+v uses %d > %d", tc.name, opt, c, v, tc.bound)
				}
				hit = hit || v*2 >= tc.bound
			}
			if !hit {
				t.Errorf("%s %+v: no core uses half the limit: the case tests nothing", tc.name, opt)
			}
		}
	}
}

// A neuron that alone breaks a limit, and what legalisation and the chip
// count must ensure, give a *MapError naming the limit, the neuron, the
// value and the limit.
func TestMapErrors(t *testing.T) {
	tiny := tinyProfile(t)
	narrow := *tiny
	narrow.Core.WeightBits = 4
	oneChip := *tiny
	oneChip.Chip.MaxChips = 1
	memProjs := make([]testProj, 10) // 120 synapses from 12 sources: 2112 bits
	for i := range memProjs {
		memProjs[i] = testProj{from: 0, to: 1, syn: denseSyn(12, 1)}
	}
	cases := []struct {
		name  string
		p     *loihisim.Profile
		pops  []string
		projs []testProj
		limit string
		want  string
	}{
		{
			name: "fan-in", p: tiny, pops: []string{"in:30", "exc:3"},
			projs: []testProj{{from: 0, to: 1, syn: func() []ir.Synapse {
				s := []ir.Synapse{{Source: 0, Target: 0, Delay: 1}, {Source: 1, Target: 1, Delay: 1}}
				for i := range 20 {
					s = append(s, ir.Synapse{Source: int32(i + 10), Target: 2, Delay: 1})
				}
				return s
			}()}},
			limit: "core.input_axons",
			want:  `population "exc" neuron 2 has 20 distinct input neurons; a tiny core holds 16 input axons (core.input_axons)`,
		},
		{
			name: "memory", p: tiny, pops: []string{"in:12", "exc:1"}, projs: memProjs,
			limit: "core.synapse_memory_bits",
			want:  `population "exc" neuron 0 needs 2112 bits of synapse memory (120 synapses x 16 bits + 12 input axons x 16 bits); a tiny core holds 2048 bits (core.synapse_memory_bits)`,
		},
		{
			// one source reaching 200 targets on 25 cores
			name: "fan-out", p: tiny, pops: []string{"hub:1", "leaf:200"},
			projs: []testProj{{from: 0, to: 1, syn: denseSyn(1, 200)}},
			limit: "core.output_axons",
			want:  `population "hub" neuron 0 sends spikes to 25 cores; a tiny core holds 16 output axons (core.output_axons)`,
		},
		{
			name: "weight bits", p: &narrow, pops: []string{"a:2"},
			projs: []testProj{{from: 0, to: 0, syn: denseSyn(2, 2), bits: 6}},
			limit: "core.weight_bits",
			want:  `projection "p0" has weight_bits 6; a tiny core holds 4-bit weights (core.weight_bits)`,
		},
		{
			name: "delay", p: tiny, pops: []string{"a:2"},
			projs: []testProj{{from: 0, to: 0, syn: []ir.Synapse{{Source: 0, Target: 1, Delay: 5}}}},
			limit: "core.max_delay",
			want:  `projection "p0" has a delay of 5 steps; a tiny core holds delays up to 4 (core.max_delay): delays must be legalised before mapping`,
		},
		{
			name: "chips", p: &oneChip, pops: []string{"a:40"},
			limit: "chip.max_chips",
			want:  `the network needs 5 cores on 2 chips; a tiny target has at most 1 chips of 4 cores (chip.max_chips)`,
		},
	}
	for _, tc := range cases {
		for _, opt := range allOptions {
			net := netOf(t, tc.pops, tc.projs)
			_, _, err := MapNetwork(net, tc.p, opt)
			var me *MapError
			if !errors.As(err, &me) {
				t.Errorf("%s %+v: error %v, want a *MapError", tc.name, opt, err)
				continue
			}
			if me.Limit != tc.limit || me.Error() != tc.want {
				t.Errorf("%s %+v:\n got %s: %s\nwant %s: %s", tc.name, opt, me.Limit, me, tc.limit, tc.want)
			}
			var ue interface{ UserError() }
			if !errors.As(err, &ue) {
				t.Errorf("%s: not a user error", tc.name)
			}
		}
	}
	_, _, err := MapNetwork(netOf(t, []string{"a:1"}, nil), tiny, MapOptions{Partition: "random"})
	if err == nil || !strings.Contains(err.Error(), `unknown partition strategy "random" (allowed: greedy, sequential)`) {
		t.Errorf("bad strategy: %v", err)
	}
}

// Networks of only inputs, or of neurons without synapses, map too.
func TestMapDegenerate(t *testing.T) {
	p := tinyProfile(t)
	m, tr := mapChecked(t, netOf(t, []string{"in:5"}, nil), p, MapOptions{})
	if len(m.Cores) != 0 || tr.Chips != 0 || m.ChipGrid != 1 {
		t.Errorf("inputs only: %d cores, %d chips, grid %d", len(m.Cores), tr.Chips, m.ChipGrid)
	}
	m, tr = mapChecked(t, netOf(t, []string{"in:5", "a:9"}, nil), p, MapOptions{})
	if len(m.Cores) != 2 || tr.InterCoreMessages != 0 {
		t.Errorf("no synapses: %d cores, %d messages", len(m.Cores), tr.InterCoreMessages)
	}
}

// Seeded random networks (delays legalised for the tiny target) big enough
// for several cores and chips map within every limit, with every strategy,
// and the same network maps the same way twice.
func TestMapRandomNetworks(t *testing.T) {
	p := tinyProfile(t)
	multiChip := 0
	for seed := range uint64(40) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 12, MaxLIF: 5, MaxSize: 60, Density: 0.03})
		LegaliseDelays(net, p.Core.MaxDelay)
		if err := net.Validate(); err != nil {
			t.Fatal(err)
		}
		for _, opt := range allOptions {
			m, tr, err := MapNetwork(net, p, opt)
			var me *MapError
			if errors.As(err, &me) {
				// Only a neuron that alone breaks a limit may fail: check it.
				if !strings.Contains(me.Msg, "neuron") {
					t.Fatalf("seed %d %+v: %v", seed, opt, err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("seed %d %+v: %v", seed, opt, err)
			}
			if err := p.Check(m); err != nil {
				t.Fatalf("seed %d %+v: %v", seed, opt, err)
			}
			naiveCheck(t, m, p)
			m2, tr2, err := MapNetwork(net, p, opt)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(m.CoreOf, m2.CoreOf) || !reflect.DeepEqual(m.Cores, m2.Cores) || !reflect.DeepEqual(tr, tr2) {
				t.Fatalf("seed %d %+v: two mappings of one network differ", seed, opt)
			}
			if tr.Chips > 1 && opt == allOptions[0] {
				multiChip++
			}
		}
	}
	if multiChip < 10 {
		t.Errorf("only %d networks needed more than one chip: the test is too easy", multiChip)
	}
}

// randomRecurrent is one LIF population of n neurons, each with fanout
// random targets (one in each of fanout equal ranges of the population, so
// rows come out sorted and distinct) and delays 1..maxDelay: what random
// connectivity at scale looks like to the mapper.
func randomRecurrent(n, fanout, maxDelay int) *ir.Network {
	r := newRNG(1, 2)
	b := ir.NewRowBuilder(n, n*fanout)
	for s := range n {
		for j := range fanout {
			lo, hi := n*j/fanout, n*(j+1)/fanout
			t := lo + int(r.below(uint64(hi-lo)))
			b.Add(s, t, int16(r.below(200))-100, uint16(1+r.below(uint64(maxDelay))))
		}
	}
	return &ir.Network{Source: fmt.Sprintf("random %d x %d", n, fanout), Populations: []ir.Population{{Name: "exc", Size: n, Model: ir.ModelLIF, LIF: lif()}},
		Projections: []ir.Projection{{Name: "rec", From: 0, To: 0, WeightBits: 8, SignMode: ir.SignMixed, Syn: b.Finish()}}}
}

// BenchmarkMapRandom maps 10^5 neurons with random fan-out 100 (10^7
// synapses) onto loihi1: the chosen mapping, and with it the baseline.
func BenchmarkMapRandom(b *testing.B) {
	net := randomRecurrent(100_000, 100, 63)
	p := loadTarget(b, "loihi1")
	b.Run("chosen", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			m, tr, err := MapNetwork(net, p, MapOptions{})
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(len(m.Cores)), "cores")
			b.ReportMetric(float64(tr.PartitionFills), "fills")
		}
	})
	b.Run("chosen+baseline", func(b *testing.B) {
		b.ReportAllocs()
		for range b.N {
			if _, _, err := MapNetworks(net, p, MapOptions{}, Baseline); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// 10^6 neurons with random fan-out 100 (10^8 synapses) map onto loihi1
// within every limit; the test logs the time and the peak memory.
func TestMapRandomLarge(t *testing.T) {
	if os.Getenv("SNNC_LARGE_TESTS") == "" {
		t.Skip("set SNNC_LARGE_TESTS=1 to map 10^8 synapses")
	}
	start := time.Now()
	net := randomRecurrent(1_000_000, 100, 63)
	t.Logf("built %d neurons, %d synapses in %.1f s; peak RSS %s", net.Neurons(), net.Synapses(), time.Since(start).Seconds(), peakRSS())
	p := loadTarget(t, "loihi1")
	runtime.GC()
	logTraffic := func(tr *Traffic) {
		t.Logf("  %s/%s: %d cores on %d chips, %d fills; %d inter-core messages, hop-weighted %d, max link %d %s",
			tr.Partition, tr.Place, tr.Cores, tr.Chips, tr.PartitionFills, tr.InterCoreMessages, tr.HopWeighted, tr.MaxLinkLoad, tr.PlaceNote)
	}
	for _, opt := range []MapOptions{{}, Baseline} {
		start = time.Now()
		m, tr, err := MapNetwork(net, p, opt)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("MapNetwork %+v: %.1f s; peak RSS %s", opt, time.Since(start).Seconds(), peakRSS())
		logTraffic(tr)
		if err := p.Check(m); err != nil {
			t.Fatal(err)
		}
		runtime.GC()
	}
	start = time.Now()
	if _, _, err := MapNetworks(net, p, MapOptions{}, Baseline); err != nil {
		t.Fatal(err)
	}
	t.Logf("MapNetworks chosen and baseline: %.1f s; peak RSS %s", time.Since(start).Seconds(), peakRSS())
}

// peakRSS is the process's peak resident memory (Linux), for logs.
func peakRSS() string {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return "unknown"
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// The reverse CSR lists, for every target, the sources of its synapses in
// the order of a walk over populations, projections and sources, however
// targets are split into blocks.
func TestReverseCSR(t *testing.T) {
	defer func(b int64) { reverseBlock = b }(reverseBlock)
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	var nets []*ir.Network
	for seed := range uint64(10) {
		nets = append(nets, randnet.Network(seed, randnet.Options{MaxSize: 80}))
	}
	nets = append(nets, randomRecurrent(3000, 7, 4), gridNet(20, 3, true))
	for _, block := range []int64{1 << 22, 50, 1} {
		reverseBlock = block
		for _, procs := range []int{1, 2, 3, 5} {
			runtime.GOMAXPROCS(procs)
			for _, net := range nets {
				g := newGraph(net)
				offs := net.Offsets()
				want := make([][]int32, net.Neurons())
				for k := range net.Populations {
					for i := range net.Projections {
						pr := &net.Projections[i]
						if pr.From != k {
							continue
						}
						for src := range pr.Syn.Sources() {
							lo, hi := pr.Syn.Row(src)
							for _, tg := range pr.Syn.Target[lo:hi] {
								v := offs[pr.To] + int(tg)
								want[v] = append(want[v], int32(offs[k]+src))
							}
						}
					}
				}
				for v := range want {
					if got := g.inSrc[g.inStart[v]:g.inStart[v+1]]; !slices.Equal(got, want[v]) {
						t.Fatalf("%s, block %d, %d processors: target %d has sources %v, want %v", net.Source, block, procs, v, got, want[v])
					}
				}
			}
		}
	}
}

// The frontier gives the unassigned neuron of highest gain, lowest index
// first, like a plain map of gains would, through bumps, pops and clears.
func TestFrontier(t *testing.T) {
	const n = 5000
	r := newRNG(7, 7)
	done := make(marks, n/64+1)
	f := newFrontier(done)
	gain := map[int32]int32{}
	for step := range 200_000 {
		switch x := r.below(100); {
		case x < 80: // bump a neuron, mostly among few so that gains grow
			v := int32(r.below(uint64(n)))
			if r.below(2) == 0 {
				v = int32(r.below(50)) * 97 % n
			}
			if done.isDone(int(v)) {
				continue
			}
			f.bump(v)
			gain[v]++
		case x < 98:
			var want int32 = -1
			for v, g := range gain {
				if want < 0 || g > gain[want] || g == gain[want] && v < want {
					want = v
				}
			}
			got, ok := f.pop()
			if ok != (want >= 0) || ok && got != want {
				t.Fatalf("step %d: pop %d %v, want %d (gain %d)", step, got, ok, want, gain[want])
			}
			if ok {
				delete(gain, got)
				done.setDone(int(got)) // as the partitioner assigns it
			}
		default:
			f.clear()
			clear(gain)
			if r.below(5) == 0 {
				for w := range done {
					done[w].done = 0
				}
			}
		}
	}
}

// Large networks are filled greedily in blocks, in parallel: the result is
// within every limit and the same with one processor or several.
func TestGreedyBlocks(t *testing.T) {
	defer func(b int64) { greedyBlockSynapses = b }(greedyBlockSynapses)
	greedyBlockSynapses = 300
	p := tinyProfile(t)
	for _, net := range []*ir.Network{gridNet(16, 1, true), randomRecurrent(500, 3, 4)} {
		if blocks := newGraph(net).blocks(greedyBlockSynapses); len(blocks) < 5 {
			t.Fatalf("%d blocks: the test needs more", len(blocks)-1)
		}
		var first *ir.Mapped
		for _, procs := range []int{1, 2, 3} {
			old := runtime.GOMAXPROCS(procs)
			m, _ := mapChecked(t, net, p, MapOptions{})
			runtime.GOMAXPROCS(old)
			if first == nil {
				first = m
			} else if !reflect.DeepEqual(m.CoreOf, first.CoreOf) || !reflect.DeepEqual(m.Cores, first.Cores) {
				t.Errorf("%s: the mapping with %d processors differs from the one with 1", net.Source, procs)
			}
		}
	}
}

// MapNetworks gives what separate calls of MapNetwork give.
func TestMapNetworksShares(t *testing.T) {
	p := tinyProfile(t)
	net := gridNet(10, 1, true)
	opts := []MapOptions{{}, Baseline, {Partition: PartitionGreedy, Place: PlaceSequential}}
	ms, trs, err := MapNetworks(net, p, opts...)
	if err != nil {
		t.Fatal(err)
	}
	for i, opt := range opts {
		m, tr := mapChecked(t, net, p, opt)
		if !reflect.DeepEqual(m, ms[i]) || !reflect.DeepEqual(tr, trs[i]) {
			t.Errorf("%+v: MapNetworks differs from MapNetwork", opt)
		}
	}
}

// The bounded fill keeps every core within its output axons by
// construction (a lone neuron over the limit aside), with either fill and
// in blocks.
func TestBoundedFillIsSound(t *testing.T) {
	defer func(b int64) { greedyBlockSynapses = b }(greedyBlockSynapses)
	p := tinyProfile(t)
	var nets []*ir.Network
	for seed := range uint64(40) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 12, MaxLIF: 5, MaxSize: 60, Density: 0.05})
		LegaliseDelays(net, p.Core.MaxDelay)
		nets = append(nets, net)
	}
	nets = append(nets, gridNet(16, 1, true), gridNet(12, 2, false), randomRecurrent(400, 6, 3))
	checked := 0
	for _, block := range []int64{1 << 24, 200} {
		greedyBlockSynapses = block
		for _, net := range nets {
			for _, strategy := range []string{PartitionGreedy, PartitionSequential} {
				g := newGraph(net)
				pt := &partitioner{g: g, p: p, coreOf: make([]int32, g.n), est: make([]int32, g.n), bound: make([]int32, g.n)}
				pt.blocks = []int{0, g.n}
				if strategy == PartitionGreedy {
					pt.blocks = g.blocks(greedyBlockSynapses)
				}
				for range 2 {
					pt.fillers = append(pt.fillers, pt.newFiller(strategy == PartitionGreedy))
				}
				cores, _, err := pt.fill(true)
				if err != nil {
					continue // a neuron over another limit
				}
				real, _, _, _ := pt.realCounts(cores, nil)
				out := make([]int, cores)
				members := make([]int, cores)
				for v, c := range pt.coreOf {
					if c >= 0 {
						out[c] += int(real[v])
						members[c]++
					}
				}
				for c := range out {
					if out[c] > p.Core.OutputAxons && members[c] > 1 {
						t.Fatalf("%s, %s, blocks of %d: core %d of %d neurons has %d output axons", net.Source, strategy, block, c, members[c], out[c])
					}
				}
				checked++
			}
		}
	}
	if checked < 100 {
		t.Errorf("only %d fills checked", checked)
	}
}
