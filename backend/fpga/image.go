package fpga

import (
	"fmt"
	"strings"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/ir"
)

// Regions of snn_core's memory map, as cfg_region numbers them
// (docs/fpga-core.md, "Memory map").
const (
	RegionCtrl        = 0
	RegionProfile     = 1
	RegionSlotProfile = 2
	RegionSlotState   = 3
	RegionStateUV     = 4
	RegionAccum       = 5
	RegionHistory     = 6
	RegionGroupPtr    = 7
	RegionSynapse     = 8
	regionCount       = 9
)

// Words of region 0, ctrl.
const (
	CtrlNeuronCount = 0
	CtrlSlotCount   = 1
	CtrlClass0      = 8 // weight classes 0..7 in words 8..15
	CtrlVersion     = 16
	CtrlParams      = 17
	CtrlSynWords    = 18
	CtrlCycles      = 24
	CtrlEvents      = 25
	CtrlSpikes      = 26
	CtrlStatus      = 27
	ctrlWords       = 32
	ctrlWritable    = CtrlClass0 + Classes // the image writes words 0..15
)

var regionNames = [regionCount]string{"ctrl", "profile", "slot_profile", "slot_state", "state_uv", "accum", "history", "group_ptr", "synapse"}

// RegionName returns the name of region id in docs/fpga-core.md, which is
// also the name of its .hex file.
func RegionName(id int) string {
	if id < 0 || id >= regionCount {
		return fmt.Sprintf("region%d", id)
	}
	return regionNames[id]
}

// RegionBits returns the width of region id's words for core c.
func RegionBits(id int, c CoreParams) int {
	switch id {
	case RegionCtrl:
		return 32
	case RegionProfile:
		return 62
	case RegionSlotProfile:
		return c.ProfileBits
	case RegionSlotState:
		return 4
	case RegionStateUV:
		return 48
	case RegionAccum:
		return 24
	case RegionHistory:
		return c.Delays()
	case RegionGroupPtr:
		return 16
	case RegionSynapse:
		return 2 * SynapseBits
	}
	return 0
}

// RegionDepth returns the number of words of region id for core c.
func RegionDepth(id int, c CoreParams) int {
	switch id {
	case RegionCtrl:
		return ctrlWords
	case RegionProfile:
		return c.Profiles()
	case RegionSlotProfile, RegionSlotState, RegionStateUV, RegionAccum, RegionHistory:
		return c.Slots()
	case RegionGroupPtr:
		return c.Slots() * c.Delays()
	case RegionSynapse:
		return c.SynWords
	}
	return 0
}

// Image is a network's configuration of one snn_core: the words the
// driver writes through the cfg port before the first step (followed by a
// state_clear, which zeroes accum, history and slot_state; those regions
// are therefore not part of the image). One bitstream per board serves
// every network whose image fits its core.
type Image struct {
	Core CoreParams
	// NeuronCount is the number of LIF neurons (ctrl word 0); SlotCount
	// adds the input neurons (ctrl word 1).
	NeuronCount, SlotCount int
	// SlotOf maps a global neuron index of the network to its slot;
	// NeuronOf maps a slot back. LIF neurons take slots 0..NeuronCount-1
	// in global order, input neurons the slots after them in global order.
	SlotOf   []int32
	NeuronOf []int32
	// Regions hold the words to write, in load order.
	Regions []Region
	Stats   ImageStats
}

// Region is a run of consecutive words of one memory of the core.
type Region struct {
	ID   int
	Name string
	// Bits is the width of the memory's words; higher bits of Words are 0.
	Bits int
	// Base is the address of Words[0].
	Base  int
	Words []uint64
}

// ImageStats are the network's share of the core.
type ImageStats struct {
	// Profiles are the distinct neuron parameter sets, Classes the
	// distinct weight classes.
	Profiles, Classes int
	// Groups are the non-empty (source, delay) synapse groups; Synapses
	// all synapses.
	Groups, Synapses int
}

// Region returns the image's region id, or nil.
func (im *Image) Region(id int) *Region {
	for i := range im.Regions {
		if im.Regions[i].ID == id {
			return &im.Regions[i]
		}
	}
	return nil
}

// Writes calls write for every word of the image, in load order: the
// sequence of cfg-port writes that configures the core.
func (im *Image) Writes(write func(region, addr int, data uint64)) {
	for _, r := range im.Regions {
		for i, w := range r.Words {
			write(r.ID, r.Base+i, w)
		}
	}
}

