package fpga

import (
	"fmt"

	loihisim "github.com/snnc/snnc/backend/loihi-sim"
)

// CoreParams are the Verilog parameters of snn_core (docs/fpga-core.md,
// "Parameters"). They fix the capacity of a bitstream: every network that
// fits them runs on it after a configuration load, without a new synthesis.
type CoreParams struct {
	SlotBits    int  `yaml:"slot_bits"`
	DelayBits   int  `yaml:"delay_bits"`
	SynWords    int  `yaml:"syn_words"`
	ProfileBits int  `yaml:"profile_bits"`
	UseSPRAM    bool `yaml:"use_spram"`
}

// Fixed widths of the core that no parameter changes (docs/fpga-core.md).
const (
	ClassBits      = 3 // weight classes 0..7
	Classes        = 1 << ClassBits
	RefractoryMax  = 15 // the 4-bit refractory counter of slot_state
	TargetBits     = 12 // the target field of a synapse
	GroupIndexBits = 15 // the first-synapse index of a group pointer
	AddrBits       = 16 // cfg_addr
	SynapseBits    = 24 // one synapse; two per 48-bit word of region 8
	CoreVersion    = 0x00010000
)

// coreRange is the allowed range of one parameter and why.
type coreRange struct {
	name, key string
	min, max  int
	get       func(CoreParams) int
	why       string
}

var coreRanges = []coreRange{
	{"SLOT_BITS", "slot_bits", 1, TargetBits, func(c CoreParams) int { return c.SlotBits }, "a synapse's target field has 12 bits"},
	{"DELAY_BITS", "delay_bits", 1, 6, func(c CoreParams) int { return c.DelayBits }, "a slot's history of 2^DELAY_BITS steps must fit a 64-bit configuration word"},
	{"SYN_WORDS", "syn_words", 1, 1 << (GroupIndexBits - 1), func(c CoreParams) int { return c.SynWords }, "a group pointer addresses 2^15 synapses, two per word"},
	{"PROFILE_BITS", "profile_bits", 1, AddrBits, func(c CoreParams) int { return c.ProfileBits }, "the profile region is addressed by the 16-bit cfg_addr"},
}

// Check reports parameters snn_core cannot be built with. Build calls it;
// board files are checked with positions by the board loader.
func (c CoreParams) Check() error {
	for _, r := range coreRanges {
		if v := r.get(c); v < r.min || v > r.max {
			return &CoreError{Msg: fmt.Sprintf("core parameter %s = %d is out of range (allowed: %d..%d: %s)", r.name, v, r.min, r.max, r.why)}
		}
	}
	if c.SlotBits+c.DelayBits > AddrBits {
		return &CoreError{Msg: fmt.Sprintf("core parameters SLOT_BITS + DELAY_BITS = %d + %d = %d (allowed: at most %d: the group pointers are addressed by the 16-bit cfg_addr)", c.SlotBits, c.DelayBits, c.SlotBits+c.DelayBits, AddrBits)}
	}
	return nil
}

// CoreError is a core parameter that snn_core cannot have.
type CoreError struct{ Msg string }

func (e *CoreError) Error() string { return e.Msg }

// UserError marks the error as the user's input (exit status 2).
func (e *CoreError) UserError() {}

// Slots returns the neurons and input axons the core holds together.
func (c CoreParams) Slots() int { return 1 << c.SlotBits }

// Delays returns D: synaptic delays are 1..D steps.
func (c CoreParams) Delays() int { return 1 << c.DelayBits }

// Synapses returns the synapses the table holds, two per word.
func (c CoreParams) Synapses() int { return 2 * c.SynWords }

// Profiles returns the distinct neuron parameter sets the core holds.
func (c CoreParams) Profiles() int { return 1 << c.ProfileBits }

// Verilog returns the parameters as "NAME=value" pairs in a fixed order,
// the form yosys chparam, iverilog -P and verilator -G all take (each tool
// adds its own prefix).
func (c CoreParams) Verilog() []string {
	spram := 0
	if c.UseSPRAM {
		spram = 1
	}
	return []string{
		fmt.Sprintf("SLOT_BITS=%d", c.SlotBits),
		fmt.Sprintf("DELAY_BITS=%d", c.DelayBits),
		fmt.Sprintf("SYN_WORDS=%d", c.SynWords),
		fmt.Sprintf("PROFILE_BITS=%d", c.ProfileBits),
		fmt.Sprintf("USE_SPRAM=%d", spram),
	}
}

