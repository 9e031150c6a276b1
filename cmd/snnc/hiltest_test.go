package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/internal/edatest"
)

// snnc test passes on the emulated board for every example and random
// network, with each one's input file and with a random stimulus, over
// the UART's and the SPI's framing.
func TestHILEmulated(t *testing.T) {
	for _, c := range runCases(t, testing.Short()) {
		t.Run(c.name, func(t *testing.T) {
			dir := compileICEBreaker(t, c.net)
			outSpikes := strings.Count(simulated(t, c), "\n") - 1
			for _, transport := range []uint8{wire.TransportUART, wire.TransportSPI} {
				check := emuPort(t, transport, nil, nil, nil)
				status, stdout, stderr := snnc(t, ".", "test", dir, "--port", "emu", "--steps", strconv.Itoa(c.steps), "--input", c.input, "-q")
				want := fmt.Sprintf("PASS: %s on emu: %d steps, ", dir, c.steps)
				if status != 0 || !strings.HasPrefix(stdout, want) || !strings.HasSuffix(stdout, fmt.Sprintf(", %d output spikes, identical to loihi-sim\n", outSpikes)) || stderr != "" {
					t.Errorf("transport %d, --input: status %d, stdout %q (want %q...), stderr %q", transport, status, stdout, want, stderr)
				}
				status, stdout, stderr = snnc(t, ".", "test", dir, "--port", "emu", "--seed", "5", "--rate", "0.4")
				want = fmt.Sprintf("PASS: %s on emu: 100 steps, ", dir)
				if status != 0 || !strings.HasPrefix(stdout, want) || !strings.Contains(stdout, " input spikes from a random stimulus (--seed 5 --rate 0.4), ") || !strings.Contains(stderr, "snnc: ran 100 steps") {
					t.Errorf("transport %d, random: status %d, stdout %q (want %q...), stderr %q", transport, status, stdout, want, stderr)
				}
				check()
			}
		})
	}
}

// A board that answers one step with a wrong spike fails snnc test with
// exit status 1, and the report names that step and neuron and lists the
// step's spikes on both sides.
func TestHILWrongBoard(t *testing.T) {
	recurrent, err := filepath.Abs("../../examples/recurrent")
	if err != nil {
		t.Fatal(err)
	}
	dir := compileICEBreaker(t, filepath.Join(recurrent, "net.yaml"))
	im := readImage(t, dir)
	net, err := compiler.ParseFile(filepath.Join(dir, networkFile))
	if err != nil {
		t.Fatal(err)
	}
	const step = 37
	slot := 5
	name := neuronName(net, im.NeuronOf[slot])
	for _, transport := range []uint8{wire.TransportUART, wire.TransportSPI} {
		check := emuPort(t, transport, nil, nil, func(end driver.Transport) driver.Transport {
			return &wrongSpike{Transport: end, step: step, slot: slot, neurons: im.NeuronCount, spi: transport == wire.TransportSPI}
		})
		status, stdout, stderr := snnc(t, ".", "test", dir, "--port", "emu", "--steps", "60", "--seed", "3", "--rate", "0.5", "-q")
		lines := strings.Split(stdout, "\n")
		first := regexp.MustCompile(fmt.Sprintf(`^first difference: step %d, neuron %s: (loihi-sim spikes, the board does not|the board spikes, loihi-sim does not)$`, step, regexp.QuoteMeta(name)))
		if status != 1 || len(lines) != 5 || lines[0] != fmt.Sprintf("FAIL: %s on emu: 1 of 60 steps differ from loihi-sim, by 1 spike in all; input spikes from a random stimulus (--seed 3 --rate 0.5)", dir) ||
			!first.MatchString(lines[1]) || !strings.HasPrefix(lines[2], "  loihi-sim: ") || !strings.HasPrefix(lines[3], "  board:     ") {
			t.Errorf("transport %d: status %d, stdout:\n%s", transport, status, stdout)
		}
		// The neuron is on one side only (the lists may be cut short).
		ref, board := strings.Fields(lines[2]), strings.Fields(lines[3])
		if slices.Contains(ref, name) == slices.Contains(board, name) {
			t.Errorf("transport %d: %s on both sides or neither:\n%s", transport, name, stdout)
		}
		wantErr := fmt.Sprintf("snnc: hardware-in-the-loop test failed: %s on emu differs from loihi-sim at step %d, neuron %s (1 of 60 steps differ)\n", dir, step, name)
		if stderr != wantErr {
			t.Errorf("transport %d: stderr %q, want %q", transport, stderr, wantErr)
		}
		check()
	}
}

func readImage(t *testing.T, dir string) *fpga.Image {
	t.Helper()
	f, err := os.Open(filepath.Join(dir, memDir, configFile))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	im, err := fpga.ReadBinary(f)
	if err != nil {
		t.Fatal(err)
	}
	return im
}

// wrongSpike plays a board with a fault in one step's output: at step it
// adds slot to the spikes it reports, or drops it if it is there, and
// reports the count to match, so the link sees well-formed frames that
// are simply wrong. It decodes every board frame and sends it again,
// numbered in order.
type wrongSpike struct {
	driver.Transport
	step    uint32
	slot    int
	neurons int
	spi     bool
	dec     wire.Decoder
	seq     uint8
	held    []wire.Body
}

