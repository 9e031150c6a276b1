package main

// snnc run DIR: the network that snnc compile --target fpga put in DIR,
// on a board over the link (docs/protocol.md) through driver.Session:
// identify the board and check it runs DIR's bitstream, load DIR's
// configuration with read-back, stream the input spikes with a window of
// steps in flight, and write the output spikes exactly as snnc simulate
// writes them. The board may be a real one (a serial port, an SPI port,
// --port auto) or the virtual board of DIR's board, started here and
// stopped at the end (--port vboard, vboard-spi). snnc test
// (hiltest.go) shares everything but what happens to each step's spikes.
// docs/running.md describes both.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/driver"
	"github.com/snnc/snnc/driver/wire"
	"github.com/snnc/snnc/ir"
	"github.com/snnc/snnc/spikes"
	"github.com/snnc/snnc/testbench/vboard"
	"github.com/spf13/cobra"
)

// Port names that are not devices.
const (
	portVboard    = "vboard"     // the virtual board of DIR's board, UART link
	portVboardSPI = "vboard-spi" // the same with the SPI link
	portAuto      = "auto"       // the board's USB serial port, found by VID:PID
)

type runFlags struct {
	port   string
	baud   int
	input  string
	steps  int
	output string
	quiet  bool
}

func newRunCommand() *cobra.Command {
	var fl runFlags
	cmd := &cobra.Command{
		Use:   "run DIR --port PORT --steps N [--input IN.csv] [--output OUT.csv]",
		Short: "Run a compiled network on an FPGA board or the virtual board",
		Long: `run takes DIR, written by
  snnc compile NET --target fpga --board B -o DIR
to a board over its link: it identifies the board and checks that it runs
DIR's bitstream (core parameters and build hash), loads DIR's configuration
and verifies it by reading it back, streams the input spikes of --input
(none without it) for N steps, numbered 0..N-1, and writes the output spikes
in exactly the format of snnc simulate --output: the same header and order,
so the two files compare byte for byte. Without --output the spikes go to
standard output. A progress bar (on a terminal, for runs longer than a
second) and a summary (spikes, link bytes, wall time, steps per second) go
to standard error.

PORT is
  /dev/ttyUSB1, COM3, ...  the board's serial port (the iCEBreaker's UART is
                           the FT2232H's second port, usually /dev/ttyUSB1)
  auto                     the serial port of DIR's board, found by its USB
                           VID:PID (snnc boards lists them)
  spi:/dev/spidev0.0       an SPI port, the board being the peripheral
  vboard                   the virtual board of DIR's board (its RTL in
                           Verilator behind a pseudo-terminal), started
                           for this run and stopped at the end
  vboard-spi               the same with the SPI link

A board that runs another bitstream is refused: snnc flash DIR first. The
virtual board runs slower than the board; its summary adds the simulated
cycles and board time, which predict the real board's. Exit status: 2 for
a mistake in the command, DIR or the input; 1 when the link or the board
fails.

On an iCEBreaker, the whole flow is
  snnc compile examples/recurrent/net.yaml --target fpga --board icebreaker -o build/recurrent
  snnc flash build/recurrent
  snnc run build/recurrent --port /dev/ttyUSB1 --steps 200 --input examples/recurrent/input.csv --output out.csv
and out.csv equals what snnc simulate --output writes for the same network
and input, byte for byte.`,
		Example: `  snnc compile examples/hello/net.yaml --target fpga --board icebreaker --no-bitstream -o build/hello
  snnc run build/hello --port vboard --steps 20 --input examples/hello/input.csv --output out.csv
  snnc run build/hello --port vboard-spi --steps 20 --input examples/hello/input.csv --quiet`,
		Args: oneBuildDir,
		RunE: func(cmd *cobra.Command, args []string) error {
			if !cmd.Flags().Changed("steps") {
				return usagef("--steps is required (allowed: 0..%d)", maxSteps)
			}
			if fl.steps < 0 || fl.steps > maxSteps {
				return usagef("--steps %d is out of range (allowed: 0..%d)", fl.steps, maxSteps)
			}
			if err := checkPortFlags(cmd, fl.port, fl.baud); err != nil {
				return err
			}
			return runOnBoard(cmd, args[0], fl)
		},
	}
	f := cmd.Flags()
	addPortFlags(cmd, &fl.port, &fl.baud)
	f.IntVarP(&fl.steps, "steps", "n", 0, "number of steps to run (required)")
	f.StringVarP(&fl.input, "input", "i", "", "input spikes, CSV step,population,index (as for snnc simulate)")
	f.StringVarP(&fl.output, "output", "o", "", "write output spikes here instead of standard output")
	f.BoolVarP(&fl.quiet, "quiet", "q", false, "no progress and no summary on standard error")
	return cmd
}

