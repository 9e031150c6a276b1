package emuboard

import (
	"slices"
	"testing"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/testbench/randnet"
)

var core = fpga.CoreParams{SlotBits: 8, DelayBits: 3, SynWords: 1024, ProfileBits: 8}

// host is the test's side of the link, speaking raw frames.
type host struct {
	t     *testing.T
	end   driver.Transport
	dec   wire.Decoder
	got   []wire.Frame
	board *Board
}

func start(t *testing.T, opt Options) *host {
	t.Helper()
	h, b := driver.Pipe(2 * time.Millisecond)
	board, err := New(b, opt)
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- board.Serve() }()
	t.Cleanup(func() {
		h.Close()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	})
	return &host{t: t, end: h, board: board}
}

func (h *host) send(seq uint8, b wire.Body) {
	h.t.Helper()
	p, err := wire.Encode(wire.Frame{Seq: seq, Body: b})
	if err != nil {
		h.t.Fatal(err)
	}
	h.raw(p)
}

func (h *host) raw(p []byte) {
	if _, err := h.end.Write(p); err != nil {
		h.t.Fatal(err)
	}
}

// next returns the board's next frame, or nil if none comes in 50 ms.
func (h *host) next() wire.Body {
	h.t.Helper()
	deadline := time.Now().Add(50 * time.Millisecond)
	buf := make([]byte, 512)
	for len(h.got) == 0 && time.Now().Before(deadline) {
		n, err := h.end.Read(buf)
		if err != nil {
			h.t.Fatal(err)
		}
		h.got = h.dec.Feed(buf[:n])
	}
	if len(h.got) == 0 {
		return nil
	}
	f := h.got[0]
	h.got = h.got[1:]
	return f.Body
}

func (h *host) expectError(code wire.ErrorCode, detail uint32) {
	h.t.Helper()
	e, ok := h.next().(*wire.Error)
	if !ok || e.Code != code || e.Detail != detail {
		h.t.Fatalf("got %+v, want error %v detail %d", e, code, detail)
	}
}

func (h *host) expectNak(r wire.NakReason, ack uint8) {
	h.t.Helper()
	n, ok := h.next().(*wire.Nak)
	if !ok || n.Reason != r || n.Ack != ack {
		h.t.Fatalf("got %+v, want nak %v ack %d", n, r, ack)
	}
}

func (h *host) expectAck(req uint8) {
	h.t.Helper()
	a, ok := h.next().(*wire.Ack)
	if !ok || a.Req != req || a.Ack != req+1 || a.Free != wire.RxBuffer {
		h.t.Fatalf("got %+v, want ack of %d", a, req)
	}
}

func TestIdentifyAndRefusals(t *testing.T) {
	h := start(t, Options{Core: core, BuildHash: [8]byte{7}})
	h.send(0, &wire.Reset{})
	h.expectError(wire.ErrNotIdentified, uint32(wire.TypeReset))
	h.send(9, &wire.Identify{Version: 2})
	h.expectError(wire.ErrVersion, 2)
	h.send(40, &wire.Identify{Version: wire.Version})
	id, ok := h.next().(*wire.Identity)
	if !ok || id.Req != 40 || id.Ack != 41 || id.Params != 0x00080308 || id.SynWords != 1024 ||
		id.Core != fpga.CoreVersion || id.BuildHash != [8]byte{7} || id.MaxPayload != wire.MaxPayload {
		t.Fatalf("identity %+v", id)
	}
	h.send(41, &wire.Write{Region: fpga.RegionProfile, Width: 2, Addr: 0, Words: []uint64{1}})
	h.expectError(wire.ErrWidth, 8)
	h.send(42, &wire.Write{Region: 9, Width: 1, Addr: 0, Words: []uint64{1}})
	h.expectError(wire.ErrRegion, 9)
	h.send(43, &wire.Read{Region: fpga.RegionSynapse, Width: 6, Addr: 1020, Count: 8})
	h.expectError(wire.ErrAddress, 1024)
	h.send(44, &wire.Run{Steps: 0})
	h.expectError(wire.ErrCount, 0)
	h.send(45, &wire.InputAER{Slots: []uint16{3}}) // neuron_count = slot_count = 0
	h.expectError(wire.ErrSlot, 3)
	h.board.PowerCycle()
	h.send(46, &wire.Reset{})
	h.expectError(wire.ErrNotIdentified, uint32(wire.TypeReset))
}

