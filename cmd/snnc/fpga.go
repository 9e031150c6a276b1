package main

// snnc compile --target fpga: the network through the compiler's passes
// with the board's core as the target, its configuration image, the RTL
// of the board's top level, and the bitstream from the open iCE40 flow
// (or the cache). The work is in backend/fpga and backend/fpga/build;
// this file holds the flags, the progress display and the order of things.

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/ir"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

// fpgaTarget is the --target name that selects the FPGA backend rather
// than a loihisim profile.
const fpgaTarget = "fpga"

// defaultBoard is the board of --target fpga without --board: the first
// board snnc supports and the one most users have.
const defaultBoard = "icebreaker"

// fpgaFlags are the flags of compile --target fpga.
type fpgaFlags struct {
	board, boardFile string
	seed             int
	rebuild          bool
	noBitstream      bool
	quiet            bool
}

func (ff *fpgaFlags) add(cmd *cobra.Command) {
	f := cmd.Flags()
	f.StringVar(&ff.board, "board", defaultBoard, "with --target fpga: the board ("+strings.Join(fpga.Boards(), ", ")+")")
	f.StringVar(&ff.boardFile, "board-file", "", "with --target fpga: the board described by this file (docs/boards.md)")
	f.IntVar(&ff.seed, "seed", 1, "with --target fpga: nextpnr's placement seed")
	f.BoolVar(&ff.rebuild, "rebuild", false, "with --target fpga: run the flow even when the cache holds the bitstream")
	f.BoolVar(&ff.noBitstream, "no-bitstream", false, "with --target fpga: write the RTL and the images only, run no synthesis")
	f.BoolVarP(&ff.quiet, "quiet", "q", false, "with --target fpga: no spinner; one line per finished step")
}

// fpgaOnly are the flags that mean something with --target fpga only.
var fpgaOnly = []string{"board", "board-file", "seed", "rebuild", "no-bitstream", "quiet"}

// check rejects the FPGA flags without --target fpga, and the other
// targets' flags with it.
func (ff *fpgaFlags) check(cmd *cobra.Command, fpgaChosen bool, tf targetFlags) error {
	if !fpgaChosen {
		for _, name := range fpgaOnly {
			if cmd.Flags().Changed(name) {
				return usagef("--%s needs --target fpga", name)
			}
		}
		return nil
	}
	switch {
	case tf.file != "":
		return usagef("--target fpga and --target-file both given (allowed: one of them)")
	case cmd.Flags().Changed("board") && ff.boardFile != "":
		return usagef("--board and --board-file both given (allowed: one of them)")
	case ff.seed < 0:
		return usagef("--seed %d is out of range (allowed: 0..%d)", ff.seed, int(^uint32(0)>>1))
	}
	for _, name := range []string{"emit", "partition", "place"} {
		if cmd.Flags().Changed(name) {
			return usagef("--%s does not apply to --target fpga (the core is one core; the files are in -o DIR)", name)
		}
	}
	return nil
}

// loadBoard returns the board the flags name.
func (ff *fpgaFlags) loadBoard() (*fpga.Board, error) {
	if ff.boardFile != "" {
		return fpga.LoadBoardFile(ff.boardFile)
	}
	return fpga.LoadBoard(ff.board)
}

// Files and directories compile --target fpga writes in the output
// directory; stale ones from an earlier run are removed first, so that a
// snnc.bin in DIR is always the one this run reports.
const (
	rtlDir        = "rtl"
	memDir        = "mem"
	configFile    = "config.bin"
	fpgaReportTxt = "report.txt"
	fpgaReportJS  = "report.json"
	weightChanges = "weight-changes.csv"
)

var fpgaOutputs = []string{rtlDir, memDir, build.LogDir, build.AscFile, build.BinFile, "snnc.json",
	fpgaReportTxt, fpgaReportJS, weightChanges, build.ManifestFile}