// addPortFlags adds --port and --baud, which run and test share.
func addPortFlags(cmd *cobra.Command, port *string, baud *int) {
	f := cmd.Flags()
	f.StringVarP(port, "port", "p", "", "the board's port: /dev/ttyUSB1, auto, spi:/dev/spidev0.0, vboard or vboard-spi")
	f.IntVar(baud, "baud", 0, "UART rate of a serial port (default: the rate DIR's bitstream was built for, uart_baud of its board file)")
}

// checkPortFlags rejects a missing port, and --baud where no UART rate
// can be chosen.
func checkPortFlags(cmd *cobra.Command, port string, baud int) error {
	if port == "" {
		return usagef("--port is required (allowed: a serial port such as /dev/ttyUSB1, auto, spi:/dev/spidev0.0, %s or %s; snnc boards lists ports)", portVboard, portVboardSPI)
	}
	if !cmd.Flags().Changed("baud") {
		return nil
	}
	switch {
	case baud <= 0:
		return usagef("--baud %d is out of range (allowed: a positive UART rate, such as %d)", baud, driver.DefaultBaud)
	case port == portVboard || port == portVboardSPI:
		return usagef("--baud does not apply to --port %s (the virtual board's UART runs at the rate of DIR's board file, uart_baud)", port)
	case strings.HasPrefix(port, driver.SPIPrefix):
		return usagef("--baud does not apply to an SPI port (%s)", port)
	}
	return nil
}

// oneBuildDir is the Args check of commands that take one build directory.
func oneBuildDir(_ *cobra.Command, args []string) error {
	switch len(args) {
	case 0:
		return usagef("missing the build directory (written by snnc compile NET --target fpga -o DIR)")
	case 1:
		return nil
	}
	return usagef("takes one build directory, got %d arguments: %s", len(args), strings.Join(args, " "))
}

func runOnBoard(cmd *cobra.Command, dir string, fl runFlags) error {
	stderr := cmd.ErrOrStderr()
	bd, err := openBuildDir(dir)
	if err != nil {
		return err
	}
	var input spikes.Train
	if fl.input != "" {
		if input, err = spikes.ReadInputFile(fl.input, bd.net); err != nil {
			return err
		}
	}
	// The output file before the board: a path that cannot be written
	// fails at once, not after the load.
	out, closeOut, err := create(fl.output, cmd.OutOrStdout())
	if err != nil {
		return err
	}
	defer closeOut()
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log := stderr
	if fl.quiet {
		log = io.Discard
	}
	link, err := connect(ctx, bd, fl.port, fl.baud, log)
	if err != nil {
		return err
	}
	defer link.close()

	w := spikes.NewWriter(out, bd.net)
	if err := w.WriteHeader(spikes.Header); err != nil {
		return err
	}
	var werr error
	st, err := link.stream(ctx, trainSteps(input, fl.steps), fl.steps, stderr, fl.quiet, func(t int, fired []int32) {
		if werr == nil {
			werr = w.WriteSpikes(t, fired)
		}
	})
	if ferr := w.Flush(); werr == nil {
		werr = ferr
	}
	if err != nil {
		return err
	}
	if werr != nil {
		return werr
	}
	vst, err := link.close()
	if err != nil {
		return err
	}
	if !fl.quiet {
		if n := input.Beyond(fl.steps); n > 0 {
			fmt.Fprintf(stderr, "snnc: warning: %d input spikes at steps >= %d were not sent (raise --steps)\n", n, fl.steps)
		}
		link.writeSummary(stderr, st, vst)
	}
	return nil
}