// TestSequenceRules: go-back-N acceptance, one nak between accepted
// frames, duplicates, and a nak for a failed check.
func TestSequenceRules(t *testing.T) {
	h := start(t, Options{Core: core})
	h.send(0, &wire.Identify{Version: wire.Version})
	h.next()
	h.send(2, &wire.Reset{}) // 1 lost
	h.expectNak(wire.NakSequence, 1)
	h.send(3, &wire.Reset{}) // no second nak
	h.send(1, &wire.Reset{})
	h.expectAck(1)
	h.send(1, &wire.Reset{}) // already accepted
	h.expectNak(wire.NakDuplicate, 2)
	p, _ := wire.Encode(wire.Frame{Seq: 2, Body: &wire.Reset{}})
	p[len(p)-1] ^= 0x10
	h.raw(p)
	h.send(2, &wire.Reset{})
	// The board gave a nak already (duplicate) and accepted nothing since:
	// the bad frame costs no nak; frame 2 is accepted.
	h.expectAck(2)
	h.raw(p[:3]) // in two writes: the board checks whole frames
	h.raw(p[3:])
	h.expectNak(wire.NakCRC, 3)
	// A corrupted length holds a partial frame until the link is quiet.
	h.send(3, &wire.Reset{})
	h.expectAck(3)
	q, _ := wire.Encode(wire.Frame{Seq: 4, Body: &wire.InputBitmap{Bits: []byte{1}}})
	q[3] = 200
	h.raw(q)
	h.expectNak(wire.NakTimeout, 4)
	if h.next() != nil {
		t.Fatal("more than one nak")
	}
	if st := h.board.Stats(); st.Naks != 4 || st.Identifies != 1 {
		t.Fatalf("stats %+v", st)
	}
}

// TestStepsEqualCoreSim loads a random network's image frame by frame,
// verifies it by read-back, and runs steps through input frames and run:
// the spikes, the counters and the output encoding are the core's.
func TestStepsEqualCoreSim(t *testing.T) {
	var im *fpga.Image
	var inputs [][]int32
	for seed := uint64(1); im == nil; seed++ {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 6})
		res, err := compiler.Compile(net, compiler.Options{Target: core.Target()})
		if err != nil {
			continue
		}
		if im, err = fpga.Build(res.Net, core); err != nil {
			im = nil
			continue
		}
		inputs = randnet.Inputs(res.Net, seed, 60, 0.4)
		total := 0
		for _, w := range im.Simulate(inputs, len(inputs)) {
			total += len(w)
		}
		if total < 20 && seed < 100 {
			im = nil // too quiet to check anything
		}
	}
	for _, transport := range []uint8{wire.TransportUART, wire.TransportSPI} {
		h := start(t, Options{Core: core, Transport: transport})
		seq := uint8(0)
		send := func(b wire.Body) uint8 { h.send(seq, b); seq++; return seq - 1 }
		send(&wire.Identify{Version: wire.Version})
		h.next()
		writes, err := wire.ConfigWrites(core, im.Writes)
		if err != nil {
			t.Fatal(err)
		}
		for _, w := range writes {
			h.expectAck(send(w))
		}
		h.expectAck(send(&wire.Reset{}))
		for _, w := range writes {
			send(w.ReadBack())
			if d, ok := h.next().(*wire.ReadData); !ok || !w.Matches(d) {
				t.Fatalf("read-back of %+v: %+v", w, d)
			}
		}
		want := im.Simulate(inputs, len(inputs)+3)
		for step := range len(inputs) + 3 {
			if step < len(inputs) {
				var slots []int
				for _, g := range inputs[step] {
					slots = append(slots, int(im.SlotOf[g]))
				}
				bodies, err := wire.InputFrames(slots, im.NeuronCount, im.SlotCount)
				if err != nil {
					t.Fatal(err)
				}
				for _, b := range bodies {
					send(b)
				}
			} else if step == len(inputs) {
				send(&wire.Run{Steps: 3})
			}
			var got []int
			var types []wire.Type
			for {
				b := h.next()
				if d, ok := b.(*wire.StepDone); ok {
					if d.Step != uint32(step) || int(d.Spikes) != len(got) {
						t.Fatalf("step %d: %+v after %d spikes", step, d, len(got))
					}
					break
				}
				if b == nil {
					t.Fatalf("step %d: no step-done", step)
				}
				types = append(types, b.Type())
				got, _ = wire.AppendSpikes(got, b, im.NeuronCount)
			}
			var wantSlots []int
			for _, g := range want[step] {
				wantSlots = append(wantSlots, int(im.SlotOf[g]))
			}
			slices.Sort(wantSlots)
			if !slices.Equal(got, wantSlots) {
				t.Fatalf("step %d: slots %v, want %v", step, got, wantSlots)
			}
			frames, _ := wire.OutputFrames(wantSlots, im.NeuronCount, transport == wire.TransportSPI)
			for i, f := range frames {
				if types[i] != f.Type() {
					t.Fatalf("step %d: output as %v, want %v", step, types, f.Type())
				}
			}
		}
	}
}
