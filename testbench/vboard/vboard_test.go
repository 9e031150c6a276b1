package vboard_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	loihisim "github.com/snnc/snnc/backend/loihi-sim"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/faulty"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/internal/edatest"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/randnet"
	"github.com/snnc/snnc/testbench/rtl"
	"github.com/snnc/snnc/testbench/vboard"
)

// The boards the tests build virtual boards of: the iCEBreaker (1,024
// slots, SPRAM) and the HX8K, whose small core builds and loads faster.
const (
	icebreaker = "icebreaker"
	hx8k       = "ice40-hx8k"
)

var (
	binMu sync.Mutex
	bins  = map[string]*vboard.Binary{}
)

// binary builds (once per test binary) the virtual board of board with
// link.
func binary(t *testing.T, board, link string) *vboard.Binary {
	t.Helper()
	edatest.Require(t, "verilator", "g++", "make")
	binMu.Lock()
	defer binMu.Unlock()
	key := board + "/" + link
	if b := bins[key]; b != nil {
		return b
	}
	b, err := vboard.BuildBoard(board, link, "")
	if err != nil {
		var missing *rtl.MissingToolError
		if errors.As(err, &missing) {
			edatest.Unavailable(t, err.Error())
		}
		t.Fatal(err)
	}
	bins[key] = b
	return b
}

// start runs the virtual board of board with link, stopped at the end of
// the test; a clean exit is part of the test.
func start(t *testing.T, board, link string, opt vboard.Options) *vboard.Board {
	t.Helper()
	bin := binary(t, board, link)
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
	return bd
}

// open opens the board's transport as snnc run does.
func open(t *testing.T, bd *vboard.Board) driver.Transport {
	t.Helper()
	tr, err := bd.OpenTransport(driver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { tr.Close() })
	return tr
}

// sessionOpt: the virtual board runs about 7 times slower than the real
// one, and tests share two cores; a longer timeout only delays the
// recovery of a lost frame.
var sessionOpt = driver.SessionOptions{Timeout: 300 * time.Millisecond, Retries: 8}

// network is a compiled network, its image for a core, its inputs and
// the references: loihisim's spikes, and CoreSim's spikes and counters.
type network struct {
	name   string
	im     *fpga.Image
	inputs [][]int32
	want   [][]int32
	stats  []fpga.StepStats
}

