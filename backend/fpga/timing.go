package fpga

// The cycle model of snn_core: how many clock cycles a step takes, from
// step_start to step_done, given which history bits are set and how many
// synapses each group holds. docs/fpga-core.md ("Timing") explains it;
// testbench/rtl checks it against the core's own cycle counter (ctrl
// word 24) on dense loads and on random networks.
//
// The scanner (core_deliver.v) walks slots 0..slot_count-1 in order: one
// clock for a slot whose history word is 0, else one clock per set bit,
// each reading that group's pointer. The streamer delivers one synapse per
// clock, taking groups in the order the scanner found them. The update
// phase takes one slot per clock. The latencies were measured on hdl/ with
// testbench/rtl's TestCyclesOneEventPerClock.
const (
	// pointerLatency: from the last group-pointer read to the end of the
	// scan (the pointer's read and its check for an empty group).
	pointerLatency = 2
	// streamLatency: from the clock the streamer takes the last event to
	// the end of the deliver phase (synapse read, weight, the
	// accumulator's read-modify-write).
	streamLatency = 8
	// stepLatency: what a step takes beyond the deliver phase and
	// slot_count update cycles (start, the phase change, the update
	// pipeline's depth, step_done).
	stepLatency = 12
)

// stepClock follows the scanner and the streamer through a deliver phase.
type stepClock struct {
	scan      int // clocks the scanner has used so far
	lastRead  int // when the scanner read its last group pointer; -1: none
	streamEnd int // when the streamer takes its last event; -1: none
}

func newStepClock() stepClock { return stepClock{lastRead: -1, streamEnd: -1} }

// quietSlot is a slot whose history word is 0.
func (c *stepClock) quietSlot() { c.scan++ }

// group is a set history bit: its pointer is read, and its events (0 for
// an empty group) follow those of the groups found before it.
func (c *stepClock) group(events int) {
	c.lastRead = c.scan
	if events > 0 {
		c.streamEnd = max(c.streamEnd, c.scan) + events
	}
	c.scan++
}

// cycles returns the step's cycles for slots slots.
func (c *stepClock) cycles(slots int) int {
	deliver := c.scan
	if c.lastRead >= 0 {
		deliver = max(deliver, c.lastRead+pointerLatency)
	}
	if c.streamEnd >= 0 {
		deliver = max(deliver, c.streamEnd+streamLatency)
	}
	return deliver + slots + stepLatency
}

// QuietStepCycles returns the cycles of a step in which no source has
// spiked during the last D steps: 2·slot_count + 12.
func (im *Image) QuietStepCycles() int {
	c := newStepClock()
	for range im.SlotCount {
		c.quietSlot()
	}
	return c.cycles(im.SlotCount)
}

// BusiestStepCycles returns the cycles of a step in which every source
// spiked at each of the last D steps: every history bit is set, every
// group is delivered and every synapse is an event. No step takes longer
// in the model; the core can take a few cycles more when its group-pointer
// queue fills (testbench/rtl bounds this).
func (im *Image) BusiestStepCycles() int {
	d := im.Core.Delays()
	ptr, syn := im.Region(RegionGroupPtr), im.Region(RegionSynapse)
	c := newStepClock()
	for s := range im.SlotCount {
		for k := range d {
			c.group(groupSize(ptr, syn, s*d+k))
		}
	}
	return c.cycles(im.SlotCount)
}

// groupSize counts the synapses of the group whose pointer is word i of
// the group_ptr region.
func groupSize(ptr, syn *Region, i int) int {
	if ptr == nil || syn == nil || i < ptr.Base || i >= ptr.Base+len(ptr.Words) {
		return 0
	}
	p := ptr.Words[i-ptr.Base]
	if p&groupNotEmpty == 0 {
		return 0
	}
	n := 0
	for k := int(p & groupIndexMask); ; k++ {
		w := k/2 - syn.Base
		if w < 0 || w >= len(syn.Words) {
			return n
		}
		n++
		if syn.Words[w]>>(SynapseBits*uint(k%2))&synLast != 0 {
			return n
		}
	}
}
