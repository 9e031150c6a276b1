package driver_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/emuboard"
	"github.com/snnc/snnc/driver/faulty"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/testbench/randnet"
)

// The HX8K's core: small enough that an image loads in a fraction of a
// second over the pipe, with every region in use.
var testCore = fpga.CoreParams{SlotBits: 8, DelayBits: 3, SynWords: 1024, ProfileBits: 8}

const testSteps = 200

// network is a seeded random network legalised for testCore, its image,
// its inputs and loihisim's spikes on them: the reference.
type network struct {
	seed   uint64
	im     *fpga.Image
	inputs [][]int32
	want   [][]int32
}

var (
	netsOnce sync.Once
	nets     []network
)

// testNets returns the first few seeded random networks that fit testCore.
func testNets(t *testing.T) []network {
	t.Helper()
	netsOnce.Do(func() {
		for seed := uint64(1); len(nets) < 4 && seed < 40; seed++ {
			net := randnet.Network(seed, randnet.Options{MaxDelay: 12, Refractory: true})
			res, err := compiler.Compile(net, compiler.Options{Target: testCore.Target(), CheckIR: true})
			if err != nil {
				continue // too big for the core
			}
			im, err := fpga.Build(res.Net, testCore)
			if err != nil {
				continue
			}
			nets = append(nets, network{seed: seed, im: im, inputs: randnet.Inputs(res.Net, seed, testSteps, 0.3),
				want: reference(t, res.Net, randnet.Inputs(res.Net, seed, testSteps, 0.3))})
		}
	})
	if len(nets) < 3 {
		t.Fatalf("only %d random networks fit the core", len(nets))
	}
	return nets
}

func reference(t *testing.T, net *ir.Network, inputs [][]int32) [][]int32 {
	sim, err := loihisim.New(net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]int32, len(inputs))
	for i, in := range inputs {
		want[i] = slices.Clone(sim.Step(in))
	}
	return want
}

