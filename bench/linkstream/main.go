// Command linkstream measures how fast input spikes stream to a board over
// the link of docs/protocol.md, on the virtual board (testbench/vboard:
// the bitstream's RTL in Verilator, 24 MHz core clock and a 3 Mbaud UART
// on the iCEBreaker), through driver.Session exactly as snnc run drives a
// board: the figures of docs/benchmarks.md ("Streaming spikes over the
// link").
//
//	go run ./bench/linkstream -link uart -steps 1000 -rates 0.002,0.01,0.05,0.1,0.3,0.6
//
// The network fills the core: -inputs input neurons (960 of the
// iCEBreaker's 1,024 slots by default) drive -lif LIF neurons through
// -fanout synapses each. Each input neuron spikes at each step with
// probability rate (seeded), and the session encodes every step's spikes
// as wire.InputFrames does, AER or bitmap, whichever is shorter.
//
// The virtual board runs several times slower than the board, so time is
// measured in its simulated clock cycles, which are the board's: the
// harness traces every byte on the link with the cycle it passed
// (vboard.Options.Trace), and the streaming phase runs from the first byte
// of the first input frame to the last byte of the last step-done, leaving
// out the load of the configuration. Wall time is reported too: the
// virtual board's own pace, not the board's.
package main

import (
	"bufio"
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/testbench/randnet"
	"github.com/snnc/snnc/testbench/vboard"
)

