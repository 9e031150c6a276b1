package fpga

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

var (
	upCore = CoreParams{SlotBits: 10, DelayBits: 4, SynWords: 16384, ProfileBits: 8, UseSPRAM: true}
	hxCore = CoreParams{SlotBits: 8, DelayBits: 3, SynWords: 768, ProfileBits: 8}
)

func lifPop(name string, size int, du, dv, vth, biasMant, biasExp, refractory int32) ir.Population {
	return ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: &ir.LIFParams{
		Du: ir.Param{du}, Dv: ir.Param{dv}, Vth: ir.Param{vth}, BiasMant: ir.Param{biasMant},
		BiasExp: ir.Param{biasExp}, Refractory: ir.Param{refractory}, U: ir.Param{0}, V: ir.Param{0},
	}}
}

func inputPop(name string, size int) ir.Population {
	return ir.Population{Name: name, Size: size, Model: ir.ModelInput}
}

func projection(t testing.TB, name string, from, to, sources int, weightExp, weightBits int, syns []ir.Synapse) ir.Projection {
	t.Helper()
	syn, err := ir.FromList(sources, syns)
	if err != nil {
		t.Fatal(err)
	}
	return ir.Projection{Name: name, From: from, To: to, WeightExp: weightExp, WeightBits: weightBits,
		SignMode: ir.DeriveSignMode(syn.Weight), SignModeDerived: true, Syn: syn}
}