func compileFPGA(cmd *cobra.Command, path, outDir string, opt compiler.Options, ff fpgaFlags, timePasses bool) error {
	stderr := cmd.ErrOrStderr()
	board, err := ff.loadBoard()
	if err != nil {
		return err
	}
	src, err := build.Emit(board)
	if err != nil {
		return &userError{fmt.Sprintf("board %s (%s): %v", board.Name, board.Source, err)}
	}
	opt.Target = board.Core.Target()
	if err := opt.Check(); err != nil {
		return usagef("%v", err)
	}
	net, err := compiler.ParseFile(path)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	for _, name := range fpgaOutputs {
		if err := os.RemoveAll(filepath.Join(outDir, name)); err != nil {
			return err
		}
	}

	// The compiler's passes with the core as the target: delays beyond the
	// core's D become relay chains; then the configuration image.
	wc, err := os.Create(filepath.Join(outDir, weightChanges))
	if err != nil {
		return err
	}
	defer wc.Close()
	changes := bufio.NewWriterSize(wc, 1<<20)
	opt.WeightChanges = changes
	slots, synapses := net.Neurons(), net.Synapses() // before relays
	res, err := compiler.Compile(net, opt)
	if err != nil {
		return fitError(path, board, slots, synapses, err)
	}
	if err := changes.Flush(); err != nil {
		return err
	}
	if err := wc.Close(); err != nil {
		return err
	}
	if timePasses {
		res.Report.WriteTimes(stderr)
	}
	im, err := fpga.Build(res.Net, board.Core)
	if err != nil {
		return fmt.Errorf("%s: board %s: %w", path, board.Name, err)
	}
	if err := src.WriteDir(filepath.Join(outDir, rtlDir)); err != nil {
		return err
	}
	if err := im.WriteHex(filepath.Join(outDir, memDir)); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(outDir, memDir, configFile), im.WriteBinary); err != nil {
		return err
	}

	report := build.NewReport(board, src.Clock, im, res.Report, maxDelay(res.Net))
	var tools []build.ToolVersion
	var flowErr error // a missed clock: reported after every file is written
	switch {
	case ff.noBitstream:
		report.Skipped = "--no-bitstream"
	default:
		ctx := context.Background()
		var missing *build.MissingToolsError
		tools, err = build.FindTools(ctx)
		if errors.As(err, &missing) {
			report.Skipped = "tools missing: " + err.Error()
			tools = nil
			fmt.Fprintf(stderr, "snnc: warning: no bitstream: %v; the RTL and the memory images are written (apt-get install -y %s brings the rest)\n",
				err, strings.Join(missing.Packages(), " "))
			break
		}
		if err != nil {
			return err
		}
		progress := newFlowProgress(stderr, ff.quiet)
		flow, err := build.Run(ctx, src, outDir, tools, build.Options{Seed: ff.seed, Rebuild: ff.rebuild, Progress: progress})
		var timing *build.TimingError
		if err != nil && !errors.As(err, &timing) {
			var step *build.StepError
			if errors.As(err, &step) {
				fmt.Fprintf(stderr, "snnc: %s failed; the end of %s:\n%s\n", step.Tool, step.Log, step.Tail)
				return fmt.Errorf("%s failed (%v): cd %s && %s (log %s)", step.Tool, step.Err, step.Dir, step.Command, step.Log)
			}
			return err
		}
		flowErr = err
		report.Bitstream = flow
		for _, w := range flow.Warnings {
			fmt.Fprintf(stderr, "snnc: warning: %s\n", w)
		}
		if flow.CacheHit {
			fmt.Fprintf(stderr, "snnc: bitstream from the cache (key %s…; --rebuild runs the flow again)\n", flow.Key[:16])
		}
	}

	if err := writeFile(filepath.Join(outDir, fpgaReportTxt), report.WriteText); err != nil {
		return err
	}
	if err := writeFile(filepath.Join(outDir, fpgaReportJS), report.WriteJSON); err != nil {
		return err
	}
	sum, err := build.HashFile(path)
	if err != nil {
		return err
	}
	man := build.Manifest{Snnc: version, Input: path, InputSHA256: sum, Board: board.Name, BoardSource: board.Source,
		Parameters: board.Core.Verilog(), CoreMHz: board.CoreMHz, Seed: ff.seed, Tools: tools}
	if err := build.WriteManifest(outDir, man, fpgaOutputs); err != nil {
		return err
	}

	fmt.Fprintf(stderr, "snnc: compiled %s for %s: %d of %d slots, %d of %d synapses, %d relay neurons; ",
		path, board.Name, im.SlotCount, board.Core.Slots(), im.Stats.Synapses, board.Core.Synapses(), res.Report.Mapping.RelayNeurons)
	if b := report.Bitstream; b != nil {
		lc := ""
		for _, r := range b.Resources {
			if r.Cell == "ICESTORM_LC" {
				lc = fmt.Sprintf(", %d of %d logic cells", r.Used, r.Available)
			}
		}
		fmt.Fprintf(stderr, "bitstream %s (%.2f MHz for a %g MHz clock%s); ", filepath.Join(outDir, build.BinFile), b.FmaxMHz, b.TargetMHz, lc)
	} else {
		fmt.Fprintf(stderr, "no bitstream; ")
	}
	fmt.Fprintf(stderr, "wrote %s\n", outDir)
	return flowErr
}