// CapacityError says that a network does not fit a core: which figure,
// the network's value and the core's limit.
type CapacityError struct {
	// Figure is one of "slots", "synapses", "profiles", "classes",
	// "refractory" and "delay".
	Figure string
	Value  int
	Limit  int
	// Msg is the whole sentence, naming where the value comes from.
	Msg string
}

func (e *CapacityError) Error() string { return "the network does not fit the FPGA core: " + e.Msg }

// UserError marks the error as the user's input (exit status 2): the
// network is too big for the board, not a fault of snnc.
func (e *CapacityError) UserError() {}

// Profile word fields (docs/fpga-core.md, "Profile").
const (
	profDecayUShift    = 0
	profDvShift        = 12
	profVthShift       = 24
	profBiasMantShift  = 41
	profBiasExpShift   = 54
	profRefractoryShft = 57
	profResetShift     = 61 // 1: reset by subtraction, 0: to zero
)

// profile is one neuron parameter set as the core stores it.
type profile struct {
	du, dv, vth, biasMant, biasExp, refractory int32
	reset                                      ir.Reset
}

func (p profile) word() uint64 {
	return uint64(ir.DecayMax-p.du)<<profDecayUShift |
		uint64(p.dv)<<profDvShift |
		uint64(p.vth)<<profVthShift |
		uint64(uint32(p.biasMant)&0x1fff)<<profBiasMantShift |
		uint64(p.biasExp)<<profBiasExpShift |
		uint64(p.refractory)<<profRefractoryShft |
		resetBit(p.reset)<<profResetShift
}

// resetBit is the profile's reset field: 1 for a reset by subtraction.
func resetBit(r ir.Reset) uint64 {
	if r == ir.ResetSubtract {
		return 1
	}
	return 0
}

func decodeProfile(w uint64) profile {
	field := func(shift, bits uint) int32 { return int32(w >> shift & (1<<bits - 1)) }
	return profile{
		du:         ir.DecayMax - field(profDecayUShift, 12),
		dv:         field(profDvShift, 12),
		vth:        field(profVthShift, 17),
		biasMant:   field(profBiasMantShift, 13) << 19 >> 19,
		biasExp:    field(profBiasExpShift, 3),
		refractory: field(profRefractoryShft, 4),
		reset:      []ir.Reset{ir.ResetZero, ir.ResetSubtract}[field(profResetShift, 1)],
	}
}

// Synapse fields (docs/fpga-core.md, "Synapse"), 24 bits.
const (
	synWeightShift = 12
	synClassShift  = 20
	synLast        = 1 << 23
	synMask        = 1<<SynapseBits - 1
	groupNotEmpty  = 1 << GroupIndexBits
	groupIndexMask = groupNotEmpty - 1
)

// Build writes the configuration image of net for core c. net must be
// valid and legal for the core: every delay at most c.Delays() (the
// compiler's legalise-delays pass with c.Target() makes it so). Slots are
// the LIF neurons in global order, then the input neurons in global
// order. A network that does not fit gives a *CapacityError naming the
// figure, the network's value and the core's limit.
func Build(net *ir.Network, c CoreParams) (*Image, error) {
	if err := c.Check(); err != nil {
		return nil, err
	}
	if err := net.Validate(); err != nil {
		return nil, fmt.Errorf("fpga.Build: invalid network: %w", err)
	}
	im := &Image{Core: c}
	if err := im.assignSlots(net); err != nil {
		return nil, err
	}
	profiles, slotProfile, stateUV, err := im.neuronRegions(net)
	if err != nil {
		return nil, err
	}
	classes, err := im.checkSynapses(net)
	if err != nil {
		return nil, err
	}
	ctrl := make([]uint64, ctrlWritable)
	ctrl[CtrlNeuronCount] = uint64(im.NeuronCount)
	ctrl[CtrlSlotCount] = uint64(im.SlotCount)
	for i, cl := range classes.classes {
		ctrl[CtrlClass0+i] = cl.Word()
	}
	groupPtr, synapses := im.synapseRegions(net, classes)
	im.Regions = []Region{
		im.region(RegionCtrl, ctrl),
		im.region(RegionProfile, profiles),
		im.region(RegionSlotProfile, slotProfile),
		im.region(RegionStateUV, stateUV),
		im.region(RegionGroupPtr, groupPtr),
		im.region(RegionSynapse, synapses),
	}
	im.Stats.Profiles = len(profiles)
	im.Stats.Classes = len(classes.classes)
	return im, nil
}