// trainSteps turns a spike train into the per-step inputs Session.Run
// takes, up to the last step with spikes (at most steps): one backing
// array, so a long quiet run costs nothing per step.
func trainSteps(tr spikes.Train, steps int) [][]int32 {
	n := 0
	for n < len(tr) && int(tr[n].Step) < steps {
		n++
	}
	if n == 0 {
		return nil
	}
	neurons := make([]int32, n)
	for i := range n {
		neurons[i] = tr[i].Neuron
	}
	in := make([][]int32, int(tr[n-1].Step)+1)
	for i := 0; i < n; {
		j := i
		for j < n && tr[j].Step == tr[i].Step {
			j++
		}
		in[tr[i].Step] = neurons[i:j:j]
		i = j
	}
	return in
}

// buildDir is what run and test read from a directory snnc compile
// --target fpga wrote.
type buildDir struct {
	dir       string
	man       build.Manifest
	buildHash string // manifest.json's build_hash: 16 hex digits, byte 0 first
	board     *fpga.Board
	im        *fpga.Image
	netPath   string
	net       *ir.Network // network.yaml as parsed: population names, input neurons
}

// openBuildDir reads DIR's manifest, configuration image and network and
// checks that they belong together: each file is the one the manifest
// lists (a file changed or copied in since snnc compile wrote it would
// make the board run one network and the output name another), and the
// image's slots hold the network's neurons.
func openBuildDir(dir string) (*buildDir, error) {
	m, err := readBuildManifest(dir)
	if err != nil {
		return nil, err
	}
	bd := &buildDir{dir: dir, man: m, netPath: filepath.Join(dir, networkFile)}
	if len(m.BuildHash) != 16 {
		return nil, &userError{fmt.Sprintf("%s: %s has no build_hash (written by snnc %s): compile again (snnc compile %s --target fpga --board %s -o %s)",
			dir, build.ManifestFile, m.Snnc, m.Input, m.Board, dir)}
	}
	if _, err := hex.DecodeString(m.BuildHash); err != nil {
		return nil, &userError{fmt.Sprintf("%s: build_hash %q in %s is not 16 hex digits", dir, m.BuildHash, build.ManifestFile)}
	}
	bd.buildHash = strings.ToLower(m.BuildHash)
	if bd.board, err = manifestBoard(dir, m, flashFlags{}); err != nil {
		return nil, err
	}
	configPath := filepath.Join(memDir, configFile)
	for _, rel := range append([]string{configPath, networkFile}, m.NetworkFiles...) {
		if err := checkListed(dir, m, rel); err != nil {
			return nil, err
		}
	}
	f, err := os.Open(filepath.Join(dir, configPath))
	if err != nil {
		return nil, err
	}
	bd.im, err = fpga.ReadBinary(f)
	f.Close()
	if err != nil {
		return nil, &userError{fmt.Sprintf("%s: %v", filepath.Join(dir, configPath), err)}
	}
	if bd.im.Core.SlotBits != bd.board.Core.SlotBits || bd.im.Core.DelayBits != bd.board.Core.DelayBits ||
		bd.im.Core.ProfileBits != bd.board.Core.ProfileBits || bd.im.Core.SynWords != bd.board.Core.SynWords {
		return nil, &userError{fmt.Sprintf("%s: the configuration is for core %s, board %s has %s: compile again", dir, coreText(bd.im.Core), bd.board.Name, coreText(bd.board.Core))}
	}
	if bd.net, err = compiler.ParseFile(bd.netPath); err != nil {
		return nil, err
	}
	if err := bd.checkSlots(); err != nil {
		return nil, err
	}
	return bd, nil
}

// checkListed checks that DIR/rel exists and is the file the manifest
// lists, by its sha256.
func checkListed(dir string, m build.Manifest, rel string) error {
	path := filepath.Join(dir, rel)
	i := slices.IndexFunc(m.Files, func(f build.FileEntry) bool { return f.Path == filepath.ToSlash(rel) })
	_, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist) && i < 0:
		return &userError{fmt.Sprintf("%s: no %s: not written by this snnc's compile --target fpga; compile again (snnc compile %s --target fpga --board %s -o %s)", dir, rel, m.Input, m.Board, dir)}
	case errors.Is(err, fs.ErrNotExist):
		return &userError{fmt.Sprintf("%s: %s is missing (listed in %s); compile again", dir, rel, build.ManifestFile)}
	case err != nil:
		return err
	case i < 0:
		return &userError{fmt.Sprintf("%s: %s is not listed in %s: snnc compile did not write it; compile again", dir, rel, build.ManifestFile)}
	}
	sum, err := build.HashFile(path)
	if err != nil {
		return err
	}
	if sum != m.Files[i].SHA256 {
		return &userError{fmt.Sprintf("%s changed after snnc compile wrote it (its sha256 is not the one in %s); compile again", path, build.ManifestFile)}
	}
	return nil
}