func main() {
	boardName := flag.String("board", "icebreaker", "board whose virtual board to run")
	link := flag.String("link", vboard.LinkUART, "link: uart or spi")
	inputs := flag.Int("inputs", 960, "input neurons")
	lif := flag.Int("lif", 64, "LIF neurons")
	fanout := flag.Int("fanout", 4, "synapses from each input neuron")
	steps := flag.Int("steps", 1000, "steps measured per rate")
	ratesFlag := flag.String("rates", "0.002,0.01,0.05,0.1,0.3,0.6", "input spike probabilities per neuron and step, comma-separated")
	seed := flag.Uint64("seed", 1, "seed of the input spikes")
	chunk := flag.Int("spi-chunk", 0, "with -link spi: filler bytes per poll of the SPI transport (0: the driver's default, 64)")
	poll := flag.Duration("spi-poll", 0, "with -link spi: pause between polls that found the board idle (0: the driver's default, 1ms)")
	flag.Parse()
	var rates []float64
	for _, s := range strings.Split(*ratesFlag, ",") {
		r, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
		if err != nil || r < 0 || r > 1 {
			fail(fmt.Errorf("-rates: %q is not a probability in 0..1", s))
		}
		rates = append(rates, r)
	}
	if *steps < 1 {
		fail(fmt.Errorf("-steps %d: at least 1", *steps))
	}

	b, err := fpga.LoadBoard(*boardName)
	check(err)
	cfg, err := vboard.BoardConfig(b, *link)
	check(err)
	bin, err := vboard.Build(cfg, os.Getenv("SNNC_VBOARD_CACHE"))
	check(err)
	src := networkYAML(*inputs, *lif, *fanout)
	net, err := compiler.Parse("linkstream.yaml", []byte(src), nil)
	check(err)
	res, err := compiler.Compile(net, compiler.Options{Target: b.Core.Target()})
	check(err)
	im, err := fpga.Build(res.Net, b.Core)
	check(err)

	// One byte on the UART is 10 bits (8N1); the SPI clock is CLK_HZ/8
	// and a byte 8 of its bits.
	clocksPerByte := 10 * cfg.Div()
	lineBytes := float64(cfg.Baud) / 10
	if *link == vboard.LinkSPI {
		clocksPerByte = 8 * vboard.SPIDiv
		lineBytes = float64(cfg.ClockHz) / float64(vboard.SPIDiv) / 8
	}
	fmt.Printf("linkstream: board %s, core %v, %d MHz, link %s (%.0f bytes/s); %s\n", b.Name, b.Core.Verilog(), cfg.ClockHz/1000000, *link, lineBytes, machine())
	fmt.Printf("network: %d input neurons, %d LIF neurons, %d synapses; %d steps per rate, each rate on a fresh virtual board\n\n",
		*inputs, *lif, im.Stats.Synapses, *steps)
	fmt.Println("| rate | input events/step | frames AER, bitmap | host→board bytes/step | spike payload | board→host bytes/step | clocks/step | core step | line busy | input events/s | at a full line | steps/s | wall steps/s |")
	fmt.Println("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
	for _, rate := range rates {
		in := randnet.Inputs(res.Net, *seed, *steps, rate)
		r, err := measure(bin, im, in, driver.Options{SPI: driver.SPIOptions{Chunk: *chunk, PollInterval: *poll}}, *link == vboard.LinkSPI)
		check(err)
		// What the session sends, by the same encoder: frames, their
		// bytes and the spike payload in them.
		var events, aer, bitmap, frameBytes, payload int
		for _, s := range in {
			slots := make([]int, len(s))
			for i, g := range s {
				slots[i] = int(im.SlotOf[g])
			}
			frames, err := wire.InputFrames(slots, im.NeuronCount, im.SlotCount)
			check(err)
			events += len(s)
			for _, f := range frames {
				p, err := wire.Encode(wire.Frame{Body: f})
				check(err)
				frameBytes += len(p)
				switch f := f.(type) {
				case *wire.InputAER:
					aer++
					payload += 2 * len(f.Slots)
				case *wire.InputBitmap:
					bitmap++
					payload += len(f.Bits)
				}
			}
		}
		n := float64(*steps)
		sent := float64(r.sent)
		if int(r.sent) != frameBytes {
			fmt.Fprintf(os.Stderr, "linkstream: rate %g: the session sent %d bytes, the frames are %d (retransmissions)\n", rate, r.sent, frameBytes)
		}
		cycles := float64(r.cycles)
		simSec := cycles / float64(cfg.ClockHz)
		busy := sent * float64(clocksPerByte) / cycles
		fmt.Printf("| %g | %.1f | %d, %d | %.1f | %.1f %% | %.1f | %.0f | %.0f | %.1f %% | %.0f | %.0f | %.0f | %.0f |\n",
			rate, float64(events)/n, aer, bitmap, sent/n, 100*float64(payload)/sent, float64(r.received)/n,
			cycles/n, float64(r.stepCycles)/n, 100*busy,
			float64(events)/simSec, float64(events)/sent*lineBytes, n/simSec, n/r.wall.Seconds())
	}
}

// networkYAML is the benchmark's network: inputs input neurons, each with
// fanout synapses onto lif LIF neurons.
func networkYAML(inputs, lif, fanout int) string {
	return fmt.Sprintf(`version: 1
populations:
  - {name: in, size: %d, model: input}
  - name: out
    size: %d
    model: lif
    params: {du: 1000, dv: 500, vth: 400}
projections:
  - from: in
    to: out
    connect: {fixed_fanout: {n: %d, seed: 1}}
    weights: {uniform: {min: -40, max: 80, seed: 2}}
    delays: {uniform: {min: 1, max: 4, seed: 3}}
`, inputs, lif, fanout)
}

// run is the figures of one run's streaming phase.
type run struct {
	sent, received int64  // link bytes during Run, host→board and back
	cycles         uint64 // board clocks from the first input byte to the last answer byte
	stepCycles     uint64 // core clocks in steps, from step-done
	wall           time.Duration
}

// measure loads im on a fresh virtual board and runs len(inputs) steps.
func measure(bin *vboard.Binary, im *fpga.Image, inputs [][]int32, opt driver.Options, spi bool) (run, error) {
	var r run
	tr := &tracer{spi: spi, startFrame: -1}
	bd, err := bin.StartWith(context.Background(), vboard.Options{Trace: true, Stderr: tr})
	if err != nil {
		return r, err
	}
	defer bd.Close()
	t, err := bd.OpenTransport(opt)
	if err != nil {
		return r, err
	}
	ct := &counting{Transport: t}
	s, err := driver.OpenSession(ct, driver.SessionOptions{Timeout: 500 * time.Millisecond})
	if err != nil {
		return r, err
	}
	if err := s.Load(im); err != nil {
		return r, err
	}
	sent, received := ct.sent, ct.received
	tr.from(ct.frames)
	start := time.Now()
	err = s.Run(inputs, len(inputs), func(_ int, _ []int32, st driver.StepStats) {
		r.stepCycles += uint64(st.Cycles)
	})
	r.wall = time.Since(start)
	if err != nil {
		return r, err
	}
	r.sent, r.received = ct.sent-sent, ct.received-received
	s.Close()
	if err := bd.Close(); err != nil { // the trace is complete once it has exited
		return r, err
	}
	c0, c1, err := tr.span()
	if err != nil {
		return r, err
	}
	r.cycles = c1 - c0
	return r, nil
}

// tracer reads the harness' trace of the link (one line per byte, with
// its cycle) and finds the streaming phase in it: from the first byte of
// the host's frame number startFrame (0-based; the frames before it are
// the identify and the load) to the end of the board's last frame. It
// decodes both directions as the session and the board do, so that SPI
// fillers and retransmissions count as they should.
type tracer struct {
	spi                 bool
	mu                  sync.Mutex
	line                []byte
	host, board         wire.Decoder
	recent              [wire.MaxFrame]uint64 // cycles of the last host bytes, a ring
	nrecent             int
	hostFrames          int
	startFrame          int
	start, end          uint64
	started, boardFrame bool
}

// from sets the number of host frames before the streaming phase.
func (tr *tracer) from(frames int) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.startFrame = frames
}

