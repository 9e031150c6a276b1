// Package emuboard is the board side of link protocol v1
// (docs/protocol.md) in Go: a board emulator that serves one
// driver.Transport end, usually of driver.Pipe. It exists so the driver's
// session can be tested without Verilator or hardware, and as an
// executable reference for the Verilog link layer (hdl/link_*.v): the
// same acceptance rules (sequence numbers, one nak between accepted
// frames, identify at any seq, "not identified" after a power cycle), the
// same answers, and the core's exact step semantics through fpga.CoreSim.
//
// The emulator runs every accepted frame as soon as it is decoded, so no
// frame ever waits in its receive buffer and the credit it reports is
// always the whole buffer (wire.RxBuffer). It keeps the configuration
// memory as plain words per region and builds an fpga.CoreSim from them
// when a step first runs after a load or reset, with slot numbers as the
// image's neuron numbers (the board knows only slots). CoreSim does not
// expose accum, history and the refractory counters, so a write between
// steps restarts them (u and v are kept) where the core would keep them;
// hosts write only before a reset, as driver.Session.Load does.
package emuboard

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
)

// Options describe the emulated board.
type Options struct {
	// Core is the bitstream's core: its capacity, reported by identity,
	// and the width and depth of every memory region.
	Core fpga.CoreParams
	// Transport is what identity reports, wire.TransportUART or
	// wire.TransportSPI; on SPI output spikes are always a bitmap.
	Transport uint8
	// BuildHash is the bitstream's build hash reported by identity.
	BuildHash [8]byte
}

// Board is an emulated board. Serve runs its link; PowerCycle may be
// called from any goroutine (a test's fault hook) while Serve runs.
type Board struct {
	t   driver.Transport
	opt Options

	mu         sync.Mutex
	mem        [fpga.RegionSynapse + 1][]uint64
	identified bool
	expected   uint8 // the seq of the next host frame to accept
	nakOK      bool  // no nak sent since the last accepted frame
	seq        uint8 // the seq of the next board frame
	sim        *fpga.CoreSim
	step       uint32
	pending    []int32 // input slots of frames with more set
	status     uint8
	stats      Stats
}

// Stats count what the board did, for tests that check a fault was
// actually exercised.
type Stats struct {
	Accepted, Naks, Errors, Steps, Identifies int
}

// ctrl words the host cannot write: the core's identity and counters.
const ctrlWritable = fpga.CtrlClass0 + fpga.Classes

// New returns a board serving t, powered up: memory zero (the UP5K's
// SPRAM is not initialised by the bitstream), not identified.
func New(t driver.Transport, opt Options) (*Board, error) {
	if err := opt.Core.Check(); err != nil {
		return nil, err
	}
	b := &Board{t: t, opt: opt}
	b.powerUp()
	return b, nil
}

// PowerCycle resets the board as a power cycle or a reset button would:
// configuration lost, not identified, so every later frame but identify
// is refused with "not identified" and a host notices the reset.
func (b *Board) PowerCycle() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.powerUp()
}

func (b *Board) powerUp() {
	c := b.opt.Core
	for id := range b.mem {
		b.mem[id] = make([]uint64, fpga.RegionDepth(id, c))
	}
	ctrl := b.mem[fpga.RegionCtrl]
	ctrl[fpga.CtrlVersion] = fpga.CoreVersion
	ctrl[fpga.CtrlParams] = uint64(b.params())
	ctrl[fpga.CtrlSynWords] = uint64(c.SynWords)
	b.identified, b.nakOK, b.sim, b.step, b.pending, b.status = false, true, nil, 0, nil, 0
}

// params is ctrl word 17: SLOT_BITS | DELAY_BITS<<8 | PROFILE_BITS<<16.
func (b *Board) params() uint32 {
	c := b.opt.Core
	return uint32(c.SlotBits) | uint32(c.DelayBits)<<8 | uint32(c.ProfileBits)<<16
}

