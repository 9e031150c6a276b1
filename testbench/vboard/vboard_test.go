package vboard

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tarm/serial"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/internal/edatest"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/rtl"
)

// Protocol v0 (docs/host-bridge.md).
const (
	opWrite = 1
	opRead  = 2
	opInput = 3
	opStep  = 4
	opClear = 5
	opIdent = 6
)

var (
	binOnce sync.Once
	binary_ *Binary
	binErr  error
)

// icebreaker builds (once per test binary) the iCEBreaker's virtual board.
func icebreaker(t *testing.T) *Binary {
	t.Helper()
	edatest.Require(t, "verilator")
	binOnce.Do(func() { binary_, binErr = BuildBoard("icebreaker", "") })
	if binErr != nil {
		var missing *rtl.MissingToolError
		if errors.As(binErr, &missing) {
			edatest.Unavailable(t, binErr.Error())
		}
		t.Fatal(binErr)
	}
	return binary_
}

// start runs the board and opens its pty as a real board's port is opened.
func start(t *testing.T, opt Options) (*Board, *port) {
	t.Helper()
	bin := icebreaker(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	bd, err := bin.StartWith(ctx, opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := bd.Close(); err != nil {
			t.Error(err)
		}
	})
	p, err := serial.OpenPort(&serial.Config{Name: bd.Path(), Baud: 3000000, ReadTimeout: 100 * time.Millisecond})
	if err != nil {
		t.Fatalf("opening %s with tarm/serial: %v", bd.Path(), err)
	}
	t.Cleanup(func() { p.Close() })
	return bd, &port{t: t, p: p}
}

// port speaks protocol v0 over the serial port.
type port struct {
	t *testing.T
	p *serial.Port
}

func command(op, region byte, addr uint16, data uint64) []byte {
	b := make([]byte, 12)
	b[0], b[1] = op, region
	binary.LittleEndian.PutUint16(b[2:], addr)
	binary.LittleEndian.PutUint64(b[4:], data)
	return b
}

func (p *port) write(b []byte) {
	p.t.Helper()
	if _, err := p.p.Write(b); err != nil {
		p.t.Fatal(err)
	}
}

// read returns exactly n bytes, or fails after 30 s.
func (p *port) read(n int) []byte {
	p.t.Helper()
	buf := make([]byte, n)
	deadline := time.Now().Add(30 * time.Second)
	for got := 0; got < n; {
		k, err := p.p.Read(buf[got:])
		got += k
		if err != nil && err != io.EOF {
			p.t.Fatal(err)
		}
		if got < n && time.Now().After(deadline) {
			p.t.Fatalf("timed out with %d of %d bytes: % x", got, n, buf[:got])
		}
	}
	return buf
}

func (p *port) readWord(region byte, addr uint16) uint64 {
	p.t.Helper()
	p.write(command(opRead, region, addr, 0))
	r := p.read(9)
	if r[0] != 'R' {
		p.t.Fatalf("read %d/%d: reply % x, want 'R' + 8 bytes", region, addr, r)
	}
	return binary.LittleEndian.Uint64(r[1:])
}

// step runs one step and returns the slots that spiked and the counters.
func (p *port) step() (slots []int, cycles, events, spikes uint32) {
	p.t.Helper()
	p.write(command(opStep, 0, 0, 0))
	for {
		switch h := p.read(1)[0]; h {
		case 'O':
			slots = append(slots, int(binary.LittleEndian.Uint16(p.read(2))))
		case 'D':
			d := p.read(12)
			return slots, binary.LittleEndian.Uint32(d), binary.LittleEndian.Uint32(d[4:]), binary.LittleEndian.Uint32(d[8:])
		default:
			p.t.Fatalf("step: reply byte %#02x, want 'O' or 'D'", h)
		}
	}
}