// board starts an emulated board on a fresh pipe and returns the host end
// (wrapped by wrap, if not nil); the board stops when the host end closes.
func board(t *testing.T, wrap func(driver.Transport, *emuboard.Board) driver.Transport) (driver.Transport, *emuboard.Board) {
	t.Helper()
	host, end := driver.Pipe(2 * time.Millisecond)
	b, err := emuboard.New(end, emuboard.Options{Core: testCore, BuildHash: [8]byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- b.Serve() }()
	t.Cleanup(func() {
		host.Close()
		if err := <-done; err != nil {
			t.Errorf("board: %v", err)
		}
	})
	if wrap != nil {
		host = wrap(host, b)
	}
	return host, b
}

var testOpt = driver.SessionOptions{Timeout: 20 * time.Millisecond, Retries: 5}

// run runs n over an open session; got holds the steps delivered.
func run(s *driver.Session, n network, steps int) (got [][]int32, err error) {
	err = s.Run(n.inputs, steps, func(step int, spikes []int32, st driver.StepStats) {
		if step != len(got) {
			panic(fmt.Sprintf("step %d delivered after %d steps", step, len(got)))
		}
		if int(st.Spikes) != len(spikes) {
			panic(fmt.Sprintf("step %d: %d spikes, stats say %d", step, len(spikes), st.Spikes))
		}
		got = append(got, slices.Clone(spikes))
	})
	return got, err
}

// firstDiff returns the first step whose spikes differ, or -1.
func firstDiff(got, want [][]int32) int {
	for i := range got {
		if len(got[i]) != len(want[i]) || !slices.Equal(got[i], want[i]) {
			return i
		}
	}
	return -1
}

// TestSessionEqualsLoihisim: over a clean link, the driver and the
// emulated board give loihisim's spikes at every step, and Reset starts
// the network again from step 0.
func TestSessionEqualsLoihisim(t *testing.T) {
	total := 0
	for _, n := range testNets(t) {
		host, _ := board(t, nil)
		s, err := driver.OpenSession(host, testOpt)
		if err != nil {
			t.Fatal(err)
		}
		if s.Core != testCore || s.Identity.BuildHash != [8]byte{1, 2, 3} {
			t.Fatalf("identity: core %v hash %x", s.Core, s.Identity.BuildHash)
		}
		if err := s.Load(n.im); err != nil {
			t.Fatalf("seed %d: load: %v", n.seed, err)
		}
		got, err := run(s, n, testSteps)
		if err != nil {
			t.Fatalf("seed %d: run: %v", n.seed, err)
		}
		if len(got) != testSteps {
			t.Fatalf("seed %d: %d steps delivered", n.seed, len(got))
		}
		if i := firstDiff(got, n.want); i >= 0 {
			t.Fatalf("seed %d step %d: board %v, loihisim %v", n.seed, i, got[i], n.want[i])
		}
		for _, g := range got {
			total += len(g)
		}
		if err := s.Reset(); err != nil {
			t.Fatal(err)
		}
		again, err := run(s, n, 30)
		if err != nil {
			t.Fatalf("seed %d: run after reset: %v", n.seed, err)
		}
		if i := firstDiff(again, n.want); i >= 0 {
			t.Fatalf("seed %d: after Reset, step %d: board %v, loihisim %v", n.seed, i, again[i], n.want[i])
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if total < 100 {
		t.Errorf("only %d spikes in all runs: too quiet to check anything", total)
	}
}

// corrupter rewrites the first write frame to region it meets with one
// bit of its first word flipped and a correct CRC: a fault the link
// cannot see, which only the read-back can.
type corrupter struct {
	driver.Transport
	region uint8
	done   bool
}

func (c *corrupter) Write(p []byte) (int, error) {
	if !c.done {
		var dec wire.Decoder
		if fs := dec.Feed(p); len(fs) == 1 {
			if w, ok := fs[0].Body.(*wire.Write); ok && w.Region == c.region {
				c.done = true
				w.Words[0] ^= 1
				q, err := wire.Encode(fs[0])
				if err != nil {
					panic(err)
				}
				_, err = c.Transport.Write(q)
				return len(p), err
			}
		}
	}
	return c.Transport.Write(p)
}

func TestLoadVerifyCatchesCorruption(t *testing.T) {
	n := testNets(t)[0]
	for _, region := range []uint8{fpga.RegionProfile, fpga.RegionSynapse, fpga.RegionGroupPtr} {
		host, _ := board(t, func(h driver.Transport, _ *emuboard.Board) driver.Transport {
			return &corrupter{Transport: h, region: region}
		})
		s, err := driver.OpenSession(host, testOpt)
		if err != nil {
			t.Fatal(err)
		}
		err = s.Load(n.im)
		var ve *driver.VerifyError
		if !errors.As(err, &ve) || ve.Region != int(region) || ve.Read^ve.Wrote != 1 {
			t.Fatalf("region %d: Load returned %v, want a VerifyError of that region", region, err)
		}
		if err := s.Run(nil, 1, nil); err == nil {
			t.Fatal("Run after a failed Load succeeded")
		}
	}
}

// TestFaultyLink runs the networks through seeded faults: every run ends
// with exactly loihisim's spikes or with an error, and the steps delivered
// before an error are right. Faults only towards the board are always
// recovered (go-back-N); a lost output or step-done is reported; a board
// reset mid-run is reported as ErrBoardReset.
func TestFaultyLink(t *testing.T) {
	type kind struct {
		name       string
		h2b, b2h   faulty.Faults
		mustPass   bool
		resetAfter bool
	}
	rate := 1e-3
	kinds := []kind{
		{name: "to-board", h2b: faulty.Faults{Drop: rate, Flip: rate, Dup: rate}, mustPass: true},
		{name: "to-board-truncated-delayed", h2b: faulty.Faults{Truncate: rate, Delay: rate, Flip: rate / 2}, mustPass: true},
		{name: "both", h2b: faulty.Faults{Drop: rate, Flip: rate, Dup: rate}, b2h: faulty.Faults{Drop: rate / 30, Flip: rate / 30, Dup: rate / 30}},
		{name: "from-board", b2h: faulty.Faults{Drop: rate / 20, Flip: rate / 20, Dup: rate / 20, Truncate: rate / 40, Delay: rate}},
		{name: "reset", resetAfter: true},
	}
	// 5 kinds x 4 networks x 51 seeds: 1,020 runs (issue 5 asks for at
	// least 1,000); -short keeps 3 seeds.
	seeds := 51
	if testing.Short() {
		seeds = 3
	}
	var ok, failed, faults, crcEscapes int
	for _, k := range kinds {
		for _, n := range testNets(t) {
			for seed := range uint64(seeds) {
				var ft *faulty.Transport
				var inner, outer *recorder
				host, _ := board(t, func(h driver.Transport, b *emuboard.Board) driver.Transport {
					cfg := faulty.Config{Seed: seed*1000 + n.seed, HostToBoard: k.h2b, BoardToHost: k.b2h, Delay: time.Millisecond}
					if k.resetAfter {
						cfg.OnReset = b.PowerCycle
						// The first during Load, the others during Run.
						cfg.BoardToHost.ResetAfter = 500 + int64(seed%4)*1500
					}
					inner = &recorder{Transport: h}
					ft = faulty.New(inner, cfg)
					outer = &recorder{Transport: ft}
					return outer
				})
				name := fmt.Sprintf("%s seed %d net %d", k.name, seed, n.seed)
				s, err := driver.OpenSession(host, testOpt)
				var got [][]int32
				if err == nil {
					err = s.Load(n.im)
				}
				if err == nil {
					got, err = run(s, n, testSteps)
				}
				faults += len(ft.Log())
				wrong := firstDiff(got, n.want)
				if wrong >= 0 || err != nil && k.mustPass {
					// Allowed only where a damaged frame passed its CRC.
					if esc := escapes(inner, outer); len(esc) > 0 {
						crcEscapes++
						t.Logf("%s: CRC-16 escape (%s): wrong step %d, error %v", name, strings.Join(esc, "; "), wrong, err)
						continue
					}
				}
				if wrong >= 0 {
					t.Fatalf("%s: WRONG spikes at step %d: board %v, loihisim %v\nfaults:\n%s", name, wrong, got[wrong], n.want[wrong], ft.Report())
				}
				switch {
				case err == nil && len(got) != testSteps:
					t.Fatalf("%s: no error but %d of %d steps delivered", name, len(got), testSteps)
				case err == nil:
					ok++
					if k.resetAfter {
						t.Fatalf("%s: a board reset went unnoticed", name)
					}
				case k.mustPass:
					t.Fatalf("%s: %v\nfaults:\n%s", name, err, ft.Report())
				case k.resetAfter && !errors.Is(err, driver.ErrBoardReset):
					t.Fatalf("%s: board reset reported as %v", name, err)
				default:
					failed++
					t.Logf("%s: error after %d steps: %v", name, len(got), err)
				}
			}
		}
	}
	t.Logf("%d runs with exactly the reference spikes, %d explicit errors, %d CRC-16 escapes, %d faults injected", ok, failed, crcEscapes, faults)
	// A damaged frame passes CRC-16 once in 65,536: with some 10^4
	// damaged frames here, an escape is possible but must stay rare.
	if crcEscapes > 2 {
		t.Errorf("%d runs failed through CRC-16 escapes (allowed: at most 2)", crcEscapes)
	}
	if !testing.Short() && ok+failed < 1000 {
		t.Errorf("only %d faulty runs (allowed: at least 1000)", ok+failed)
	}
	if faults < 20 {
		t.Errorf("only %d faults injected: the test checks too little", faults)
	}
}

// TestOpenAfterAbandonedRun: a host that left the board running steps
// (here a run of 60,000) does not disturb the next session: its answers,
// outputs and step-dones before the new identity are dropped, and the new
// session gives the reference spikes.
func TestOpenAfterAbandonedRun(t *testing.T) {
	n := testNets(t)[0]
	host, _ := board(t, nil)
	s, err := driver.OpenSession(host, testOpt)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Load(n.im); err != nil {
		t.Fatal(err)
	}
	// The earlier host: identify (resets the board's sequence numbers),
	// then a run, and it goes without reading the answers.
	for _, f := range []wire.Frame{{Seq: 0, Body: &wire.Identify{Version: wire.Version}}, {Seq: 1, Body: &wire.Run{Steps: 60000}}} {
		data, err := wire.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := host.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(2 * time.Millisecond) // some steps are under way, more to come
	s, err = driver.OpenSession(host, testOpt)
	if err != nil {
		t.Fatalf("open after an abandoned run: %v", err)
	}
	if err := s.Load(n.im); err != nil {
		t.Fatal(err)
	}
	got, err := run(s, n, testSteps)
	if err != nil {
		t.Fatal(err)
	}
	if i := firstDiff(got, n.want); i >= 0 {
		t.Fatalf("step %d: board %v, loihisim %v", i, got[i], n.want[i])
	}
}

// recorder keeps the bytes written and read through a Transport. Below
// the faulty transport it sees what the board got and sent; above it,
// what the host sent and got.
type recorder struct {
	driver.Transport
	mu          sync.Mutex
	wrote, read []byte
}

func (r *recorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	r.wrote = append(r.wrote, p...)
	r.mu.Unlock()
	return r.Transport.Write(p)
}

func (r *recorder) Read(p []byte) (int, error) {
	n, err := r.Transport.Read(p)
	r.mu.Lock()
	r.read = append(r.read, p[:n]...)
	r.mu.Unlock()
	return n, err
}

// Flush keeps OpenSession's flush of the transport below.
func (r *recorder) Flush() error {
	if f, ok := r.Transport.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// escapes lists the frames that passed their CRC at the receiving end
// although the sender never sent them: damaged frames CRC-16 let through.
// inner records the board's side of the faults, outer the host's.
func escapes(inner, outer *recorder) []string {
	inner.mu.Lock()
	defer inner.mu.Unlock()
	outer.mu.Lock()
	defer outer.mu.Unlock()
	var out []string
	for _, dir := range []struct {
		name           string
		sent, received []byte
	}{{"to the board", outer.wrote, inner.wrote}, {"to the host", inner.read, outer.read}} {
		var ds, dr wire.Decoder
		sent := map[string]bool{}
		for _, f := range ds.Feed(dir.sent) {
			b, _ := wire.Encode(f)
			sent[string(b)] = true
		}
		for _, f := range dr.Feed(dir.received) {
			if b, _ := wire.Encode(f); !sent[string(b)] {
				out = append(out, fmt.Sprintf("%s: %v frame %d that was never sent", dir.name, f.Body.Type(), f.Seq))
			}
		}
	}
	return out
}

// escapes finds a frame that arrived but was never sent, in both
// directions, and nothing in a faithful copy.
func TestEscapes(t *testing.T) {
	enc := func(f wire.Frame) []byte {
		b, err := wire.Encode(f)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	a := enc(wire.Frame{Seq: 1, Body: &wire.Run{Steps: 3}})
	b := enc(wire.Frame{Seq: 1, Body: &wire.Run{Steps: 4}})
	ack := enc(wire.Frame{Seq: 0, Body: &wire.Ack{Link: wire.Link{Req: 1, Ack: 2, Free: 512}}})
	inner := &recorder{wrote: slices.Concat(a, b), read: ack}
	outer := &recorder{wrote: a, read: ack}
	if got := escapes(inner, outer); len(got) != 1 || !strings.Contains(got[0], "to the board") {
		t.Errorf("escapes = %q, want the run of 4 steps to the board", got)
	}
	outer.wrote = slices.Concat(a, b)
	if got := escapes(inner, outer); len(got) != 0 {
		t.Errorf("faithful link: escapes = %q", got)
	}
	inner.read, outer.read = ack, enc(wire.Frame{Seq: 0, Body: &wire.Ack{Link: wire.Link{Req: 1, Ack: 3, Free: 512}}})
	if got := escapes(inner, outer); len(got) != 1 || !strings.Contains(got[0], "to the host") {
		t.Errorf("escapes = %q, want the ack to the host", got)
	}
}