// Stats returns the counters so far.
func (b *Board) Stats() Stats {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stats
}

// Serve runs the link until the transport fails or closes; a close (an
// error wrapping io.EOF or io.ErrClosedPipe) returns nil.
func (b *Board) Serve() error {
	// A candidate that failed its check is naked as link_rx does; the
	// decoder tells of it through OnSkip, before the frames after it.
	onSkip := func(s wire.Skip) {
		if s.Reason == wire.SkipCRC {
			b.mu.Lock()
			b.nak(wire.NakCRC)
			b.mu.Unlock()
		}
	}
	dec := &wire.Decoder{OnSkip: onSkip}
	buf := make([]byte, 4096)
	for {
		n, err := b.t.Read(buf)
		if err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrClosedPipe) {
				return nil
			}
			return err
		}
		if n == 0 && dec.Buffered() > 0 {
			// A partial frame and then silence: a corrupted length made
			// the decoder wait for bytes that will not come. link_rx drops
			// it after 2^16 clocks and naks timeout, so the host resends
			// at once instead of feeding the false frame for many rounds.
			dec = &wire.Decoder{OnSkip: onSkip}
			b.mu.Lock()
			b.nak(wire.NakTimeout)
			b.mu.Unlock()
		}
		// One byte at a time, so a nak for a bad candidate goes out in
		// stream order with the answers to the frames around it, as the
		// hardware's would: OnSkip runs inside Feed.
		for i := range n {
			for _, f := range dec.Feed(buf[i : i+1]) {
				b.mu.Lock()
				err := b.handle(f)
				b.mu.Unlock()
				if err != nil {
					return err
				}
			}
		}
	}
}

// send writes one board frame; a write error ends Serve.
func (b *Board) send(body wire.Body) error {
	p, err := wire.Encode(wire.Frame{Seq: b.seq, Body: body})
	if err != nil {
		return fmt.Errorf("emuboard: %w", err) // a bug of the emulator
	}
	b.seq++
	if _, err := b.t.Write(p); err != nil && !errors.Is(err, io.ErrClosedPipe) {
		return err
	}
	return nil
}

func (b *Board) link(req uint8) wire.Link {
	return wire.Link{Req: req, Ack: b.expected, Free: wire.RxBuffer}
}

// nak sends a nak unless one was sent since the last accepted frame: a
// burst of frames after a gap costs one nak, not one each.
func (b *Board) nak(r wire.NakReason) {
	if !b.nakOK || !b.identified {
		return
	}
	b.nakOK = false
	b.stats.Naks++
	_ = b.send(&wire.Nak{Reason: r, Ack: b.expected, Free: wire.RxBuffer})
}

func (b *Board) refuse(req uint8, code wire.ErrorCode, detail uint32) error {
	b.stats.Errors++
	return b.send(&wire.Error{Link: b.link(req), Code: code, Detail: detail})
}