func (w *wrongSpike) Write(p []byte) (int, error) {
	for _, f := range w.dec.Feed(p) {
		switch b := f.Body.(type) {
		case *wire.OutputAER, *wire.OutputBitmap:
			w.held = append(w.held, b)
			continue
		case *wire.StepDone:
			if b.Step == w.step {
				var slots []int
				for _, h := range w.held {
					slots, _ = wire.AppendSpikes(slots, h, 0)
				}
				if i := indexOf(slots, w.slot); i >= 0 {
					slots = append(slots[:i], slots[i+1:]...)
				} else {
					slots = append(slots, w.slot)
				}
				var err error
				if w.held, err = wire.OutputFrames(slots, w.neurons, w.spi); err != nil {
					return 0, err
				}
				b.Spikes = uint32(len(slots))
			}
			for _, h := range w.held {
				if err := w.send(h); err != nil {
					return 0, err
				}
			}
			w.held = nil
		}
		if err := w.send(f.Body); err != nil {
			return 0, err
		}
	}
	return len(p), nil
}

func (w *wrongSpike) send(b wire.Body) error {
	p, err := wire.Encode(wire.Frame{Seq: w.seq, Body: b})
	if err != nil {
		return err
	}
	w.seq++
	_, err = w.Transport.Write(p)
	return err
}

func indexOf(s []int, v int) int {
	for i, x := range s {
		if x == v {
			return i
		}
	}
	return -1
}

// The command line of snnc test: one line, exit status 2.
func TestHILErrors(t *testing.T) {
	hello, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	dir := compileICEBreaker(t, filepath.Join(hello, "net.yaml"))
	in := filepath.Join(hello, "input.csv")
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"test", dir, "--input", in, "--seed", "3"}, "snnc test: --seed shapes the random stimulus and does not apply with --input (see 'snnc test --help')\n"},
		{[]string{"test", dir, "--rate", "1.5"}, "snnc test: --rate 1.5 is out of range (allowed: 0..1, the probability that an input neuron spikes at a step) (see 'snnc test --help')\n"},
		{[]string{"test", dir, "--steps", "-3"}, "snnc test: --steps -3 is out of range (allowed: 0..2147483647) (see 'snnc test --help')\n"},
		{[]string{"test", dir, "--port", ""}, "snnc test: --port is required (allowed: a serial port such as /dev/ttyUSB1, auto, spi:/dev/spidev0.0, vboard or vboard-spi; snnc boards lists ports) (see 'snnc test --help')\n"},
		{[]string{"test"}, "snnc test: missing the build directory (written by snnc compile NET --target fpga -o DIR) (see 'snnc test --help')\n"},
	}
	for _, tc := range tests {
		status, stdout, stderr := snnc(t, ".", tc.args...)
		if status != 2 || stdout != "" || stderr != tc.want {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want 2 and %q", tc.args, status, stdout, stderr, tc.want)
		}
	}
}

// On the virtual board: snnc test passes for every example and random
// network over the UART and SPI; and it fails, with exit status 1, for a
// DIR whose network.yaml is not the network its configuration computes —
// the mistake snnc test exists to catch, made here by editing one
// threshold of network.yaml and listing the edited file in the manifest as
// a compiler would that wrote a wrong image.
func TestHILVirtualBoard(t *testing.T) {
	edatest.Require(t, "verilator")
	for _, c := range runCases(t, testing.Short()) {
		t.Run(c.name, func(t *testing.T) {
			dir := compileICEBreaker(t, c.net)
			for _, port := range []string{portVboard, portVboardSPI} {
				status, stdout, stderr := snnc(t, ".", "test", dir, "--port", port, "--steps", strconv.Itoa(c.steps), "--input", c.input)
				if status != 0 || !strings.HasPrefix(stdout, "PASS: ") {
					t.Errorf("%s: status %d, stdout %q, stderr %s", port, status, stdout, stderr)
				}
			}
		})
	}
	t.Run("altered", func(t *testing.T) {
		recurrent, err := filepath.Abs("../../examples/recurrent")
		if err != nil {
			t.Fatal(err)
		}
		dir := compileICEBreaker(t, filepath.Join(recurrent, "net.yaml"))
		yaml := read(t, filepath.Join(dir, networkFile))
		edited := strings.Replace(yaml, "vth: 120,", "vth: 100,", 1)
		if edited == yaml {
			t.Fatal("examples/recurrent/net.yaml has no \"vth: 120,\" to edit")
		}
		write(t, dir, networkFile, edited)
		rewriteManifest(t, dir)
		status, stdout, stderr := snnc(t, ".", "test", dir, "--steps", "200", "--input", filepath.Join(recurrent, "input.csv"), "-q")
		if status != 1 || !strings.HasPrefix(stdout, "FAIL: "+dir+" on the virtual icebreaker") || !strings.Contains(stdout, "\nfirst difference: step ") ||
			!strings.HasPrefix(stderr, "snnc: hardware-in-the-loop test failed: ") {
			t.Errorf("status %d, stdout %q, stderr %q", status, stdout, stderr)
		}
	})
}