// span returns the cycles of the streaming phase's first and last byte.
func (tr *tracer) span() (uint64, uint64, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	if !tr.started || !tr.boardFrame || tr.end < tr.start {
		return 0, 0, fmt.Errorf("the trace holds no streaming phase (host frames %d, the phase from frame %d)", tr.hostFrames, tr.startFrame)
	}
	return tr.start, tr.end, nil
}

func (tr *tracer) Write(p []byte) (int, error) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.line = append(tr.line, p...)
	for {
		i := bytes.IndexByte(tr.line, '\n')
		if i < 0 {
			break
		}
		tr.parse(string(tr.line[:i]))
		tr.line = tr.line[i+1:]
	}
	return len(p), nil
}

// parse takes one line: "vboard: cycle N: host wrote 0xHH", "... board
// sent 0xHH" (UART), "... host clocked 0xHH, board 0xHH" (SPI).
func (tr *tracer) parse(line string) {
	rest, ok := strings.CutPrefix(line, "vboard: cycle ")
	if !ok {
		return
	}
	num, what, ok := strings.Cut(rest, ": ")
	if !ok {
		return
	}
	cycle, err := strconv.ParseUint(num, 10, 64)
	if err != nil {
		return
	}
	var host, board []byte
	hexByte := func(s string) []byte {
		v, err := strconv.ParseUint(strings.TrimPrefix(s, "0x"), 16, 8)
		if err != nil {
			return nil
		}
		return []byte{byte(v)}
	}
	switch {
	case strings.HasPrefix(what, "host wrote "):
		host = hexByte(strings.TrimPrefix(what, "host wrote "))
	case strings.HasPrefix(what, "board sent "):
		board = hexByte(strings.TrimPrefix(what, "board sent "))
	case strings.HasPrefix(what, "host clocked "):
		h, b, _ := strings.Cut(strings.TrimPrefix(what, "host clocked "), ", board ")
		host, board = hexByte(h), hexByte(b)
	}
	if host != nil {
		tr.recent[tr.nrecent%len(tr.recent)] = cycle
		tr.nrecent++
		for _, f := range tr.host.Feed(host) {
			if tr.hostFrames == tr.startFrame {
				// The frame's bytes are back to back (no filler inside a
				// frame): its first byte came len-1 bytes ago.
				n, err := wire.Encode(f)
				if err == nil && len(n) <= tr.nrecent {
					tr.start, tr.started = tr.recent[(tr.nrecent-len(n))%len(tr.recent)], true
				}
			}
			tr.hostFrames++
		}
	}
	if board != nil && len(tr.board.Feed(board)) > 0 && tr.started {
		tr.end, tr.boardFrame = cycle, true
	}
}

// counting counts the bytes through a transport, and the host's frames.
type counting struct {
	driver.Transport
	sent, received int64
	dec            wire.Decoder
	frames         int
}

func (c *counting) Read(p []byte) (int, error) {
	n, err := c.Transport.Read(p)
	c.received += int64(n)
	return n, err
}

func (c *counting) Write(p []byte) (int, error) {
	n, err := c.Transport.Write(p)
	c.sent += int64(n)
	c.frames += len(c.dec.Feed(p[:n]))
	return n, err
}

func (c *counting) Flush() error {
	if f, ok := c.Transport.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// machine names the processor and its cores, for the record.
func machine() string {
	model := "unknown processor"
	if f, err := os.Open("/proc/cpuinfo"); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			if k, v, ok := strings.Cut(sc.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
				model = strings.TrimSpace(v)
				break
			}
		}
		f.Close()
	}
	return fmt.Sprintf("%d cores of %s, %s", runtime.NumCPU(), model, runtime.Version())
}

func check(err error) {
	if err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "linkstream:", err)
	os.Exit(1)
}