// String names the parameters in the order of Verilog, for messages.
func (c CoreParams) String() string {
	s := ""
	for i, p := range c.Verilog() {
		if i > 0 {
			s += " "
		}
		s += p
	}
	return s
}

// Target describes the core as a one-core, one-chip mapping target, so
// that the compiler's passes check it and, above all, turn delays longer
// than D into relay chains before Build. Every slot may be a neuron, so
// the core's neurons, input and output axons are all Slots(); Build checks
// the exact slot count (LIF neurons plus input neurons) afterwards.
func (c CoreParams) Target() *loihisim.Profile {
	return &loihisim.Profile{
		Name:        "fpga",
		Description: "one snn_core on an FPGA (" + c.String() + ")",
		Core: loihisim.CoreLimits{
			Neurons:           c.Slots(),
			InputAxons:        c.Slots(),
			OutputAxons:       c.Slots(),
			SynapseMemoryBits: int64(c.Synapses()) * SynapseBits,
			SynapseBits:       SynapseBits,
			InputAxonBits:     0,
			MaxDelay:          c.Delays(),
			WeightBits:        8,
		},
		Chip:   loihisim.ChipShape{MeshWidth: 1, MeshHeight: 1, ChipHopCost: 1, MaxChips: 1},
		Source: "fpga core parameters",
	}
}

// spramsNeeded is the SB_SPRAM256KA blocks (16384 words of 16 bits) the
// core uses with USE_SPRAM: the synapse table is 48 bits wide (three
// blocks side by side per 16384 words) and the group pointers 16 bits.
func (c CoreParams) spramsNeeded() int {
	const depth = 16384
	syn := 3 * ((c.SynWords + depth - 1) / depth)
	ptr := (c.Slots()*c.Delays() + depth - 1) / depth
	return syn + ptr
}

// LinkBlockRAMs are the SB_RAM40_4K blocks of the bitstream outside the
// core: the link's receive buffer, 512 x 8 bits (hdl/link_rx.v,
// docs/protocol.md: whole frames are buffered so that their CRC is checked
// before they run).
const LinkBlockRAMs = 1

// blockRAMUse is one memory of the bitstream in SB_RAM40_4K blocks: a
// region of the core, by its name in docs/fpga-core.md, or the link's
// receive buffer.
type blockRAMUse struct {
	name   string
	blocks int
}

// blockRAMsNeeded estimates the SB_RAM40_4K blocks the bitstream uses:
// every memory of hdl/core_memories.v except those in SPRAM (group_ptr and
// synapse with USE_SPRAM), and the link's receive buffer (LinkBlockRAMs).
// It is an estimate of how yosys 0.23 maps the memories, not a count:
// each memory of depth x width takes the fewest blocks over the block's
// four shapes, 256x16, 512x8, 1024x4 and 2048x2 (⌈depth/d⌉·⌈width/w⌉
// blocks of shape d x w). This reproduces the counts synthesis reports
// for both built-in boards (docs/benchmarks.md, "FPGA core"): 30 of 30 on
// the iCEBreaker (profile 4, slot_profile 2, slot_state 1, state_uv 12,
// accum 6, history 4, the link 1) and 30 of 32 on the HX8K (4, 1, 1, 3,
// 2, 1, group_ptr 8, synapse 9 for 768 words, the link 1). The real count
// comes from nextpnr's report.
func (c CoreParams) blockRAMsNeeded() (total int, uses []blockRAMUse) {
	for id := RegionProfile; id < regionCount; id++ {
		if c.UseSPRAM && (id == RegionGroupPtr || id == RegionSynapse) {
			continue
		}
		n := bram4kBlocks(RegionDepth(id, c), RegionBits(id, c))
		uses = append(uses, blockRAMUse{RegionName(id), n})
		total += n
	}
	uses = append(uses, blockRAMUse{"link receive buffer", LinkBlockRAMs})
	return total + LinkBlockRAMs, uses
}

// bram4kBlocks is the fewest SB_RAM40_4K blocks (4096 bits each, as
// 256x16, 512x8, 1024x4 or 2048x2) that hold depth words of width bits.
func bram4kBlocks(depth, width int) int {
	best := 0
	for _, shape := range [][2]int{{256, 16}, {512, 8}, {1024, 4}, {2048, 2}} {
		n := ceilDiv(depth, shape[0]) * ceilDiv(width, shape[1])
		if best == 0 || n < best {
			best = n
		}
	}
	return best
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }
