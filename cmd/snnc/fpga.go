package main

// snnc compile --target fpga: the network through the compiler's passes
// with the board's core as the target, its configuration image, the RTL
// of the board's top level, and the bitstream from the open iCE40 flow
// (or the cache). The work is in backend/fpga and backend/fpga/build;
// this file holds the flags, the progress display and the order of things.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/internal/bufferedfile"
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

// loadBoard returns the board the flags name. An unknown --board and a
// --board-file that cannot be read are usage errors; a mistake inside a
// board file is reported at its FILE:LINE:COL.
func (ff *fpgaFlags) loadBoard() (*fpga.Board, error) {
	if ff.boardFile != "" {
		b, err := fpga.LoadBoardFile(ff.boardFile)
		var be *fpga.BoardError
		if errors.As(err, &be) && be.Pos.Line == 0 && strings.HasPrefix(be.Msg, "cannot read the board file") {
			return nil, usagef("--board-file: %v", err)
		}
		return b, err
	}
	b, err := fpga.LoadBoard(ff.board)
	var be *fpga.BoardError
	if errors.As(err, &be) && be.Pos.File == "" {
		return nil, usagef("--board: %v", err)
	}
	return b, err
}

// boardLabel names the board in messages: its name, and the file it came
// from when that is the user's (--board-file).
func (ff *fpgaFlags) boardLabel(b *fpga.Board) string {
	if ff.boardFile != "" {
		return fmt.Sprintf("%s (from %s)", b.Name, ff.boardFile)
	}
	return b.Name
}

// Files and directories compile --target fpga writes in the output
// directory. What an earlier run wrote there (its manifest.json lists it)
// is removed before the new files are written, so that a snnc.bin in DIR is
// always the one this run reports; nothing else is removed or replaced.
const (
	rtlDir        = "rtl"
	memDir        = "mem"
	configFile    = "config.bin"
	fpgaReportTxt = "report.txt"
	fpgaReportJS  = "report.json"
	weightChanges = "weight-changes.csv"
	netlistFile   = "snnc.json" // yosys's netlist (build.Run removes it after a build)
)

var fpgaOutputs = []string{rtlDir, memDir, build.LogDir, build.AscFile, build.BinFile, netlistFile,
	fpgaReportTxt, fpgaReportJS, weightChanges, networkFile, build.ManifestFile}

// networkFile is the copy of the input network that snnc compile
// --target fpga writes in DIR, so that run can read spike files by
// population name and test can simulate the network without the original
// path.
const networkFile = "network.yaml"

// fpgaOwned are the outputs that snnc replaces only when an earlier snnc
// compile wrote them: the directories the flow reads (yosys reads rtl/*.v)
// or fills, the bitstream, and the copy of the network (networkFile, a
// name a user may well give a network of their own). The reports and
// weight-changes.csv are replaced as snnc compile without --target fpga
// replaces them.
var fpgaOwned = []string{rtlDir, memDir, build.LogDir, build.AscFile, build.BinFile, netlistFile, networkFile}

func compileFPGA(cmd *cobra.Command, path, outDir string, opt compiler.Options, ff fpgaFlags, timePasses bool) error {
	stderr := cmd.ErrOrStderr()
	board, err := ff.loadBoard()
	if err != nil {
		return err
	}
	label := ff.boardLabel(board)
	src, err := build.Emit(board)
	if err != nil {
		return &userError{fmt.Sprintf("board %s: %v", label, err)}
	}
	opt.Target = board.Core.Target()
	if err := opt.Check(); err != nil {
		return usagef("%v", err)
	}
	// The bytes of the network and of the files it names, for their
	// copies in outDir (networkFile beside them) and the manifest's hash,
	// read once: the copies are then exactly what was compiled, and they
	// survive the removal of an earlier copy, which may be the input itself.
	netBytes, err := os.ReadFile(path)
	if err != nil {
		if _, perr := compiler.ParseFile(path); perr != nil {
			return perr // the frontend's message for an unreadable description
		}
		return err
	}
	net, named, err := parseNaming(path, netBytes)
	if err != nil {
		return err
	}
	dataFiles, err := networkFilesToCopy(path, named)
	if err != nil {
		return err
	}
	// Nothing in outDir is touched until the network has compiled and its
	// image is built; what is there is looked at now, before the work.
	stale, err := previousFPGAOutputs(outDir)
	var foreign *foreignOutputError
	if errors.As(err, &foreign) && foreign.path == filepath.Join(outDir, networkFile) && sameFile(path, foreign.path) {
		return usagef("-o %s: the input %s is %s, where compile --target fpga writes its copy of the network; choose another -o DIR, or give the network another name", outDir, path, foreign.path)
	}
	if err != nil {
		return err
	}
	if err := checkNetworkFilesFree(outDir, dataFiles, stale); err != nil {
		return err
	}

	// The compiler's passes with the core as the target: delays beyond the
	// core's D become relay chains; then the configuration image. A network
	// with more slots or synapses than the core stops here, before the
	// passes (and its weight changes, held in memory until the image is
	// built, are at most the core's synapses).
	slots, synapses := net.Neurons(), net.Synapses() // before relays
	if over := overCore(board.Core, slots, synapses); len(over) > 0 {
		return notFit(path, label, strings.Join(over, "; "))
	}
	var changes bytes.Buffer
	opt.WeightChanges = &changes
	res, err := compiler.Compile(net, opt)
	if err != nil {
		return fitError(path, label, board.Core, slots, synapses, err)
	}
	if timePasses {
		res.Report.WriteTimes(stderr)
	}
	im, err := fpga.Build(res.Net, board.Core)
	if err != nil {
		return fmt.Errorf("%s: board %s: %w", path, label, err)
	}

	// Now outDir: what the last snnc compile wrote goes, then the new files.
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	if err := removeFPGAOutputs(outDir, stale); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, weightChanges), changes.Bytes(), 0o644); err != nil {
		return err
	}
	if err := src.WriteDir(filepath.Join(outDir, rtlDir)); err != nil {
		return err
	}
	if err := im.WriteHex(filepath.Join(outDir, memDir)); err != nil {
		return err
	}
	if err := bufferedfile.Write(filepath.Join(outDir, memDir, configFile), im.WriteBinary); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(outDir, networkFile), netBytes, 0o644); err != nil {
		return err
	}
	var dataPaths []string
	for _, f := range dataFiles {
		dest := filepath.Join(outDir, f.rel)
		if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(dest, f.data, 0o644); err != nil {
			return err
		}
		dataPaths = append(dataPaths, filepath.ToSlash(f.rel))
	}
	sum := sha256.Sum256(netBytes)
	man := build.Manifest{Snnc: version, Input: path, InputSHA256: hex.EncodeToString(sum[:]), Board: board.Name, BoardSource: board.Source,
		Parameters: board.Core.Verilog(), CoreMHz: board.CoreMHz, BuildHash: hex.EncodeToString(src.BuildHash[:]),
		Network: networkFile, NetworkFiles: dataPaths, Seed: ff.seed}
	if res.Report.Quantization != nil {
		man.Quantize = &opt.Quantize
	}
	// The manifest says what snnc wrote, so that the next run replaces
	// exactly that: written now, and again after the flow however it ends.
	writeManifest := func() error { return build.WriteManifest(outDir, man, append(slices.Clone(fpgaOutputs), dataPaths...)) }
	if err := writeManifest(); err != nil {
		return err
	}

	report := build.NewReport(src, im, res.Report, maxDelay(res.Net))
	var flowErr error // a missed clock: reported after every file is written
	switch {
	case ff.noBitstream:
		report.Skipped = "--no-bitstream"
	default:
		// An interrupt stops the tools, and the manifest still lists what
		// they wrote.
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
		defer stop()
		var missing *build.MissingToolsError
		tools, err := build.FindTools(ctx)
		if errors.As(err, &missing) {
			report.Skipped = "tools missing: " + err.Error()
			// The error names the tools and the packages that bring them.
			fmt.Fprintf(stderr, "snnc: warning: no bitstream: %v; the RTL and the memory images are written\n", err)
			break
		}
		if err != nil {
			return err
		}
		man.Tools = tools
		progress := newFlowProgress(stderr, ff.quiet)
		flow, err := build.Run(ctx, src, outDir, tools, build.Options{Seed: ff.seed, Rebuild: ff.rebuild, Progress: progress})
		interrupted := ctx.Err() != nil
		stop()
		var timing *build.TimingError
		if err != nil && !errors.As(err, &timing) {
			if merr := writeManifest(); merr != nil {
				return errors.Join(err, merr)
			}
			if interrupted {
				return fmt.Errorf("interrupted while building the bitstream; %s lists what was written", filepath.Join(outDir, build.ManifestFile))
			}
			var step *build.StepError
			if errors.As(err, &step) {
				fmt.Fprintf(stderr, "snnc: %s failed; the end of %s:\n%s\n", step.Tool, step.Log, step.Tail)
				return fmt.Errorf("%s failed (%v): cd %s && %s (log %s)", step.Tool, step.Err, step.Dir, step.Command, step.Log)
			}
			return err
		}
		if timing != nil {
			timing.Board = label
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

	if err := bufferedfile.Write(filepath.Join(outDir, fpgaReportTxt), report.WriteText); err != nil {
		return err
	}
	if err := bufferedfile.Write(filepath.Join(outDir, fpgaReportJS), report.WriteJSON); err != nil {
		return err
	}
	if err := writeManifest(); err != nil {
		return err
	}

	fmt.Fprintf(stderr, "snnc: compiled %s for %s: %d of %d slots, %d of %d synapses, %d relay neurons; ",
		path, label, im.SlotCount, board.Core.Slots(), im.Stats.Synapses, board.Core.Synapses(), res.Report.Mapping.RelayNeurons)
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

// previousFPGAOutputs returns the files of outDir that an earlier snnc
// compile --target fpga wrote, as its manifest.json lists them (relative
// paths, only under fpgaOutputs), without changing anything. It refuses an
// outDir where this run would replace or mix with files that no snnc
// manifest lists: a file in rtl/, mem/ or logs/, a bitstream, or a
// manifest.json that is not snnc's.
func previousFPGAOutputs(outDir string) ([]string, error) {
	refuse := func(what, why string) error {
		return &foreignOutputError{path: what, err: usagef("-o %s: %s %s; choose another -o DIR or remove %s", outDir, what, why, what)}
	}
	manPath := filepath.Join(outDir, build.ManifestFile)
	listed := map[string]bool{}
	data, err := os.ReadFile(manPath)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, refuse(manPath, fmt.Sprintf("cannot be read (%v)", err))
	default:
		var m build.Manifest
		if json.Unmarshal(data, &m) != nil || m.Snnc == "" || m.Files == nil {
			return nil, refuse(manPath, "is not a manifest snnc wrote")
		}
		for _, f := range m.Files {
			p := filepath.FromSlash(f.Path)
			top, _, _ := strings.Cut(f.Path, "/")
			if filepath.IsLocal(p) && (slices.Contains(fpgaOutputs, top) || slices.Contains(m.NetworkFiles, f.Path)) && top != build.ManifestFile {
				listed[p] = true
			}
		}
	}
	for _, name := range fpgaOwned {
		var foreign []string
		err := filepath.WalkDir(filepath.Join(outDir, name), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				if errors.Is(err, fs.ErrNotExist) {
					return nil
				}
				return err
			}
			if d.IsDir() {
				return nil
			}
			rel, err := filepath.Rel(outDir, p)
			if err != nil {
				return err
			}
			if !listed[rel] {
				foreign = append(foreign, p)
			}
			return nil
		})
		if err != nil {
			return nil, err
		}
		switch {
		case len(foreign) == 0:
		case foreign[0] == filepath.Join(outDir, name): // a file, not a directory
			return nil, refuse(foreign[0], "was not written by snnc (no snnc manifest.json lists it)")
		default:
			if len(foreign) > 3 {
				foreign = append(foreign[:3], fmt.Sprintf("and %d more", len(foreign)-3))
			}
			return nil, refuse(filepath.Join(outDir, name), fmt.Sprintf("holds files snnc did not write (%s)", strings.Join(foreign, ", ")))
		}
	}
	files := make([]string, 0, len(listed))
	for p := range listed {
		files = append(files, p)
	}
	sort.Strings(files)
	return files, nil
}