func mustBuild(t testing.TB, net *ir.Network, c CoreParams) *Image {
	t.Helper()
	im, err := Build(net, c)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// TestSimulateEqualsLoihisim is the image's main check: on seeded random
// networks with every feature, legalised for the core by the compiler,
// the core's semantics run on the image give loihisim's spikes and state
// at every step — on the legalised network (relays included) and, for
// the description's own neurons, on the network before legalisation.
func TestSimulateEqualsLoihisim(t *testing.T) {
	seeds := 300
	if testing.Short() {
		seeds = 40
	}
	for _, tc := range []struct {
		name     string
		core     CoreParams
		maxDelay int
	}{{"icebreaker", upCore, 40}, {"hx8k", hxCore, 20}} {
		t.Run(tc.name, func(t *testing.T) {
			built, relays, spikes := 0, 0, 0
			for seed := range uint64(seeds) {
				opt := randnet.Options{MaxDelay: tc.maxDelay, Refractory: true, Reset: true}
				orig := randnet.Network(seed, opt)
				net := randnet.Network(seed, opt)
				res, err := compiler.Compile(net, compiler.Options{Target: tc.core.Target(), CheckIR: true})
				if err != nil {
					if errors.As(err, new(interface{ UserError() })) {
						continue // too big for the core's one core
					}
					t.Fatalf("seed %d: compile: %v", seed, err)
				}
				im, err := Build(res.Net, tc.core)
				var ce *CapacityError
				if errors.As(err, &ce) {
					continue
				}
				if err != nil {
					t.Fatalf("seed %d: %v", seed, err)
				}
				built++
				relays += res.Net.Neurons() - orig.Neurons()
				spikes += compare(t, seed, orig, res.Net, im, 60)
			}
			t.Logf("%d of %d networks fit the core; %d relay neurons, %d LIF spikes", built, seeds, relays, spikes)
			if spikes < built*10 {
				t.Errorf("%d spikes in %d networks: too quiet to check anything", spikes, built)
			}
			if built < seeds*3/4 {
				t.Errorf("only %d of %d random networks fit the core: the test checks too little", built, seeds)
			}
			if relays == 0 {
				t.Errorf("no relay chains: delays beyond the core's %d are not exercised", tc.core.Delays())
			}
		})
	}
}

// compare runs im, loihisim on the legalised network and loihisim on the
// original network side by side.
func compare(t *testing.T, seed uint64, orig, net *ir.Network, im *Image, steps int) (spikes int) {
	t.Helper()
	inputs := randnet.Inputs(net, seed, steps, 0.3)
	ref, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref0, err := loihisim.New(orig, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := NewCoreSim(im)
	if err != nil {
		t.Fatal(err)
	}
	nOrig := int32(orig.Neurons())
	offs := net.Offsets()
	for step := range steps {
		want := ref.Step(inputs[step])
		want0 := ref0.Step(inputs[step])
		got := cs.Step(inputs[step])
		spikes += len(got)
		if d := cmp.Diff(want, got, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("seed %d step %d: spikes differ from loihisim on the legalised network (-loihisim +image):\n%s", seed, step, d)
		}
		var own []int32
		for _, g := range got {
			if g < nOrig {
				own = append(own, g)
			}
		}
		if d := cmp.Diff(want0, own, cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("seed %d step %d: spikes of the description's neurons differ from loihisim before legalisation (-loihisim +image):\n%s", seed, step, d)
		}
		for k, p := range net.Populations {
			if p.Model != ir.ModelLIF {
				continue
			}
			for i := range p.Size {
				g := offs[k] + i
				if w, h := ref.State(g), cs.State(g); w != h {
					t.Fatalf("seed %d step %d: neuron %d (%s[%d]) state %+v, loihisim %+v", seed, step, g, p.Name, i, h, w)
				}
			}
		}
	}
	// Simulate is CoreSim over all steps.
	fresh := im.Simulate(inputs, steps)
	ref2, _ := loihisim.New(net, loihisim.Options{})
	for step := range steps {
		if d := cmp.Diff(ref2.Step(inputs[step]), fresh[step], cmpopts.EquateEmpty()); d != "" {
			t.Fatalf("seed %d step %d: Simulate differs from loihisim:\n%s", seed, step, d)
		}
	}
	return spikes
}

// TestClassIncrement checks the weight-class formula of the core against
// loihisim for every weight, weight_bits, sign mode and weight_exp: the
// mantissa and class reproduce the prepared weight, and the increment
// equals loihisim.Increment modulo 2^24.
func TestClassIncrement(t *testing.T) {
	checked := 0
	for _, mode := range []ir.SignMode{ir.SignMixed, ir.SignExcitatory, ir.SignInhibitory} {
		for bits := 1; bits <= 8; bits++ {
			for e := ir.WeightExpMin; e <= ir.WeightExpMax; e++ {
				cl, k := ClassOf(mode, bits, e)
				if cl.Shift < 0 || cl.Shift > 23 {
					t.Fatalf("%v bits %d exp %d: shift %d (the doc allows s+2 in 0..23)", mode, bits, e, cl.Shift)
				}
				if got := DecodeClass(cl.Word()); got != cl {
					t.Fatalf("class %+v -> word %#x -> %+v", cl, cl.Word(), got)
				}
				for w := int32(-300); w <= 300; w++ {
					p := loihisim.PrepareWeight(w, mode, bits)
					m := cl.Mantissa(p, k)
					var v int32
					switch {
					case cl.Signed:
						v = int32(int8(m))
					case cl.Negate:
						v = -int32(m)
					default:
						v = int32(m)
					}
					if v<<k != p {
						t.Fatalf("%v bits %d: weight %d prepared %d stored as mantissa %d, which reads back as %d", mode, bits, w, p, m, v<<k)
					}
					want := loihisim.Increment(p, e) << 8 >> 8
					if got := cl.Increment(m); got != want {
						t.Fatalf("%v bits %d exp %d weight %d (prepared %d, m %d): increment %d, loihisim %d", mode, bits, e, w, p, m, got, want)
					}
					checked++
				}
			}
		}
	}
	t.Logf("%d cases", checked)
}

// smallNet is a hand-made network whose image the layout test knows
// word for word: inputs in0 (2 neurons), LIF a (3), b (2).
func smallNet(t testing.TB) *ir.Network {
	a := lifPop("a", 3, 10, 20, 100, -5, 2, 3)
	a.LIF.Vth = ir.Param{100, 100, 200} // neuron 2 has its own profile
	a.LIF.U = ir.Param{-1, 2, 3}
	a.LIF.V = ir.Param{7, -8, 9}
	net := &ir.Network{Populations: []ir.Population{inputPop("in0", 2), a, lifPop("b", 2, 10, 20, 100, -5, 2, 3)}}
	net.Projections = []ir.Projection{
		// in0 -> a: mixed 8 bits, exp 0 (class 0: shift 1+6+0+2 = 9, signed)
		projection(t, "in-a", 0, 1, 2, 0, 8, []ir.Synapse{{Source: 0, Target: 2, Weight: -77, Delay: 2}, {Source: 0, Target: 0, Weight: 39, Delay: 2}, {Source: 1, Target: 1, Weight: 10, Delay: 1}}),
		// a -> b: inhibitory 6 bits, exp -8 (class 1: shift 2+6-8+2 = 2, negate)
		projection(t, "a-b", 1, 2, 3, -8, 6, []ir.Synapse{{Source: 0, Target: 1, Weight: -77, Delay: 8}, {Source: 0, Target: 0, Weight: -4, Delay: 8}}),
		// in0 -> b: excitatory 8 bits, exp 0 (class 2: shift 8, plain)
		projection(t, "in-b", 0, 2, 2, 0, 8, []ir.Synapse{{Source: 0, Target: 1, Weight: 5, Delay: 2}}),
	}
	return net
}

func TestBuildLayout(t *testing.T) {
	c := CoreParams{SlotBits: 4, DelayBits: 3, SynWords: 8, ProfileBits: 2}
	im := mustBuild(t, smallNet(t), c)
	// Slots: a0 a1 a2 b0 b1 in0_0 in0_1.
	if d := cmp.Diff([]int32{5, 6, 0, 1, 2, 3, 4}, im.SlotOf); d != "" {
		t.Errorf("SlotOf (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]int32{2, 3, 4, 5, 6, 0, 1}, im.NeuronOf); d != "" {
		t.Errorf("NeuronOf (-want +got):\n%s", d)
	}
	if im.NeuronCount != 5 || im.SlotCount != 7 {
		t.Errorf("neuron_count %d slot_count %d, want 5 7", im.NeuronCount, im.SlotCount)
	}
	var ids []int
	for _, r := range im.Regions {
		ids = append(ids, r.ID)
		if r.Name != RegionName(r.ID) || r.Bits != RegionBits(r.ID, c) || r.Base != 0 {
			t.Errorf("region %d: name %q bits %d base %d", r.ID, r.Name, r.Bits, r.Base)
		}
	}
	if d := cmp.Diff([]int{RegionCtrl, RegionProfile, RegionSlotProfile, RegionStateUV, RegionGroupPtr, RegionSynapse}, ids); d != "" {
		t.Errorf("load order (-want +got):\n%s", d)
	}
	ctrl := make([]uint64, 16)
	ctrl[0], ctrl[1] = 5, 7
	ctrl[8] = 9 | classSigned
	ctrl[9] = 2 | classNegate
	ctrl[10] = 8
	if d := cmp.Diff(ctrl, im.Region(RegionCtrl).Words); d != "" {
		t.Errorf("ctrl (-want +got):\n%s", d)
	}
	prof := func(vth uint64) uint64 {
		return (4095-10)<<0 | 20<<12 | vth<<24 | uint64(0x2000-5)<<41 | 2<<54 | 3<<57
	}
	if d := cmp.Diff([]uint64{prof(100), prof(200)}, im.Region(RegionProfile).Words); d != "" {
		t.Errorf("profile (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]uint64{0, 0, 1, 0, 0, 0, 0}, im.Region(RegionSlotProfile).Words); d != "" {
		t.Errorf("slot_profile (-want +got):\n%s", d)
	}
	uv := func(u, v int32) uint64 { return uint64(uint32(u)&0xffffff) | uint64(uint32(v)&0xffffff)<<24 }
	if d := cmp.Diff([]uint64{uv(-1, 7), uv(2, -8), uv(3, 9), 0, 0, 0, 0}, im.Region(RegionStateUV).Words); d != "" {
		t.Errorf("state_uv (-want +got):\n%s", d)
	}
	// Groups in order: (a0, d8) -> b0, b1; (in0_0, d2) -> a0, a2, b1; (in0_1, d1) -> a1.
	syn := func(target, m, class uint64, last bool) uint64 {
		s := target | m<<12 | class<<20
		if last {
			s |= synLast
		}
		return s
	}
	mixed := func(w int) uint64 { return uint64(uint8(int8(w >> 1))) }
	syns := []uint64{
		syn(3, 4>>2, 1, false), syn(4, 76>>2, 1, true), // a-b: -4 and -77 -> -76 (6-bit magnitude), m = 76>>2
		syn(0, mixed(38), 0, false), syn(2, mixed(-78), 0, false), syn(4, 5, 2, true),
		syn(1, mixed(10), 0, true),
	}
	var words []uint64
	for i := 0; i < len(syns); i += 2 {
		words = append(words, syns[i]|syns[i+1]<<24)
	}
	if d := cmp.Diff(words, im.Region(RegionSynapse).Words); d != "" {
		t.Errorf("synapse (-want +got):\n%s", d)
	}
	ptr := make([]uint64, 7*8)
	ptr[0*8+7] = groupNotEmpty | 0
	ptr[5*8+1] = groupNotEmpty | 2
	ptr[6*8+0] = groupNotEmpty | 5 // an odd start
	if d := cmp.Diff(ptr, im.Region(RegionGroupPtr).Words); d != "" {
		t.Errorf("group_ptr (-want +got):\n%s", d)
	}
	if want := (ImageStats{Profiles: 2, Classes: 3, Groups: 3, Synapses: 6}); im.Stats != want || im.countStats() != want {
		t.Errorf("stats %+v, counted from the regions %+v, want %+v", im.Stats, im.countStats(), want)
	}
	var n int
	im.Writes(func(region, addr int, data uint64) {
		if r := im.Region(region); r.Words[addr-r.Base] != data {
			t.Errorf("Writes: region %d addr %d data %#x", region, addr, data)
		}
		n++
	})
	if n != 16+2+7+7+56+3 {
		t.Errorf("Writes wrote %d words, want %d", n, 16+2+7+7+56+3)
	}
}

// TestProfileReset: the reset mode is part of a profile (bit 61, 1 for a
// reset by subtraction), so two populations that differ only in it get
// two profiles, and CoreSim decodes it: its neurons keep v - vth<<6 after
// a spike, as loihisim's.
func TestProfileReset(t *testing.T) {
	for _, p := range []profile{
		{0, 0, 0, 0, 0, 0, ir.ResetZero},
		{4095, 4095, ir.VthMax, -4096, 7, 15, ir.ResetSubtract},
		{10, 20, 100, -5, 2, 3, ir.ResetSubtract},
	} {
		w := p.word()
		if w>>RegionBits(RegionProfile, upCore) != 0 || w>>profResetShift&1 != resetBit(p.reset) {
			t.Errorf("%+v: word %#x", p, w)
		}
		if got := decodeProfile(w); got != p {
			t.Errorf("decodeProfile(%#x) = %+v, want %+v", w, got, p)
		}
	}
	c := CoreParams{SlotBits: 4, DelayBits: 3, SynWords: 8, ProfileBits: 2}
	net := smallNet(t)
	net.Populations[2].LIF.Reset = ir.ResetSubtract // b: a's first profile but for the reset
	im := mustBuild(t, net, c)
	prof := func(vth, reset uint64) uint64 {
		return (4095-10)<<0 | 20<<12 | vth<<24 | uint64(0x2000-5)<<41 | 2<<54 | 3<<57 | reset<<61
	}
	if d := cmp.Diff([]uint64{prof(100, 0), prof(200, 0), prof(100, 1)}, im.Region(RegionProfile).Words); d != "" {
		t.Errorf("profile (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]uint64{0, 0, 1, 2, 2, 0, 0}, im.Region(RegionSlotProfile).Words); d != "" {
		t.Errorf("slot_profile (-want +got):\n%s", d)
	}
	cs, err := NewCoreSim(im)
	if err != nil {
		t.Fatal(err)
	}
	for slot, keep := range []int32{0, 0, 0, -1, -1} {
		if cs.config[slot].ResetKeep != keep {
			t.Errorf("slot %d: ResetKeep %d, want %d", slot, cs.config[slot].ResetKeep, keep)
		}
	}
	// The last distinct profile is the one too many.
	c.ProfileBits = 1
	var ce *CapacityError
	if _, err := Build(net, c); !errors.As(err, &ce) || ce.Figure != "profiles" || ce.Value != 3 || !strings.Contains(err.Error(), "refractory, reset)") {
		t.Errorf("3 profiles on a core of 2: %v", err)
	}
}

// capacityCase builds a network that breaks one limit of core c.
func TestCapacityErrors(t *testing.T) {
	c := CoreParams{SlotBits: 4, DelayBits: 2, SynWords: 5, ProfileBits: 2}
	one := func(from, to int, w int16, d uint16) []ir.Synapse {
		return []ir.Synapse{{Source: int32(from), Target: int32(to), Weight: w, Delay: d}}
	}
	for _, tc := range []struct {
		figure       string
		value, limit int
		net          func() *ir.Network
		msg          string
	}{
		{"slots", 17, 16, func() *ir.Network {
			return &ir.Network{Populations: []ir.Population{inputPop("in", 7), lifPop("a", 10, 0, 0, 1, 0, 0, 0)}}
		}, "17 slots (10 LIF neurons + 7 input neurons"},
		{"synapses", 11, 10, func() *ir.Network {
			net := &ir.Network{Populations: []ir.Population{inputPop("in", 4), lifPop("a", 3, 0, 0, 1, 0, 0, 0)}}
			var s []ir.Synapse
			for i := range 11 {
				s = append(s, one(i/3, i%3, 1, 1)...)
			}
			net.Projections = []ir.Projection{projection(t, "p", 0, 1, 4, 0, 8, s)}
			return net
		}, "11 synapses"},
		{"profiles", 5, 4, func() *ir.Network {
			a := lifPop("a", 5, 0, 0, 1, 0, 0, 0)
			a.LIF.Vth = ir.Param{1, 2, 3, 4, 1}
			b := lifPop("b", 1, 0, 0, 9, 0, 0, 0)
			return &ir.Network{Populations: []ir.Population{a, b}}
		}, "5 distinct parameter sets"},
		{"classes", 9, 8, func() *ir.Network {
			net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("a", 1, 0, 0, 1, 0, 0, 0)}}
			for e := range 9 {
				net.Projections = append(net.Projections, projection(t, fmt.Sprintf("p%d", e), 0, 1, 1, e-8, 8, one(0, 0, 1, 1)))
			}
			return net
		}, "9 weight classes"},
		{"refractory", 16, 15, func() *ir.Network {
			return &ir.Network{Populations: []ir.Population{lifPop("a", 2, 0, 0, 1, 0, 0, 16)}}
		}, `population "a" neuron 0 has refractory 16`},
		{"delay", 5, 4, func() *ir.Network {
			net := &ir.Network{Populations: []ir.Population{inputPop("in", 1), lifPop("a", 1, 0, 0, 1, 0, 0, 0)}}
			net.Projections = []ir.Projection{projection(t, "slow", 0, 1, 1, 0, 8, one(0, 0, 1, 5))}
			return net
		}, `projection "slow" has a delay of 5 steps; the core's longest is 4`},
	} {
		t.Run(tc.figure, func(t *testing.T) {
			_, err := Build(tc.net(), c)
			var ce *CapacityError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v, want a *CapacityError", err)
			}
			if ce.Figure != tc.figure || ce.Value != tc.value || ce.Limit != tc.limit {
				t.Errorf("figure %q value %d limit %d, want %q %d %d", ce.Figure, ce.Value, ce.Limit, tc.figure, tc.value, tc.limit)
			}
			if !strings.Contains(err.Error(), tc.msg) || !strings.Contains(err.Error(), fmt.Sprint(tc.limit)) {
				t.Errorf("message %q does not say %q and the limit %d", err, tc.msg, tc.limit)
			}
			if _, ok := err.(interface{ UserError() }); !ok {
				t.Errorf("%T is not a user error", err)
			}
		})
	}
	if _, err := Build(smallNet(t), CoreParams{SlotBits: 13, DelayBits: 4, SynWords: 8, ProfileBits: 2}); err == nil || !strings.Contains(err.Error(), "SLOT_BITS = 13") {
		t.Errorf("bad core parameters: error %v", err)
	}
}

func TestBinaryRoundTrip(t *testing.T) {
	for seed := range uint64(20) {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 16, Refractory: true, Reset: true})
		im := mustBuild(t, net, upCore)
		var b bytes.Buffer
		if err := im.WriteBinary(&b); err != nil {
			t.Fatal(err)
		}
		back, err := ReadBinary(bytes.NewReader(b.Bytes()))
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if d := cmp.Diff(im, back); d != "" {
			t.Fatalf("seed %d: round trip (-wrote +read):\n%s", seed, d)
		}
	}
}