// prepare compiles net for core and runs the references on inputs.
func prepare(t *testing.T, name string, net *ir.Network, core fpga.CoreParams, inputs func(*ir.Network) [][]int32) (network, error) {
	t.Helper()
	res, err := compiler.Compile(net, compiler.Options{Target: core.Target(), CheckIR: true})
	if err != nil {
		return network{}, err
	}
	im, err := fpga.Build(res.Net, core)
	if err != nil {
		return network{}, err
	}
	n := network{name: name, im: im, inputs: inputs(res.Net)}
	sim, err := loihisim.New(res.Net, loihisim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cs, err := fpga.NewCoreSim(im)
	if err != nil {
		t.Fatal(err)
	}
	for i, in := range n.inputs {
		want := slices.Clone(sim.Step(in))
		if got := cs.Step(in); !slices.Equal(got, want) {
			t.Fatalf("%s step %d: CoreSim %v, loihisim %v", name, i, got, want)
		}
		n.want = append(n.want, want)
		n.stats = append(n.stats, cs.LastStep())
	}
	return n, nil
}

// example compiles examples/NAME/net.yaml for core, with its input.csv
// over steps steps.
func example(t *testing.T, name string, steps int, core fpga.CoreParams) network {
	t.Helper()
	dir := filepath.Join("..", "..", "examples", name)
	net, err := compiler.ParseFile(filepath.Join(dir, "net.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	train, err := spikes.ReadInputFile(filepath.Join(dir, "input.csv"), net)
	if err != nil {
		t.Fatal(err)
	}
	n, err := prepare(t, name, net, core, func(*ir.Network) [][]int32 {
		st := spikes.NewStepper(train)
		in := make([][]int32, steps)
		for i := range in {
			in[i] = slices.Clone(st.At(i))
		}
		return in
	})
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return n
}

// randomNets returns the first count seeded random networks that fit core,
// with steps steps of random input.
func randomNets(t *testing.T, core fpga.CoreParams, count, steps int) []network {
	t.Helper()
	var nets []network
	for seed := uint64(1); len(nets) < count && seed < 60; seed++ {
		net := randnet.Network(seed, randnet.Options{MaxDelay: 20, Refractory: true})
		n, err := prepare(t, fmt.Sprintf("randnet seed %d", seed), net, core, func(net *ir.Network) [][]int32 {
			return randnet.Inputs(net, seed, steps, 0.3)
		})
		if err == nil {
			nets = append(nets, n)
		}
	}
	if len(nets) < count {
		t.Fatalf("only %d random networks fit core %v", len(nets), core)
	}
	return nets
}

// run runs n over s and returns the steps delivered; every step's spikes
// and counters must be the references' (cycles within the cycle model's
// bounds, as testbench/rtl checks them).
func run(t *testing.T, s *driver.Session, n network) (got [][]int32, err error) {
	t.Helper()
	var bad error
	err = s.Run(n.inputs, len(n.inputs), func(step int, sp []int32, st driver.StepStats) {
		if bad != nil {
			return
		}
		ref := n.stats[step]
		lo, hi := ref.Cycles, ref.Cycles+ref.Events+4
		switch {
		case step != len(got):
			bad = fmt.Errorf("step %d delivered after %d steps", step, len(got))
		case !slices.Equal(sp, n.want[step]):
			bad = fmt.Errorf("step %d: board %v, loihisim and CoreSim %v", step, sp, n.want[step])
		case int(st.Step) != step || int(st.Events) != ref.Events || int(st.Spikes) != ref.Spikes || st.Status != 0 ||
			int(st.Cycles) < lo || int(st.Cycles) > hi:
			bad = fmt.Errorf("step %d: board step %d, %d cycles, %d events, %d spikes, status %#x; CoreSim %d..%d cycles, %d events, %d spikes",
				step, st.Step, st.Cycles, st.Events, st.Spikes, st.Status, lo, hi, ref.Events, ref.Spikes)
		}
		got = append(got, slices.Clone(sp))
	})
	if bad != nil {
		t.Fatalf("%s: %v", n.name, bad)
	}
	return got, err
}

// session opens a session on tr and checks the identity against the
// bitstream of board with link.
func session(t *testing.T, tr driver.Transport, board, link string) *driver.Session {
	t.Helper()
	s, err := driver.OpenSession(tr, sessionOpt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := fpga.LoadBoard(board)
	if err != nil {
		t.Fatal(err)
	}
	hash, err := build.BuildHash(b, link)
	if err != nil {
		t.Fatal(err)
	}
	transport := uint8(wire.TransportUART)
	if link == vboard.LinkSPI {
		transport = wire.TransportSPI
	}
	id := s.Identity
	if s.Core.SlotBits != b.Core.SlotBits || s.Core.DelayBits != b.Core.DelayBits || s.Core.ProfileBits != b.Core.ProfileBits ||
		s.Core.SynWords != b.Core.SynWords || id.Core != fpga.CoreVersion || id.BuildHash != hash || id.Transport != transport {
		t.Fatalf("identity %+v (core %v); want core %v, version %#x, build hash %x, transport %d", id, s.Core, b.Core, fpga.CoreVersion, hash, transport)
	}
	return s
}

// runNets loads and runs each network on one session, then the first
// again after Reset; it returns the spikes seen.
func runNets(t *testing.T, s *driver.Session, nets []network) int {
	t.Helper()
	total := 0
	for _, n := range nets {
		if err := s.Load(n.im); err != nil {
			t.Fatalf("%s: load: %v", n.name, err)
		}
		got, err := run(t, s, n)
		if err != nil {
			t.Fatalf("%s: run: %v", n.name, err)
		}
		if len(got) != len(n.inputs) {
			t.Fatalf("%s: %d of %d steps delivered without an error", n.name, len(got), len(n.inputs))
		}
		for _, g := range got {
			total += len(g)
		}
	}
	if err := s.Reset(); err != nil {
		t.Fatal(err)
	}
	last := nets[len(nets)-1]
	if _, err := run(t, s, last); err != nil {
		t.Fatalf("%s after Reset: %v", last.name, err)
	}
	return total
}

// checkStats fails on harness counters that show a fault of the harness
// or the RTL's UART.
func checkStats(t *testing.T, bd *vboard.Board) vboard.Stats {
	t.Helper()
	if err := bd.Close(); err != nil {
		t.Fatal(err)
	}
	st := bd.Stats()
	if st.FramingErrors != 0 || st.BoardBytesDropped != 0 || st.Cycles == 0 {
		t.Errorf("harness stats %+v: framing errors, dropped bytes or no cycles", st)
	}
	return st
}

var links = []string{vboard.LinkUART, vboard.LinkSPI}

// TestExamples runs every example, compiled for the iCEBreaker, through
// driver.Session on its virtual board over the UART and over SPI: the
// identity is the bitstream's, every configuration word reads back, and
// every step's spikes and counters are loihisim's and CoreSim's.
func TestExamples(t *testing.T) {
	b, err := fpga.LoadBoard(icebreaker)
	if err != nil {
		t.Fatal(err)
	}
	nets := []network{
		example(t, "hello", 20, b.Core),
		example(t, "coincidence", 40, b.Core),
		example(t, "recurrent", 200, b.Core),
	}
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			bd := start(t, icebreaker, link, vboard.Options{})
			s := session(t, open(t, bd), icebreaker, link)
			total := runNets(t, s, nets)
			if total == 0 {
				t.Fatal("no neuron spiked in any example")
			}
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			st := checkStats(t, bd)
			t.Logf("%d spikes; %d cycles (%.3f s simulated) in %.3f s clocked, %.2f M cycles/s; host %d bytes, board %d bytes",
				total, st.Cycles, st.SimulatedSeconds, st.ClockedSeconds, st.CyclesPerSecond()/1e6, st.HostBytes, st.BoardBytes)
		})
	}
}

// TestRandomNetworks runs seeded random networks through the virtual
// boards of the HX8K (small core, fast) and, without -short, of the
// iCEBreaker, over both links; the spikes must be loihisim's and the
// counters CoreSim's at every step.
func TestRandomNetworks(t *testing.T) {
	boards := []string{hx8k, icebreaker}
	if testing.Short() {
		boards = boards[:1]
	}
	for _, board := range boards {
		b, err := fpga.LoadBoard(board)
		if err != nil {
			t.Fatal(err)
		}
		count, steps := 4, 150
		if testing.Short() {
			count, steps = 2, 60
		}
		nets := randomNets(t, b.Core, count, steps)
		for _, link := range links {
			t.Run(board+"/"+link, func(t *testing.T) {
				bd := start(t, board, link, vboard.Options{})
				s := session(t, open(t, bd), board, link)
				total := runNets(t, s, nets)
				if total < 50 {
					t.Errorf("only %d spikes: too quiet to check anything", total)
				}
				s.Close()
				st := checkStats(t, bd)
				t.Logf("%d networks, %d spikes; %d cycles in %.3f s clocked, %.2f M cycles/s", len(nets), total, st.Cycles, st.ClockedSeconds, st.CyclesPerSecond()/1e6)
			})
		}
	}
}

// TestFaultyLink runs random networks on the HX8K's virtual board through
// driver/faulty: seeded drops, bit flips, duplicates, truncations and
// stalls on the real pty and SPI socket. Every run ends with exactly the
// reference spikes or an explicit error. Faults towards the board only are
// recovered by retransmission, except when a corrupted frame passes the
// CRC-16 (about 1 in 65,536 corrupted frames; seen in a stress run of this
// test at 3 times these rates: a write frame with two bytes duplicated and
// two dropped): for a write, Load's read-back reports it as a
// *driver.VerifyError, which such runs may end with.
func TestFaultyLink(t *testing.T) {
	b, err := fpga.LoadBoard(hx8k)
	if err != nil {
		t.Fatal(err)
	}
	nets := randomNets(t, b.Core, 2, 80)
	rate := 1e-3
	kinds := []struct {
		name     string
		h2b, b2h faulty.Faults
		mustPass bool
	}{
		{name: "to-board", h2b: faulty.Faults{Drop: rate, Flip: rate, Dup: rate, Truncate: rate}, mustPass: true},
		{name: "both", h2b: faulty.Faults{Drop: rate, Flip: rate}, b2h: faulty.Faults{Drop: rate / 10, Flip: rate / 10, Dup: rate / 10, Delay: rate}},
	}
	seeds := 2
	if testing.Short() {
		seeds = 1
	}
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			bd := start(t, hx8k, link, vboard.Options{})
			var ok, failed, faults int
			for _, k := range kinds {
				for _, n := range nets {
					for seed := range uint64(seeds) {
						tr, err := bd.OpenTransport(driver.Options{})
						if err != nil {
							t.Fatal(err)
						}
						ft := faulty.New(tr, faulty.Config{Seed: seed*7919 + uint64(len(n.name)), HostToBoard: k.h2b, BoardToHost: k.b2h, Delay: 50 * time.Millisecond})
						name := fmt.Sprintf("%s, %s, seed %d", k.name, n.name, seed)
						var got [][]int32
						s, err := driver.OpenSession(ft, sessionOpt)
						if err == nil {
							err = s.Load(n.im)
						}
						if err == nil {
							got, err = run(t, s, n)
						}
						if err != nil {
							drain(t, tr)
						}
						ft.Close()
						faults += len(ft.Log())
						switch {
						case err == nil && len(got) != len(n.inputs):
							t.Fatalf("%s: no error but %d of %d steps delivered", name, len(got), len(n.inputs))
						case err == nil:
							ok++
						case k.mustPass && !errors.As(err, new(*driver.VerifyError)):
							t.Fatalf("%s: %v\nfaults:\n%s", name, err, ft.Report())
						default:
							failed++
							t.Logf("%s: explicit error after %d steps: %v", name, len(got), err)
						}
					}
				}
			}
			t.Logf("%d runs with exactly the reference spikes, %d explicit errors, %d faults injected", ok, failed, faults)
			if faults < 5 {
				t.Errorf("only %d faults injected: the test checks too little", faults)
			}
			// A clean session after the faulty ones: the board recovers.
			s := session(t, open(t, bd), hx8k, link)
			if err := s.Load(nets[0].im); err != nil {
				t.Fatal(err)
			}
			if _, err := run(t, s, nets[0]); err != nil {
				t.Fatal(err)
			}
		})
	}
}