// handle applies the acceptance rules to one decoded frame and runs it.
func (b *Board) handle(f wire.Frame) error {
	t := f.Body.Type()
	if !t.FromHost() {
		return nil // an echo of the board's own frames: link_rx skips it at TYPE
	}
	if id, ok := f.Body.(*wire.Identify); ok {
		b.stats.Identifies++
		b.expected = f.Seq + 1
		b.nakOK = true
		b.pending = nil
		if id.Version != wire.Version {
			return b.refuse(f.Seq, wire.ErrVersion, uint32(id.Version))
		}
		b.identified = true
		ctrl := b.mem[fpga.RegionCtrl]
		return b.send(&wire.Identity{Link: b.link(f.Seq), Version: wire.Version, Transport: b.opt.Transport,
			MaxPayload: wire.MaxPayload, RxBuffer: wire.RxBuffer, Core: uint32(ctrl[fpga.CtrlVersion]),
			Params: uint32(ctrl[fpga.CtrlParams]), SynWords: uint32(ctrl[fpga.CtrlSynWords]), BuildHash: b.opt.BuildHash})
	}
	if !b.identified {
		return b.refuse(f.Seq, wire.ErrNotIdentified, uint32(t))
	}
	switch d := f.Seq - b.expected; {
	case d == 0:
	case d <= 127:
		b.nak(wire.NakSequence)
		return nil
	default:
		b.nak(wire.NakDuplicate)
		return nil
	}
	b.expected++
	b.nakOK = true
	b.stats.Accepted++
	switch body := f.Body.(type) {
	case *wire.Write:
		if code, detail := b.checkRange(body.Region, body.Width, int(body.Addr), len(body.Words)); code != 0 {
			return b.refuse(f.Seq, code, detail)
		}
		b.syncState()
		b.sim = nil
		for i, w := range body.Words {
			a := int(body.Addr) + i
			if body.Region == fpga.RegionCtrl && a >= ctrlWritable {
				continue // identity and counters are read-only
			}
			if bits := fpga.RegionBits(int(body.Region), b.opt.Core); bits < 64 {
				w &= 1<<bits - 1 // the memory keeps only its word's bits, as the RAM does
			}
			b.mem[body.Region][a] = w
		}
		return b.send(&wire.Ack{Link: b.link(f.Seq)})
	case *wire.Read:
		if code, detail := b.checkRange(body.Region, body.Width, int(body.Addr), int(body.Count)); code != 0 {
			return b.refuse(f.Seq, code, detail)
		}
		b.syncState()
		words := slices.Clone(b.mem[body.Region][body.Addr : int(body.Addr)+int(body.Count)])
		return b.send(&wire.ReadData{Link: b.link(f.Seq), Region: body.Region, Width: body.Width, Addr: body.Addr, Words: words})
	case *wire.Reset:
		// state_clear: accum, history, slot_state and status go; u, v and
		// the configuration stay, so the current u, v are kept first.
		b.syncState()
		b.sim, b.step, b.pending, b.status = nil, 0, nil, 0
		return b.send(&wire.Ack{Link: b.link(f.Seq)})
	case *wire.InputAER, *wire.InputBitmap:
		return b.input(f.Seq, body)
	case *wire.Run:
		if body.Steps == 0 {
			return b.refuse(f.Seq, wire.ErrCount, 0)
		}
		for range body.Steps {
			if err := b.runStep(f.Seq); err != nil {
				return err
			}
		}
		return nil
	}
	return b.refuse(f.Seq, wire.ErrType, uint32(t))
}

// checkRange checks a write's or read's region, width and addresses
// against the core, as the board's error codes say.
func (b *Board) checkRange(region, width uint8, addr, n int) (wire.ErrorCode, uint32) {
	c := b.opt.Core
	depth := fpga.RegionDepth(int(region), c)
	if int(region) >= len(b.mem) || depth == 0 {
		return wire.ErrRegion, uint32(region)
	}
	if w := wire.WordBytes(int(region), c); int(width) != w {
		return wire.ErrWidth, uint32(w)
	}
	if n < 1 || n > wire.MaxWords(int(width)) {
		return wire.ErrCount, uint32(n)
	}
	if addr+n > depth {
		return wire.ErrAddress, uint32(depth)
	}
	return 0, 0
}

// input takes one input frame's slots; the last frame of a step runs it.
func (b *Board) input(seq uint8, body wire.Body) error {
	ctrl := b.mem[fpga.RegionCtrl]
	nc, sc := int(ctrl[fpga.CtrlNeuronCount]), int(ctrl[fpga.CtrlSlotCount])
	slots, _ := wire.AppendSpikes(nil, body, nc)
	for _, s := range slots {
		if s < nc || s >= sc {
			return b.refuse(seq, wire.ErrSlot, uint32(s))
		}
	}
	for _, s := range slots {
		if !slices.Contains(b.pending, int32(s)) { // a slot listed twice is one spike
			b.pending = append(b.pending, int32(s))
		}
	}
	more := false
	switch body := body.(type) {
	case *wire.InputAER:
		more = body.More
	case *wire.InputBitmap:
		more = body.More
	}
	if more {
		return b.send(&wire.Ack{Link: b.link(seq)})
	}
	return b.runStep(seq)
}