func TestReadBinaryRejects(t *testing.T) {
	im := mustBuild(t, smallNet(t), hxCore)
	var b bytes.Buffer
	if err := im.WriteBinary(&b); err != nil {
		t.Fatal(err)
	}
	good := b.Bytes()
	for _, tc := range []struct {
		name string
		data func() []byte
		want string
	}{
		{"empty", func() []byte { return nil }, "shorter than a header"},
		{"magic", func() []byte { d := bytes.Clone(good); d[0] = 'X'; return d }, "not an snnc configuration image"},
		{"version", func() []byte { d := bytes.Clone(good); d[8] = 9; return d }, "format version 9"},
		// Version 1 had no reset field and a 61-bit profile.
		{"version 1", func() []byte { d := bytes.Clone(good); d[8] = 1; return d }, "format version 1 (this snnc reads 2: compile the network again)"},
		{"flipped", func() []byte { d := bytes.Clone(good); d[len(d)/2] ^= 4; return d }, "damaged"},
		{"truncated", func() []byte { return good[:len(good)-7] }, "damaged"},
	} {
		_, err := ReadBinary(bytes.NewReader(tc.data()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.name, err, tc.want)
		}
	}
	// Contents that disagree, in files with a good checksum: two records
	// of one region (CoreSim would read the first, the driver write both),
	// header counts that are not what the regions hold, ctrl counts that
	// are not the header's.
	for _, tc := range []struct {
		name string
		edit func(im *Image)
		want string
	}{
		{"region twice", func(im *Image) {
			r := *im.Region(RegionGroupPtr)
			r.Words = make([]uint64, len(r.Words))
			im.Regions = append(im.Regions, r)
		}, "region group_ptr appears twice, records 4 and 6 (allowed: each region once)"},
		{"ctrl twice", func(im *Image) {
			im.Regions = append(im.Regions, Region{ID: RegionCtrl, Name: "ctrl", Bits: 32, Base: 8, Words: []uint64{0}})
		}, "region ctrl appears twice, records 0 and 6"},
		{"profiles", func(im *Image) { im.Stats.Profiles++ }, "the header counts 3 profiles, 3 classes, 3 groups and 6 synapses; the regions hold 2, 3, 3 and 6"},
		{"classes", func(im *Image) { im.Stats.Classes = 8 }, "the header counts 2 profiles, 8 classes, 3 groups and 6 synapses; the regions hold 2, 3, 3 and 6"},
		{"groups", func(im *Image) { im.Stats.Groups-- }, "counts 2 profiles, 3 classes, 2 groups and 6 synapses; the regions hold 2, 3, 3 and 6"},
		{"synapses", func(im *Image) { im.Stats.Synapses = 1000 }, "3 groups and 1000 synapses; the regions hold 2, 3, 3 and 6"},
		{"a group lost", func(im *Image) { im.Region(RegionGroupPtr).Words[5*8+1] = 0 }, "the header counts 2 profiles, 3 classes, 3 groups and 6 synapses; the regions hold 2, 2, 2 and 3"},
		{"neuron_count", func(im *Image) { im.Region(RegionCtrl).Words[CtrlNeuronCount] = 4 }, "ctrl word 0 (neuron_count) is 4, the image's neuron_count is 5 (allowed: equal)"},
		{"slot_count", func(im *Image) { im.Region(RegionCtrl).Words[CtrlSlotCount] = 6 }, "ctrl word 1 (slot_count) is 6, the image's slot_count is 7"},
	} {
		im, err := ReadBinary(bytes.NewReader(good))
		if err != nil {
			t.Fatal(err)
		}
		tc.edit(im)
		var b bytes.Buffer
		if err := im.WriteBinary(&b); err != nil {
			t.Fatal(err)
		}
		_, err = ReadBinary(bytes.NewReader(b.Bytes()))
		var fe *FormatError
		if err == nil || !strings.Contains(err.Error(), tc.want) || !errors.As(err, &fe) {
			t.Errorf("%s: error %v, want a *FormatError with %q", tc.name, err, tc.want)
		}
		if strings.Contains(tc.name, "twice") || strings.Contains(tc.name, "count") {
			if _, err := NewCoreSim(im); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%s: NewCoreSim: error %v, want %q", tc.name, err, tc.want)
			}
		}
	}
	// Every byte flip is caught.
	for i := range good {
		d := bytes.Clone(good)
		d[i] ^= 0x10
		if _, err := ReadBinary(bytes.NewReader(d)); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
}