// drain reads what the board still sends after a failed run: the answers
// to the steps it had accepted, which it runs after the host has given up.
// driver.OpenSession takes such answers, arriving before its identity, for
// answers to its own frames and fails (reported to the driver's owner:
// OpenSession should drop what comes before its identity, as a
// resynchronisation does); until then the next session starts on a quiet
// link. Draining stops after 300 ms without a byte.
func drain(t *testing.T, tr driver.Transport) {
	t.Helper()
	buf := make([]byte, 4096)
	quiet := time.Now()
	for time.Since(quiet) < 300*time.Millisecond {
		n, err := tr.Read(buf)
		if err != nil {
			t.Fatalf("draining the link: %v", err)
		}
		if n > 0 {
			quiet = time.Now()
		}
	}
}

// TestIdleAndExitOnClose: an idle board uses (almost) no CPU, and with
// ExitOnClose it exits when the host closes its port.
func TestIdleAndExitOnClose(t *testing.T) {
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			bd := start(t, hx8k, link, vboard.Options{ExitOnClose: true})
			tr, err := bd.OpenTransport(driver.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := driver.OpenSession(tr, sessionOpt); err != nil {
				t.Fatal(err)
			}
			time.Sleep(time.Second)
			tr.Close()
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
		})
	}
}