// checkSlots checks that the image has a slot for every neuron of the
// network, with the input neurons on external slots: a network.yaml and a
// config.bin of different compilations fail here rather than on the link.
func (bd *buildDir) checkSlots() error {
	im, net := bd.im, bd.net
	n := net.Neurons()
	if n > len(im.SlotOf) {
		return &userError{fmt.Sprintf("%s: %s has %d neurons, %s holds %d slots: they are not from one compilation; compile again",
			bd.dir, networkFile, n, filepath.Join(memDir, configFile), len(im.SlotOf))}
	}
	offs := net.Offsets()
	for k, p := range net.Populations {
		for g := offs[k]; g < offs[k+1]; g++ {
			external := int(im.SlotOf[g]) >= im.NeuronCount
			if external == (p.Model == ir.ModelInput) {
				continue
			}
			slot := "a LIF"
			if external {
				slot = "an input"
			}
			return &userError{fmt.Sprintf("%s: neuron %s[%d] of %s is %v but has %s slot in %s: they are not from one compilation; compile again",
				bd.dir, p.Name, g-offs[k], networkFile, p.Model, slot, filepath.Join(memDir, configFile))}
		}
	}
	return nil
}

// testPorts lets tests put a board of their own (driver/emuboard over a
// driver.Pipe) behind a port name. snnc itself leaves it empty: it is no
// port name or flag a user can reach.
var testPorts = map[string]func(board *fpga.Board) (driver.Transport, error){}

// boardLink is an open, identified and loaded board.
type boardLink struct {
	port    string
	label   string // the port as the summary names it
	bd      *buildDir
	t       *countingTransport
	s       *driver.Session
	virtual *vboard.Board // the virtual board started for this run, or nil
	closed  bool
	vstats  vboard.Stats
	loadSec float64
	config  byteCounts // link bytes of identify and load
}

// byteCounts are link bytes in each direction.
type byteCounts struct{ sent, received int64 }

// connect opens port, identifies the board, checks that it runs DIR's
// bitstream and loads DIR's configuration with read-back.
func connect(ctx context.Context, bd *buildDir, port string, baud int, log io.Writer) (_ *boardLink, err error) {
	if baud == 0 {
		baud = bd.board.UARTBaud
	}
	l := &boardLink{port: port, label: port, bd: bd}
	defer func() {
		if err != nil {
			l.close()
		}
	}()
	opt := driver.SessionOptions{}
	var t driver.Transport
	switch open, test := testPorts[port]; {
	case test:
		t, err = open(bd.board)
	case port == portVboard || port == portVboardSPI:
		link := vboard.LinkUART
		if port == portVboardSPI {
			link = vboard.LinkSPI
		}
		t, err = l.startVirtual(ctx, link, log)
		// The virtual board is about seven times slower than the board
		// and shares the machine's cores: give it time before a frame
		// counts as lost.
		opt.Timeout = 500 * time.Millisecond
	case port == portAuto:
		var path string
		if path, err = findPort(bd.board); err == nil {
			l.label = fmt.Sprintf("%s (%s)", path, portAuto)
			fmt.Fprintf(log, "snnc: the %s's port is %s\n", bd.board.Name, path)
			t, err = driver.Open(path, driver.Options{Baud: baud})
		}
	default:
		t, err = driver.Open(port, driver.Options{Baud: baud})
	}
	if err != nil {
		return nil, err
	}
	l.t = &countingTransport{Transport: t}
	// An interrupt closes the port, which ends whatever the session waits
	// for with an error; the caller then reports the interrupt.
	go func() {
		<-ctx.Done()
		l.t.Close()
	}()
	start := time.Now()
	l.s, err = driver.OpenSession(l.t, opt)
	if err != nil {
		return nil, l.linkError(ctx, "identifying the board", err)
	}
	if err := l.checkIdentity(); err != nil {
		return nil, err
	}
	who := "the board on " + l.label
	if l.virtual != nil {
		who = l.label
	}
	fmt.Fprintf(log, "snnc: %s: core %s, build %s; loading %s\n", who, coreText(l.s.Core), hex.EncodeToString(l.s.Identity.BuildHash[:]), filepath.Join(bd.dir, memDir, configFile))
	if err := l.s.Load(bd.im); err != nil {
		return nil, l.linkError(ctx, "loading the configuration", err)
	}
	l.loadSec = time.Since(start).Seconds()
	l.config = byteCounts{l.t.sent, l.t.received}
	return l, nil
}