// foreignOutputError is previousFPGAOutputs' refusal of path, an output
// directory's file or directory that no snnc manifest lists. It unwraps to
// the usage error that says so.
type foreignOutputError struct {
	path string
	err  error
}

func (e *foreignOutputError) Error() string { return e.err.Error() }
func (e *foreignOutputError) Unwrap() error { return e.err }

// sameFile says whether a and b name one file (os.SameFile); false when
// either cannot be looked at.
func sameFile(a, b string) bool {
	fa, err := os.Stat(a)
	if err != nil {
		return false
	}
	fb, err := os.Stat(b)
	return err == nil && os.SameFile(fa, fb)
}

// removeFPGAOutputs removes the files of an earlier run (from
// previousFPGAOutputs), and the directories of outputs that they leave
// empty.
func removeFPGAOutputs(outDir string, files []string) error {
	dirs := map[string]bool{}
	for _, f := range files {
		if err := os.Remove(filepath.Join(outDir, f)); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for d := filepath.Dir(f); d != "."; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	sorted := make([]string, 0, len(dirs))
	for d := range dirs {
		sorted = append(sorted, d)
	}
	// Deepest first; a directory that still holds something stays.
	sort.Slice(sorted, func(i, j int) bool { return len(sorted[i]) > len(sorted[j]) })
	for _, d := range sorted {
		if entries, err := os.ReadDir(filepath.Join(outDir, d)); err == nil && len(entries) == 0 {
			if err := os.Remove(filepath.Join(outDir, d)); err != nil {
				return err
			}
		}
	}
	return nil
}

// overCore names the figures of a network (before relays) that exceed the
// core's: its slots and its synapses.
func overCore(c fpga.CoreParams, slots int, synapses int64) []string {
	var over []string
	if slots > c.Slots() {
		over = append(over, fmt.Sprintf("%d slots (neurons and input axons), the core holds %d (SLOT_BITS=%d)", slots, c.Slots(), c.SlotBits))
	}
	if synapses > int64(c.Synapses()) {
		over = append(over, fmt.Sprintf("%d synapses, the core holds %d (SYN_WORDS=%d, two a word)", synapses, c.Synapses(), c.SynWords))
	}
	return over
}

func notFit(path, board, why string) error {
	return &userError{fmt.Sprintf("%s: board %s: the network does not fit the FPGA core: %s", path, board, why)}
}

// fitError rewrites the mapper's "needs N cores" for the one-core FPGA
// target as the figure that does not fit and the board's limit; a network
// that fits both before relays are added keeps the mapper's message.
func fitError(path, board string, c fpga.CoreParams, slots int, synapses int64, err error) error {
	var me *compiler.MapError
	if !errors.As(err, &me) {
		return err
	}
	if over := overCore(c, slots, synapses); len(over) > 0 {
		return notFit(path, board, strings.Join(over, "; "))
	}
	return notFit(path, board, me.Error())
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

// namedFile is a file a network names, as it names it, and its bytes.
type namedFile struct {
	rel  string
	data []byte
}

// parseNaming parses the description at path (its bytes: data) as
// compiler.ParseFile does, and returns the files it named, in the order
// it read them.
func parseNaming(path string, data []byte) (*ir.Network, []namedFile, error) {
	var named []namedFile
	dir := filepath.Dir(path)
	net, err := compiler.ParseWithOptions(path, data, func(name string) ([]byte, error) {
		full := name
		if !filepath.IsAbs(name) {
			full = filepath.Join(dir, name)
		}
		b, err := os.ReadFile(full)
		if err == nil {
			named = append(named, namedFile{rel: name, data: b})
		}
		return b, err
	}, compiler.ParseOptions{})
	return net, named, err
}

// networkFilesToCopy returns the files of named to copy beside the
// network's copy: those it names by a path below its directory, once
// each. A file named by its absolute path is read from there again; one
// above the directory (../w.npy) could not be read by the copy, and one
// that would land on snnc's own outputs would be overwritten: both are
// refused.
func networkFilesToCopy(path string, named []namedFile) ([]namedFile, error) {
	var out []namedFile
	seen := map[string]bool{}
	for _, f := range named {
		rel := filepath.Clean(f.rel)
		top, _, _ := strings.Cut(filepath.ToSlash(rel), "/")
		switch {
		case filepath.IsAbs(f.rel) || seen[rel]:
			continue
		case !filepath.IsLocal(rel):
			return nil, usagef("%s names %s, outside its directory: compile --target fpga copies the files a network names beside it, so that the output directory runs alone (allowed: a path below the description's directory, or an absolute path)", path, f.rel)
		case slices.Contains(fpgaOutputs, top):
			return nil, usagef("%s names %s, which compile --target fpga would overwrite with its own %s (allowed: another name)", path, f.rel, top)
		}
		seen[rel] = true
		out = append(out, namedFile{rel: rel, data: f.data})
	}
	return out, nil
}

// checkNetworkFilesFree refuses to overwrite a file of outDir that the
// network's copy needs but that no snnc manifest lists (stale: the
// files the last compile wrote).
func checkNetworkFilesFree(outDir string, files []namedFile, stale []string) error {
	for _, f := range files {
		dest := filepath.Join(outDir, f.rel)
		if _, err := os.Stat(dest); err == nil && !slices.Contains(stale, f.rel) {
			return usagef("-o %s: %s was not written by snnc, and the network's copy needs its name for %s; choose another -o DIR or remove it", outDir, dest, f.rel)
		}
	}
	return nil
}