// TestDeterministic: the same network gives byte-identical files.
func TestDeterministic(t *testing.T) {
	write := func() ([]byte, map[string][]byte) {
		net := randnet.Network(7, randnet.Options{MaxDelay: 16, Refractory: true, Reset: true})
		im := mustBuild(t, net, upCore)
		var b bytes.Buffer
		if err := im.WriteBinary(&b); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		if err := im.WriteHex(dir); err != nil {
			t.Fatal(err)
		}
		files := map[string][]byte{}
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			files[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
		}
		return b.Bytes(), files
	}
	b1, h1 := write()
	b2, h2 := write()
	if !bytes.Equal(b1, b2) {
		t.Error("two builds of one network give different binaries")
	}
	if !cmp.Equal(h1, h2) {
		t.Error("two builds of one network give different hex files")
	}
}

func TestWriteHex(t *testing.T) {
	c := CoreParams{SlotBits: 4, DelayBits: 3, SynWords: 8, ProfileBits: 2}
	im := mustBuild(t, smallNet(t), c)
	dir := t.TempDir()
	if err := im.WriteHex(dir); err != nil {
		t.Fatal(err)
	}
	for id := range regionCount {
		data, err := os.ReadFile(filepath.Join(dir, RegionName(id)+".hex"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
		depth := RegionDepth(id, c)
		if id == RegionCtrl {
			depth = 16
		}
		if len(lines) != depth {
			t.Errorf("%s.hex: %d lines, want %d", RegionName(id), len(lines), depth)
		}
		digits := (RegionBits(id, c) + 3) / 4
		for i, l := range lines {
			var x uint64
			if _, err := fmt.Sscanf(l, "%x", &x); err != nil || len(l) != digits {
				t.Fatalf("%s.hex line %d: %q (want %d hex digits)", RegionName(id), i+1, l, digits)
			}
			var want uint64
			if r := im.Region(id); r != nil && i < len(r.Words) {
				want = r.Words[i]
			}
			if x != want {
				t.Errorf("%s.hex line %d: %#x, want %#x", RegionName(id), i+1, x, want)
			}
		}
	}
}

// bigNet is a network that fills the iCEBreaker core: 1024 slots (64
// inputs, 960 LIF neurons) and 32768 synapses, delays 1..16.
func bigNet(t testing.TB) *ir.Network {
	r := rand.New(rand.NewPCG(1, 2))
	net := &ir.Network{Populations: []ir.Population{inputPop("in", 64), lifPop("exc", 960, 100, 200, 50, 0, 0, 2)}}
	var s1, s2 []ir.Synapse
	seen := map[[2]int32]bool{}
	for len(s1)+len(s2) < 32768 {
		src, tgt := int32(r.IntN(1024)), int32(r.IntN(960))
		if seen[[2]int32{src, tgt}] {
			continue
		}
		seen[[2]int32{src, tgt}] = true
		syn := ir.Synapse{Source: src, Target: tgt, Weight: int16(r.IntN(200) - 100), Delay: uint16(1 + r.IntN(16))}
		if src < 64 {
			s1 = append(s1, syn)
		} else {
			syn.Source -= 64
			s2 = append(s2, syn)
		}
	}
	net.Projections = []ir.Projection{projection(t, "in", 0, 1, 64, 0, 8, s1), projection(t, "rec", 1, 1, 960, -2, 8, s2)}
	return net
}

func TestBuildFull(t *testing.T) {
	net := bigNet(t)
	im := mustBuild(t, net, upCore)
	if im.SlotCount != 1024 || im.Stats.Synapses != 32768 {
		t.Fatalf("slots %d synapses %d, want 1024 32768", im.SlotCount, im.Stats.Synapses)
	}
	if n := compare(t, 3, net, net, im, 20); n == 0 {
		t.Error("the full network never spiked")
	}
}

func BenchmarkBuild(b *testing.B) {
	net := bigNet(b)
	for b.Loop() {
		if _, err := Build(net, upCore); err != nil {
			b.Fatal(err)
		}
	}
}