// runStep runs one step with the pending inputs and sends its output
// frames and step-done, answering host frame req.
func (b *Board) runStep(req uint8) error {
	ctrl := b.mem[fpga.RegionCtrl]
	nc := int(ctrl[fpga.CtrlNeuronCount])
	if b.sim == nil {
		sim, err := fpga.NewCoreSim(b.image())
		if err != nil {
			// The memory does not decode as a configuration (nothing
			// loaded, or counts past the core): the step runs nothing and
			// says so in status bit 0, bad_input.
			b.status |= 1
		}
		b.sim = sim
	}
	var spikes []int
	var st fpga.StepStats
	if b.sim != nil {
		slices.Sort(b.pending)
		for _, g := range b.sim.Step(b.pending) {
			spikes = append(spikes, int(g))
		}
		st = b.sim.LastStep()
	}
	b.pending = b.pending[:0]
	ctrl[fpga.CtrlCycles], ctrl[fpga.CtrlEvents], ctrl[fpga.CtrlSpikes], ctrl[fpga.CtrlStatus] =
		uint64(st.Cycles), uint64(st.Events), uint64(len(spikes)), uint64(b.status)
	frames, err := wire.OutputFrames(spikes, nc, b.opt.Transport == wire.TransportSPI)
	if err != nil {
		return fmt.Errorf("emuboard: %w", err)
	}
	for _, f := range frames {
		if err := b.send(f); err != nil {
			return err
		}
	}
	b.stats.Steps++
	done := &wire.StepDone{Link: b.link(req), Step: b.step, Cycles: uint32(st.Cycles), Events: uint32(st.Events),
		Spikes: uint32(len(spikes)), Status: b.status}
	b.step++
	return b.send(done)
}

// image is the configuration memory as an fpga.Image whose neurons are
// the slots. accum, history and slot_state are left out: a new CoreSim
// starts them at zero, as state_clear does.
func (b *Board) image() *fpga.Image {
	c := b.opt.Core
	ctrl := b.mem[fpga.RegionCtrl]
	im := &fpga.Image{Core: c, NeuronCount: int(ctrl[fpga.CtrlNeuronCount]), SlotCount: int(ctrl[fpga.CtrlSlotCount])}
	if im.SlotCount <= c.Slots() && im.NeuronCount <= im.SlotCount {
		for s := range im.SlotCount {
			im.SlotOf = append(im.SlotOf, int32(s))
			im.NeuronOf = append(im.NeuronOf, int32(s))
		}
	}
	for _, id := range []int{fpga.RegionCtrl, fpga.RegionProfile, fpga.RegionSlotProfile, fpga.RegionStateUV, fpga.RegionGroupPtr, fpga.RegionSynapse} {
		bits := fpga.RegionBits(id, c)
		words := slices.Clone(b.mem[id])
		if bits < 64 {
			for i := range words {
				words[i] &= 1<<bits - 1
			}
		}
		im.Regions = append(im.Regions, fpga.Region{ID: id, Name: fpga.RegionName(id), Bits: bits, Words: words})
	}
	return im
}

// syncState writes the running core's u and v back to state_uv, where the
// core keeps them, so a read, a reset or a write sees the current state.
func (b *Board) syncState() {
	if b.sim == nil {
		return
	}
	uv := b.mem[fpga.RegionStateUV]
	nc := int(b.mem[fpga.RegionCtrl][fpga.CtrlNeuronCount])
	for n := range nc {
		s := b.sim.State(n)
		uv[n] = uint64(uint32(s.U)&0xFFFFFF) | uint64(uint32(s.V)&0xFFFFFF)<<24
	}
}