// startVirtual builds (or finds in the cache) and starts the virtual
// board of DIR's board with the given link, and opens its port.
func (l *boardLink) startVirtual(ctx context.Context, link string, log io.Writer) (driver.Transport, error) {
	cfg, err := vboard.BoardConfig(l.bd.board, link)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "snnc: starting the virtual %s (%s link; its model is built on first use, in about a minute)\n", l.bd.board.Name, strings.ToUpper(link))
	bin, err := vboard.Build(cfg, os.Getenv("SNNC_VBOARD_CACHE"))
	if err != nil {
		return nil, err
	}
	l.virtual, err = bin.StartWith(ctx, vboard.Options{})
	if err != nil {
		return nil, err
	}
	l.label = fmt.Sprintf("the virtual %s (%s)", l.bd.board.Name, l.virtual.Path())
	return l.virtual.OpenTransport(driver.Options{})
}

// findPort is --port auto: the one serial port on the UART interface of a
// USB device with one of the board's VID:PIDs.
func findPort(b *fpga.Board) (string, error) {
	var found []string
	for _, vidpid := range b.USB {
		ports, err := usbSysfs.Find(vidpid, b.UARTInterface)
		if err != nil {
			return "", err
		}
		for _, p := range ports {
			found = append(found, p.Path)
		}
	}
	switch len(found) {
	case 0:
		return "", &userError{fmt.Sprintf("--port auto: no %s connected (no USB serial port of %s on interface %d); plug it in, or name the port (snnc boards lists ports)",
			b.Name, strings.Join(b.USB, ", "), b.UARTInterface)}
	case 1:
		return found[0], nil
	}
	return "", &userError{fmt.Sprintf("--port auto: %d %s boards are connected (%s); name the port", len(found), b.Name, strings.Join(found, ", "))}
}

// checkIdentity refuses a board whose core or bitstream is not DIR's: the
// configuration would load (or not) into a core that computes something
// else.
func (l *boardLink) checkIdentity() error {
	bd, s := l.bd, l.s
	c := bd.im.Core
	if s.Core.SlotBits != c.SlotBits || s.Core.DelayBits != c.DelayBits || s.Core.ProfileBits != c.ProfileBits || s.Core.SynWords != c.SynWords {
		return l.notDIRs("core "+coreText(s.Core), "core "+coreText(c))
	}
	want, err := bd.expectedHash(s.Identity.Transport)
	if err != nil {
		return err
	}
	if got := hex.EncodeToString(s.Identity.BuildHash[:]); got != want {
		return l.notDIRs("build hash "+got, "build hash "+want)
	}
	return nil
}

// coreText names a core by the parameters identity reports: USE_SPRAM,
// which does not change what the core computes, is left out.
func coreText(c fpga.CoreParams) string {
	var p []string
	for _, v := range c.Verilog() {
		if !strings.HasPrefix(v, "USE_SPRAM=") {
			p = append(p, v)
		}
	}
	return strings.Join(p, " ")
}

// notDIRs is the error for a board that runs another bitstream than
// DIR's: it has what, DIR wants want.
func (l *boardLink) notDIRs(what, want string) error {
	bd := l.bd
	if l.virtual != nil {
		return &userError{fmt.Sprintf("the virtual %s has %s, %s was built with %s, another version of the RTL: compile it again (snnc compile %s --target fpga --board %s -o %s)",
			bd.board.Name, what, bd.dir, want, bd.man.Input, bd.board.Name, bd.dir)}
	}
	return &userError{fmt.Sprintf("the board on %s has %s, %s was built for %s with %s: flash it first (snnc flash %s)",
		l.label, what, bd.dir, bd.board.Name, want, bd.dir)}
}