// testNet is a small network with every delay the core holds in use at
// the ends: 4 inputs, LIF a (6) and b (3), weights that make one or two
// input spikes fire a neuron.
func testNet(t *testing.T) *ir.Network {
	t.Helper()
	lif := func(name string, size int, du, dv, vth int32) ir.Population {
		return ir.Population{Name: name, Size: size, Model: ir.ModelLIF, LIF: &ir.LIFParams{
			Du: ir.Param{du}, Dv: ir.Param{dv}, Vth: ir.Param{vth}, BiasMant: ir.Param{0},
			BiasExp: ir.Param{0}, Refractory: ir.Param{1}, U: ir.Param{0}, V: ir.Param{0},
		}}
	}
	proj := func(name string, from, to, sources int, syns []ir.Synapse) ir.Projection {
		syn, err := ir.FromList(sources, syns)
		if err != nil {
			t.Fatal(err)
		}
		return ir.Projection{Name: name, From: from, To: to, WeightExp: 0, WeightBits: 8,
			SignMode: ir.DeriveSignMode(syn.Weight), SignModeDerived: true, Syn: syn}
	}
	net := &ir.Network{Populations: []ir.Population{
		{Name: "in", Size: 4, Model: ir.ModelInput},
		lif("a", 6, 4095, 200, 60),
		lif("b", 3, 2048, 100, 40),
	}}
	var inA, aB []ir.Synapse
	for s := range int32(4) {
		for k := range int32(3) {
			inA = append(inA, ir.Synapse{Source: s, Target: (s + 2*k) % 6, Weight: int16(60 + 30*k), Delay: uint16(1 + k*7)})
		}
	}
	for s := range int32(6) {
		aB = append(aB, ir.Synapse{Source: s, Target: s % 3, Weight: 120, Delay: uint16(1 + s%2*15)})
		aB = append(aB, ir.Synapse{Source: s, Target: (s + 1) % 3, Weight: -50, Delay: 2})
	}
	net.Projections = []ir.Projection{proj("in-a", 0, 1, 4, inA), proj("a-b", 1, 2, 6, aB)}
	return net
}

// TestProtocolV0 runs protocol v0 through the pty of the iCEBreaker's
// virtual board, opened with tarm/serial at 3 Mbaud as /dev/ttyUSB1 would
// be: identify, every byte value both ways, a real network's image loaded
// word by word and read back, and steps whose spikes and counters must be
// CoreSim's.
func TestProtocolV0(t *testing.T) {
	board, err := fpga.LoadBoard("icebreaker")
	if err != nil {
		t.Fatal(err)
	}
	bd, p := start(t, Options{})
	c := board.Core

	p.write(command(opIdent, 0, 0, 0))
	id := p.read(13)
	caps := uint32(c.SlotBits | c.DelayBits<<8 | c.ProfileBits<<16)
	if id[0] != 'I' || binary.LittleEndian.Uint32(id[1:]) != fpga.CoreVersion ||
		binary.LittleEndian.Uint32(id[5:]) != caps || binary.LittleEndian.Uint32(id[9:]) != uint32(c.SynWords) {
		t.Fatalf("identify: % x, want 'I' %08x %08x %d", id, fpga.CoreVersion, caps, c.SynWords)
	}

	// Every byte value through the pty both ways: words of the profile
	// region (61 bits) carry the values 0..255 in their low 7 bytes, out
	// with op 1 and back with op 2. The bytes are sent in one write.
	const base = 200
	var words []uint64
	for v := 0; v < 256; v += 7 {
		var w [8]byte
		for i := range 7 {
			w[i] = byte(v + i)
		}
		w[7] = byte(v) & 0x1f
		words = append(words, binary.LittleEndian.Uint64(w[:]))
	}
	var buf []byte
	for i, w := range words {
		buf = append(buf, command(opWrite, fpga.RegionProfile, uint16(base+i), w)...)
	}
	p.write(buf)
	for i, w := range words {
		if got := p.readWord(fpga.RegionProfile, uint16(base+i)); got != w {
			t.Errorf("profile word %d: read %016x, wrote %016x", base+i, got, w)
		}
	}

	// A real network's image, every word written with op 1, then read back.
	im, err := fpga.Build(testNet(t), c)
	if err != nil {
		t.Fatal(err)
	}
	buf = buf[:0]
	n := 0
	im.Writes(func(region, addr int, data uint64) {
		buf = append(buf, command(opWrite, byte(region), uint16(addr), data)...)
		n++
	})
	p.write(buf)
	p.write(command(opClear, 0, 0, 0))
	if k := p.read(1); k[0] != 'K' {
		t.Fatalf("state clear: reply % x, want 'K'", k)
	}
	im.Writes(func(region, addr int, data uint64) {
		if got := p.readWord(byte(region), uint16(addr)); got != data {
			t.Errorf("region %d word %d: read %x, wrote %x", region, addr, got, data)
		}
	})
	t.Logf("image: %d words, %d neurons, %d slots, %d synapses", n, im.NeuronCount, im.SlotCount, im.Stats.Synapses)

	sim, err := fpga.NewCoreSim(im)
	if err != nil {
		t.Fatal(err)
	}
	var inputs []int32
	for g := range im.SlotOf {
		if int(im.SlotOf[g]) >= im.NeuronCount {
			inputs = append(inputs, int32(g))
		}
	}
	rng := rand.New(rand.NewPCG(5, 7))
	total, excess := 0, 0
	for step := range 40 {
		var in []int32
		for _, g := range inputs {
			if step < 2 || rng.IntN(3) == 0 { // all inputs in the first two steps
				in = append(in, g)
			}
		}
		buf = buf[:0]
		for _, g := range in {
			buf = append(buf, command(opInput, 0, uint16(im.SlotOf[g]), 0)...)
		}
		p.write(buf)
		got, cycles, events, spikes := p.step()
		want := sim.Step(in)
		last := sim.LastStep()
		var wantSlots []int
		for _, g := range want {
			wantSlots = append(wantSlots, int(im.SlotOf[g]))
		}
		slices.Sort(wantSlots)
		total += len(got)
		// The cycle model is a lower bound: the scanner may wait for the
		// streamer, at most one cycle per event (testbench/rtl's
		// checkCycles, with its slack of 4).
		lo, hi := last.Cycles, last.Cycles+last.Events+4
		if !slices.Equal(got, wantSlots) || int(events) != last.Events || int(spikes) != last.Spikes || int(cycles) < lo || int(cycles) > hi {
			t.Fatalf("step %d (inputs %v): board 'O' slots %v, 'D' cycles %d events %d spikes %d; CoreSim %v, cycles %d..%d events %d spikes %d",
				step, in, got, cycles, events, spikes, wantSlots, lo, hi, last.Events, last.Spikes)
		}
		excess += int(cycles) - lo
	}
	if total == 0 {
		t.Fatal("no neuron spiked: the test network is too quiet to check anything")
	}
	if s := p.readWord(fpga.RegionCtrl, 27); s != 0 {
		t.Errorf("status word 27 = %#x, want 0", s)
	}
	if err := bd.Close(); err != nil {
		t.Fatal(err)
	}
	st := bd.Stats()
	t.Logf("%d spikes in 40 steps, %d cycles beyond the cycle model's; %d cycles (%.3f ms simulated) in %.3f s clocked: %.2f M cycles/s; host %d bytes, board %d bytes",
		total, excess, st.Cycles, st.SimulatedSeconds*1e3, st.ClockedSeconds, st.CyclesPerSecond()/1e6, st.HostBytes, st.BoardBytes)
	if st.FramingErrors != 0 || st.BoardBytesDropped != 0 {
		t.Errorf("harness stats %+v: framing errors or dropped bytes", st)
	}
}