func (im *Image) region(id int, words []uint64) Region {
	return Region{ID: id, Name: RegionName(id), Bits: RegionBits(id, im.Core), Words: words}
}

// assignSlots numbers the slots: LIF neurons first, then inputs.
func (im *Image) assignSlots(net *ir.Network) error {
	offs := net.Offsets()
	nIn := 0
	for _, p := range net.Populations {
		if p.Model == ir.ModelLIF {
			im.NeuronCount += p.Size
		} else {
			nIn += p.Size
		}
	}
	im.SlotCount = im.NeuronCount + nIn
	if im.SlotCount > im.Core.Slots() {
		return &CapacityError{Figure: "slots", Value: im.SlotCount, Limit: im.Core.Slots(),
			Msg: fmt.Sprintf("it needs %d slots (%d LIF neurons + %d input neurons, relays included); the core holds %d (SLOT_BITS=%d)",
				im.SlotCount, im.NeuronCount, nIn, im.Core.Slots(), im.Core.SlotBits)}
	}
	im.SlotOf = make([]int32, im.SlotCount)
	im.NeuronOf = make([]int32, im.SlotCount)
	lif, in := 0, im.NeuronCount
	for k, p := range net.Populations {
		next := &in
		if p.Model == ir.ModelLIF {
			next = &lif
		}
		for i := range p.Size {
			g := offs[k] + i
			im.SlotOf[g] = int32(*next)
			im.NeuronOf[*next] = int32(g)
			*next++
		}
	}
	return nil
}

// neuronRegions returns the profile table and the slot_profile and
// state_uv words of every slot (zero for input slots).
func (im *Image) neuronRegions(net *ir.Network) (profiles, slotProfile, stateUV []uint64, err error) {
	slotProfile = make([]uint64, im.SlotCount)
	stateUV = make([]uint64, im.SlotCount)
	index := map[profile]int{}
	slot := 0
	for _, p := range net.Populations {
		if p.Model != ir.ModelLIF {
			continue
		}
		lp := p.LIF
		for i := range p.Size {
			pr := profile{lp.Du.At(i), lp.Dv.At(i), lp.Vth.At(i), lp.BiasMant.At(i), lp.BiasExp.At(i), lp.Refractory.At(i), lp.Reset}
			if pr.refractory > RefractoryMax {
				return nil, nil, nil, &CapacityError{Figure: "refractory", Value: int(pr.refractory), Limit: RefractoryMax,
					Msg: fmt.Sprintf("population %q neuron %d has refractory %d; the core's refractory counter allows 0..%d", p.Name, i, pr.refractory, RefractoryMax)}
			}
			n, ok := index[pr]
			if !ok {
				n = len(profiles)
				index[pr] = n
				profiles = append(profiles, pr.word())
			}
			slotProfile[slot] = uint64(n)
			stateUV[slot] = uint64(uint32(lp.U.At(i))&0xffffff) | uint64(uint32(lp.V.At(i))&0xffffff)<<24
			slot++
		}
	}
	if len(profiles) > im.Core.Profiles() {
		return nil, nil, nil, &CapacityError{Figure: "profiles", Value: len(profiles), Limit: im.Core.Profiles(),
			Msg: fmt.Sprintf("its LIF neurons have %d distinct parameter sets (du, dv, vth, bias_mant, bias_exp, refractory, reset); the core holds %d profiles (PROFILE_BITS=%d)",
				len(profiles), im.Core.Profiles(), im.Core.ProfileBits)}
	}
	return profiles, slotProfile, stateUV, nil
}