// expectedHash is the build hash of DIR's bitstream for the link the board
// speaks (identity's transport). The manifest holds the hash of the UART
// bitstream snnc compile builds; the SPI variant's differs only by its
// link, so it is computed here, which is valid when this snnc's RTL is
// DIR's (its UART hash is the manifest's).
func (bd *buildDir) expectedHash(transport uint8) (string, error) {
	if transport == wire.TransportUART {
		return bd.buildHash, nil
	}
	if transport != wire.TransportSPI {
		return "", fmt.Errorf("the board reports link transport %d (allowed: %d UART, %d SPI)", transport, wire.TransportUART, wire.TransportSPI)
	}
	uart, err := build.BuildHash(bd.board, vboard.LinkUART)
	if err != nil {
		return "", err
	}
	if hex.EncodeToString(uart[:]) != bd.buildHash {
		return "", &userError{fmt.Sprintf("%s was built with build hash %s, another version of the RTL than this snnc's (%s): compile it again to check an SPI board against it (snnc compile %s --target fpga --board %s -o %s)",
			bd.dir, bd.buildHash, hex.EncodeToString(uart[:]), bd.man.Input, bd.board.Name, bd.dir)}
	}
	spi, err := build.BuildHash(bd.board, vboard.LinkSPI)
	if err != nil {
		return "", err
	}
	return hex.EncodeToString(spi[:]), nil
}

// linkError words an error of the session: an interrupt as one, a board
// that does not answer with what to check.
func (l *boardLink) linkError(ctx context.Context, doing string, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("interrupted while %s on %s", doing, l.label)
	}
	var ue interface{ UserError() }
	if errors.As(err, &ue) {
		return err
	}
	msg := strings.TrimPrefix(err.Error(), "driver: ")
	if strings.Contains(msg, "did not answer") && l.virtual == nil {
		return fmt.Errorf("%s on %s: %s; is the board flashed (snnc flash %s) and is %s its UART (snnc boards)?", doing, l.label, msg, l.bd.dir, l.port)
	}
	return fmt.Errorf("%s on %s: %s", doing, l.label, msg)
}

// runStats sum what the board reported in step-done.
type runStats struct {
	steps                  int
	inputSpikes, outSpikes int64
	cycles, events         uint64
	status                 uint8 // every step's status bits, or'ed
	wall                   time.Duration
	run                    byteCounts
	perPopulation          []int64 // output spikes per population
	described              int     // the network's neurons; relays come after them
	relaySpikes            int64
}

// stream runs steps on the loaded board with inputs (global indices of
// input neurons, per step) and calls onStep with each step's spikes of
// the network's neurons (relays the compiler added are left out, as snnc
// simulate leaves them out), in step order. It shows a progress bar on a
// terminal unless quiet.
func (l *boardLink) stream(ctx context.Context, inputs [][]int32, steps int, stderr io.Writer, quiet bool, onStep func(t int, fired []int32)) (runStats, error) {
	net := l.bd.net
	st := runStats{perPopulation: make([]int64, len(net.Populations)), described: net.Neurons()}
	for _, in := range inputs {
		st.inputSpikes += int64(len(in))
	}
	popOf := make([]int32, st.described)
	offs := net.Offsets()
	for k := range net.Populations {
		for g := offs[k]; g < offs[k+1]; g++ {
			popOf[g] = int32(k)
		}
	}
	bar := newProgress(stderr, steps, quiet)
	if bar != nil {
		bar.Describe("running on " + l.port)
	}
	before := byteCounts{l.t.sent, l.t.received}
	start := time.Now()
	err := l.s.Run(inputs, steps, func(t int, fired []int32, ss driver.StepStats) {
		st.steps = t + 1
		st.cycles += uint64(ss.Cycles)
		st.events += uint64(ss.Events)
		st.status |= ss.Status
		n := len(fired)
		for n > 0 && int(fired[n-1]) >= st.described {
			n-- // relays
		}
		st.relaySpikes += int64(len(fired) - n)
		fired = fired[:n]
		for _, g := range fired {
			st.perPopulation[popOf[g]]++
		}
		st.outSpikes += int64(n)
		onStep(t, fired)
		if bar != nil && t%64 == 63 {
			bar.Set(t + 1)
		}
	})
	st.wall = time.Since(start)
	st.run = byteCounts{l.t.sent - before.sent, l.t.received - before.received}
	if bar != nil {
		bar.Finish()
	}
	if err != nil {
		return st, l.linkError(ctx, fmt.Sprintf("running step %d of %d", st.steps, steps), err)
	}
	if st.status != 0 {
		// The session sent only inputs of input slots and wrote no
		// configuration while the core ran: a status bit is a fault.
		return st, fmt.Errorf("the board on %s reports status %#x after the run (bit 0 bad_input, bit 1 cfg_while_busy): its core saw an input or a write it refused", l.label, st.status)
	}
	return st, nil
}