// TestIdleAndExitOnClose: an idle board uses (almost) no CPU, and with
// ExitOnClose it exits when the host closes the port.
func TestIdleAndExitOnClose(t *testing.T) {
	bd, p := start(t, Options{ExitOnClose: true})
	p.write(command(opIdent, 0, 0, 0))
	if r := p.read(13); r[0] != 'I' {
		t.Fatalf("identify: % x", r)
	}
	time.Sleep(time.Second)
	p.p.Close()
	select {
	case <-bd.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the board did not exit within 10 s of the host closing the port")
	}
	if err := bd.Close(); err != nil {
		t.Fatal(err)
	}
	st := bd.Stats()
	t.Logf("%+v", st)
	if st.WallSeconds < 1 || st.CPUSeconds > 0.3*st.WallSeconds {
		t.Errorf("idle board: %.3f s of CPU in %.3f s: it spins while idle", st.CPUSeconds, st.WallSeconds)
	}
}

// TestThroughput measures the link: op 1 writes streamed through the pty
// as fast as the virtual board takes them, against 3 Mbaud's 300 kB/s.
func TestThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bd, p := start(t, Options{})
	const n = 4000
	var buf []byte
	for i := range n {
		buf = append(buf, command(opWrite, fpga.RegionProfile, 255, uint64(i))...)
	}
	t0 := time.Now()
	p.write(buf)
	if got := p.readWord(fpga.RegionProfile, 255); got != n-1 {
		t.Fatalf("after %d writes, the word is %d", n, got)
	}
	el := time.Since(t0)
	if err := bd.Close(); err != nil {
		t.Fatal(err)
	}
	st := bd.Stats()
	rate := float64(len(buf)+12) / el.Seconds()
	msg := fmt.Sprintf("%d bytes in %v: %.1f kB/s through the pty (%.1f%% of 3 Mbaud's 300 kB/s); %d cycles in %.3f s clocked: %.2f M cycles/s (%.1f%% of the iCEBreaker's 24 MHz)",
		len(buf)+12, el.Round(time.Millisecond), rate/1e3, rate/3e5*100, st.Cycles, st.ClockedSeconds, st.CyclesPerSecond()/1e6, st.CyclesPerSecond()/24e6*100)
	t.Log(msg)
}