// fitError rewrites the mapper's "needs N cores" for the one-core FPGA
// target as the figure that does not fit and the board's limit; a network
// that fits both before relays are added keeps the mapper's message.
func fitError(path string, b *fpga.Board, slots int, synapses int64, err error) error {
	var me *compiler.MapError
	if !errors.As(err, &me) {
		return err
	}
	c := b.Core
	var over []string
	if slots > c.Slots() {
		over = append(over, fmt.Sprintf("%d slots (neurons and input axons), the core holds %d (SLOT_BITS=%d)", slots, c.Slots(), c.SlotBits))
	}
	if synapses > int64(c.Synapses()) {
		over = append(over, fmt.Sprintf("%d synapses, the core holds %d (SYN_WORDS=%d, two a word)", synapses, c.Synapses(), c.SynWords))
	}
	if len(over) == 0 {
		return &userError{fmt.Sprintf("%s: board %s: the network does not fit the FPGA core: %v", path, b.Name, me)}
	}
	return &userError{fmt.Sprintf("%s: board %s: the network does not fit the FPGA core: %s", path, b.Name, strings.Join(over, "; "))}
}

// maxDelay is the longest delay of the network as compiled (relays make
// every delay at most the core's).
func maxDelay(net *ir.Network) int {
	m := 0
	for i := range net.Projections {
		for _, d := range net.Projections[i].Syn.Delay {
			m = max(m, int(d))
		}
	}
	return m
}

// flowProgress shows the flow's steps on standard error: a spinner with
// the elapsed time on a terminal, else (or with -q) one line per finished
// step.
type flowProgress struct {
	w       io.Writer
	spinner bool
	bar     *progressbar.ProgressBar
	stop    chan struct{}
	done    chan struct{}
}

func newFlowProgress(stderr io.Writer, quiet bool) *flowProgress {
	p := &flowProgress{w: stderr}
	if f, ok := stderr.(*os.File); ok && !quiet && term.IsTerminal(int(f.Fd())) {
		p.spinner = true
	}
	return p
}

// stepDoc says what each tool does, for the progress line.
var stepDoc = map[string]string{
	"yosys":         "synthesis (yosys)",
	"nextpnr-ice40": "place and route (nextpnr-ice40)",
	"icepack":       "bitstream (icepack)",
	"icetime":       "timing analysis (icetime)",
}

func (p *flowProgress) Begin(step string) {
	if !p.spinner {
		return
	}
	p.bar = progressbar.NewOptions(-1,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription(stepDoc[step]),
		progressbar.OptionSpinnerType(14),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionClearOnFinish(),
	)
	p.stop, p.done = make(chan struct{}), make(chan struct{})
	go func(bar *progressbar.ProgressBar, stop, done chan struct{}) {
		defer close(done)
		t := time.NewTicker(100 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				bar.Add(1)
			}
		}
	}(p.bar, p.stop, p.done)
}

func (p *flowProgress) End(step string, elapsed time.Duration, err error) {
	if p.bar != nil {
		close(p.stop)
		<-p.done
		p.bar.Finish()
		p.bar = nil
	}
	verdict := "done"
	if err != nil {
		verdict = "failed"
	}
	fmt.Fprintf(p.w, "snnc: %s %s in %s\n", stepDoc[step], verdict, elapsed.Round(100*time.Millisecond))
}