// counter counts the frame bytes a Transport moves: what the host writes
// (frames only), and the frames in what it reads (on SPI, Read also passes
// on filler bytes, which are not counted).
type counter struct {
	driver.Transport
	mu      sync.Mutex
	dec     wire.Decoder
	written int
	read    int
}

func (c *counter) Write(p []byte) (int, error) {
	n, err := c.Transport.Write(p)
	c.mu.Lock()
	c.written += n
	c.mu.Unlock()
	return n, err
}

func (c *counter) Read(p []byte) (int, error) {
	n, err := c.Transport.Read(p)
	c.mu.Lock()
	c.dec.Feed(p[:n])
	c.mu.Unlock()
	return n, err
}

func (c *counter) Flush() error {
	if f, ok := c.Transport.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// take returns the counts since the last take.
func (c *counter) take() (written, read int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fb := int(c.dec.Stats().FrameBytes)
	written, read = c.written, fb-c.read
	c.written, c.read = 0, fb
	return written, read
}

// TestThroughput measures the virtual iCEBreaker over each link with the
// busiest example, recurrent: its configuration loaded and read back
// (link-bound), then 500 steps with every input spiking at every step.
// It reports the simulation's speed and the link's bytes per second (wall
// time); docs/vboard.md quotes it. Skipped with -short.
func TestThroughput(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	b, err := fpga.LoadBoard(icebreaker)
	if err != nil {
		t.Fatal(err)
	}
	n := example(t, "recurrent", 1, b.Core)
	var all []int32
	for g := range n.im.SlotOf {
		if int(n.im.SlotOf[g]) >= n.im.NeuronCount {
			all = append(all, int32(g))
		}
	}
	busy := make([][]int32, 500)
	for i := range busy {
		busy[i] = all
	}
	for _, link := range links {
		t.Run(link, func(t *testing.T) {
			bd := start(t, icebreaker, link, vboard.Options{})
			c := &counter{Transport: open(t, bd)}
			s := session(t, c, icebreaker, link)
			c.take()
			t0 := time.Now()
			if err := s.Load(n.im); err != nil {
				t.Fatal(err)
			}
			load := time.Since(t0)
			lw, lr := c.take()
			t0 = time.Now()
			spikes, cycles := 0, 0
			if err := s.Run(busy, len(busy), func(_ int, sp []int32, st driver.StepStats) {
				spikes += len(sp)
				cycles += int(st.Cycles)
			}); err != nil {
				t.Fatal(err)
			}
			steps := time.Since(t0)
			rw, rr := c.take()
			s.Close()
			st := checkStats(t, bd)
			t.Logf("load: %d frame bytes to the board, %d back in %v: %.1f kB/s to the board, %.1f kB/s both ways",
				lw, lr, load.Round(time.Millisecond), float64(lw)/load.Seconds()/1e3, float64(lw+lr)/load.Seconds()/1e3)
			t.Logf("run: %d steps (%d spikes, %d core cycles, %.1f µs a step on the board) in %v: %.0f steps/s; %d frame bytes to the board, %d back: %.1f kB/s to the board, %.1f kB/s both ways",
				len(busy), spikes, cycles, float64(cycles)/float64(len(busy))/24, steps.Round(time.Millisecond), float64(len(busy))/steps.Seconds(),
				rw, rr, float64(rw)/steps.Seconds()/1e3, float64(rw+rr)/steps.Seconds()/1e3)
			t.Logf("harness: %d cycles (%.3f s simulated) in %.3f s clocked (%.3f s wall): %.2f M cycles/s, %.1f%% of 24 MHz; %d bytes clocked in, %d out",
				st.Cycles, st.SimulatedSeconds, st.ClockedSeconds, st.WallSeconds, st.CyclesPerSecond()/1e6, st.CyclesPerSecond()/24e6*100, st.HostBytes, st.BoardBytes)
		})
	}
}