// close ends the session and stops the virtual board, whose counters it
// returns (zero for a real board). It may be called again.
func (l *boardLink) close() (vboard.Stats, error) {
	if l.closed {
		return l.vstats, nil
	}
	l.closed = true
	if l.t != nil {
		l.t.Close()
	}
	if l.virtual != nil {
		if err := l.virtual.Close(); err != nil {
			return vboard.Stats{}, err
		}
		l.vstats = l.virtual.Stats()
	}
	return l.vstats, nil
}

// writeSummary tells what went over the link and how fast.
func (l *boardLink) writeSummary(w io.Writer, st runStats, vst vboard.Stats) {
	sec := st.wall.Seconds()
	rate := 0.0
	if sec > 0 {
		rate = float64(st.steps) / sec
	}
	fmt.Fprintf(w, "snnc: ran %d steps of %s on %s in %s (%.0f steps/s)\n", st.steps, l.bd.dir, l.label, st.wall.Round(time.Millisecond), rate)
	fmt.Fprintf(w, "spikes: %d in, %d out", st.inputSpikes, st.outSpikes)
	var pops []string
	for k, p := range l.bd.net.Populations {
		if p.Model != ir.ModelInput {
			pops = append(pops, fmt.Sprintf("%s %d", p.Name, st.perPopulation[k]))
		}
	}
	if len(pops) > 0 {
		fmt.Fprintf(w, " (%s)", strings.Join(pops, ", "))
	}
	if st.relaySpikes > 0 {
		fmt.Fprintf(w, "; relay neurons %d", st.relaySpikes)
	}
	fmt.Fprintf(w, "; synaptic events %d; core cycles in steps %d\n", st.events, st.cycles)
	fmt.Fprintf(w, "link: load %d bytes to the board, %d from it in %.2f s (configuration verified); run %d bytes to the board, %d from it\n",
		l.config.sent, l.config.received, l.loadSec, st.run.sent, st.run.received)
	if l.virtual != nil {
		hz := float64(vst.Cycles) / max(vst.SimulatedSeconds, 1e-12)
		fmt.Fprintf(w, "virtual board: %d cycles simulated, %.4f s of board time at %.0f MHz (load and run), in %.1f s\n",
			vst.Cycles, vst.SimulatedSeconds, hz/1e6, vst.WallSeconds)
		fmt.Fprintf(w, "on a real %s: snnc flash %s, then the same snnc run with --port /dev/ttyUSB1 (or --port auto; snnc boards lists the ports)\n",
			l.bd.board.Name, l.bd.dir)
	}
}

// countingTransport counts the bytes a session moves, for the summary.
type countingTransport struct {
	driver.Transport
	sent, received int64
}

func (c *countingTransport) Read(p []byte) (int, error) {
	n, err := c.Transport.Read(p)
	c.received += int64(n)
	return n, err
}

func (c *countingTransport) Write(p []byte) (int, error) {
	n, err := c.Transport.Write(p)
	c.sent += int64(n)
	return n, err
}

// Flush passes a session's flush on to a transport that can.
func (c *countingTransport) Flush() error {
	if f, ok := c.Transport.(driver.Flusher); ok {
		return f.Flush()
	}
	return nil
}