// checkSynapses checks the synapse count and every delay, and numbers the
// weight classes of the projections that have synapses, in projection order.
func (im *Image) checkSynapses(net *ir.Network) (*classTable, error) {
	c := im.Core
	if n := net.Synapses(); n > int64(c.Synapses()) {
		return nil, &CapacityError{Figure: "synapses", Value: int(min(n, 1<<62)), Limit: c.Synapses(),
			Msg: fmt.Sprintf("it has %d synapses (relays included); the core's synapse table holds %d (SYN_WORDS=%d, two per word)", n, c.Synapses(), c.SynWords)}
	}
	classes := &classTable{}
	var used []string
	for i := range net.Projections {
		pr := &net.Projections[i]
		if pr.Syn.Len() == 0 {
			continue
		}
		if d := pr.Syn.MaxDelay(); d > c.Delays() {
			return nil, &CapacityError{Figure: "delay", Value: d, Limit: c.Delays(),
				Msg: fmt.Sprintf("projection %q has a delay of %d steps; the core's longest is %d (DELAY_BITS=%d); compile with the board's target so that the legalise-delays pass turns longer delays into relay chains",
					pr.Name, d, c.Delays(), c.DelayBits)}
		}
		cl, _ := ClassOf(pr.SignMode, pr.WeightBits, pr.WeightExp)
		if n := len(classes.classes); classes.add(cl) == n && n < Classes+4 {
			used = append(used, fmt.Sprintf("%s %s weight_bits %d weight_exp %d", pr.Name, pr.SignMode, pr.WeightBits, pr.WeightExp))
		}
	}
	if n := len(classes.classes); n > Classes {
		return nil, &CapacityError{Figure: "classes", Value: n, Limit: Classes,
			Msg: fmt.Sprintf("its projections need %d weight classes (distinct sign mode and scale 2^(k+6+weight_exp); first of each: %s); the core holds %d",
				n, strings.Join(used, "; "), Classes)}
	}
	return classes, nil
}

// synapseRegions lays out the synapse table: groups by source slot, then
// delay; within a group by target slot (then projection order). Two
// stable counting sorts, by target and then by group, keep it linear.
func (im *Image) synapseRegions(net *ir.Network, classes *classTable) (groupPtr, words []uint64) {
	c := im.Core
	D := c.Delays()
	n := int(net.Synapses())
	enc := make([]uint32, 0, n) // the synapse without its last bit
	tgt := make([]uint16, 0, n)
	grp := make([]uint32, 0, n)
	offs := net.Offsets()
	for i := range net.Projections {
		pr := &net.Projections[i]
		if pr.Syn.Len() == 0 {
			continue
		}
		cl, k := ClassOf(pr.SignMode, pr.WeightBits, pr.WeightExp)
		class := uint32(classes.add(cl))
		for src := range pr.Syn.Sources() {
			srcSlot := uint32(im.SlotOf[offs[pr.From]+src])
			lo, hi := pr.Syn.Row(src)
			for s := lo; s < hi; s++ {
				t := uint32(im.SlotOf[offs[pr.To]+int(pr.Syn.Target[s])])
				w := loihisim.PrepareWeight(int32(pr.Syn.Weight[s]), pr.SignMode, pr.WeightBits)
				m := uint32(cl.Mantissa(w, k))
				enc = append(enc, t|m<<synWeightShift|class<<synClassShift)
				tgt = append(tgt, uint16(t))
				grp = append(grp, srcSlot*uint32(D)+uint32(pr.Syn.Delay[s])-1)
			}
		}
	}
	byTarget := countingSort(identity(n), func(i int32) int { return int(tgt[i]) }, im.SlotCount)
	order := countingSort(byTarget, func(i int32) int { return int(grp[i]) }, im.SlotCount*D)

	groupPtr = make([]uint64, im.SlotCount*D)
	words = make([]uint64, (n+1)/2)
	for j, i := range order {
		g := grp[i]
		if j == 0 || grp[order[j-1]] != g {
			groupPtr[g] = groupNotEmpty | uint64(j)
			im.Stats.Groups++
		}
		e := uint64(enc[i])
		if j == n-1 || grp[order[j+1]] != g {
			e |= synLast
		}
		words[j/2] |= e << (SynapseBits * uint(j%2))
	}
	im.Stats.Synapses = n
	return groupPtr, words
}

func identity(n int) []int32 {
	s := make([]int32, n)
	for i := range s {
		s[i] = int32(i)
	}
	return s
}

// countingSort returns in, stably sorted by key (0..keys-1).
func countingSort(in []int32, key func(int32) int, keys int) []int32 {
	start := make([]int, keys+1)
	for _, i := range in {
		start[key(i)+1]++
	}
	for k := 1; k <= keys; k++ {
		start[k] += start[k-1]
	}
	out := make([]int32, len(in))
	for _, i := range in {
		k := key(i)
		out[start[k]] = i
		start[k]++
	}
	return out
}
