package main

// snnc flash DIR: writes the bitstream that snnc compile --target fpga put
// in DIR to the board it was built for, with the flash tool the board's
// profile names (iceprog or openFPGALoader), after checking that the
// bitstream is the one the manifest lists and that the board is plugged
// in. docs/flashing.md describes it.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/driver/usb"
	"github.com/spf13/cobra"
)

// usbSysfs is where snnc flash and snnc boards look for USB devices;
// tests point it at a fake sysfs tree.
var usbSysfs = usb.System

// toolPackages names the Debian package that brings each flash tool.
var toolPackages = map[string]string{
	"iceprog":        "fpga-icestorm",
	"openFPGALoader": "openfpgaloader",
}

// flashFlags are snnc flash's flags.
type flashFlags struct {
	sram, dryRun     bool
	tool             string
	board, boardFile string
}

func newFlashCommand() *cobra.Command {
	var ff flashFlags
	cmd := &cobra.Command{
		Use:   "flash DIR",
		Short: "Write a compiled bitstream to the FPGA board it was built for",
		Long: `flash writes DIR/snnc.bin, the bitstream that
  snnc compile NET --target fpga --board B -o DIR
wrote, to the board named in DIR/manifest.json, with the flash tool of the
board's profile (iceprog, or openFPGALoader with --tool). It refuses a DIR
without a bitstream, a bitstream whose sha256 is not the manifest's, and,
with --board, a bitstream built for another board.

--sram loads the FPGA's configuration memory instead of the SPI flash:
faster, and gone at power-off. --dry-run prints the command and runs
nothing; without DIR it prints the command of the --board's profile.

Without --dry-run the tool must be installed and the board plugged in: its
USB VID:PID (the board profile's usb:) must be present. The tool's output is
shown as it runs, and its exit status is snnc's (1 on failure).`,
		Example: `  snnc flash --board icebreaker --dry-run
  snnc flash --board icebreaker --sram --dry-run
  snnc flash --board ice40-hx8k --tool openFPGALoader --dry-run`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 1 {
				return usagef("takes one build directory, got %d arguments: %s", len(args), strings.Join(args, " "))
			}
			if ff.board != "" && ff.boardFile != "" {
				return usagef("--board and --board-file both given (allowed: one of them)")
			}
			if len(args) == 0 {
				return flashPreview(cmd, ff)
			}
			return flash(cmd, args[0], ff)
		},
	}
	f := cmd.Flags()
	f.BoolVar(&ff.sram, "sram", false, "load the FPGA's SRAM, not the flash (lost at power-off)")
	f.BoolVar(&ff.dryRun, "dry-run", false, "print the command, run nothing")
	f.StringVar(&ff.tool, "tool", "", "the flash tool (iceprog, openFPGALoader; default: the board profile's)")
	f.StringVar(&ff.board, "board", "", "refuse DIR unless it was built for this board ("+strings.Join(fpga.Boards(), ", ")+")")
	f.StringVar(&ff.boardFile, "board-file", "", "the board file DIR was built for, when it is not where the manifest says")
	return cmd
}

// flashPreview is snnc flash without DIR: the command of a board's
// profile, with DIR/snnc.bin for the bitstream.
func flashPreview(cmd *cobra.Command, ff flashFlags) error {
	if !ff.dryRun || (ff.board == "" && ff.boardFile == "") {
		return usagef("missing the build directory (snnc compile NET --target fpga --board B -o DIR writes one; without DIR, --dry-run --board B prints the board's command)")
	}
	board, err := (&fpgaFlags{board: ff.board, boardFile: ff.boardFile}).loadBoard()
	if err != nil {
		return err
	}
	fl, err := flashTool(board, ff.tool)
	if err != nil {
		return err
	}
	fmt.Fprintln(cmd.OutOrStdout(), shellJoin(flashCommand(fl, ff.sram, filepath.Join("DIR", build.BinFile))))
	return nil
}

func flash(cmd *cobra.Command, dir string, ff flashFlags) error {
	stdout, stderr := cmd.OutOrStdout(), cmd.ErrOrStderr()
	board, bin, sum, err := flashTarget(dir, ff)
	if err != nil {
		return err
	}
	fl, err := flashTool(board, ff.tool)
	if err != nil {
		return err
	}
	argv := flashCommand(fl, ff.sram, bin)
	if ff.dryRun {
		fmt.Fprintln(stdout, shellJoin(argv))
		return nil
	}
	path, err := exec.LookPath(fl.Tool)
	if err != nil {
		install := ""
		if p, ok := toolPackages[fl.Tool]; ok {
			install = fmt.Sprintf(" (apt-get install -y %s)", p)
		}
		return fmt.Errorf("%s not found on PATH%s; or use --dry-run to print the command", fl.Tool, install)
	}
	if err := boardConnected(board, stderr); err != nil {
		return err
	}
	where := "flash"
	if ff.sram {
		where = "SRAM, until power-off"
	}
	fmt.Fprintf(stderr, "snnc: writing %s (sha256 %s…, built for %s) to the %s's %s: %s\n", bin, sum[:12], board.Name, boardTitle(board), where, shellJoin(argv))
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	c := exec.CommandContext(ctx, path, argv[1:]...)
	c.Stdout, c.Stderr = stdout, stderr
	if err := c.Run(); err != nil {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			if ctx.Err() != nil {
				return fmt.Errorf("interrupted: %s stopped (%v); the board may hold a partial bitstream, flash again", fl.Tool, err)
			}
			return fmt.Errorf("%s failed with exit status %d: %s", fl.Tool, exit.ExitCode(), shellJoin(argv))
		}
		return fmt.Errorf("%s: %w", shellJoin(argv), err)
	}
	fmt.Fprintf(stderr, "snnc: %s wrote %s to the %s's %s\n", fl.Tool, bin, boardTitle(board), where)
	return nil
}

// flashTarget reads DIR's manifest and returns the board it was built
// for, the bitstream's path and its sha256, after the checks: a manifest
// snnc wrote, a bitstream it lists with that hash, the board --board
// names.
func flashTarget(dir string, ff flashFlags) (*fpga.Board, string, string, error) {
	manPath := filepath.Join(dir, build.ManifestFile)
	bin := filepath.Join(dir, build.BinFile)
	m, err := readBuildManifest(dir)
	if err != nil {
		return nil, "", "", err
	}

	want := ff.board
	if want != "" && !slices.Contains(fpga.Boards(), want) {
		if _, err := (&fpgaFlags{board: want}).loadBoard(); err != nil {
			return nil, "", "", err
		}
	}
	if want != "" && want != m.Board {
		return nil, "", "", &userError{fmt.Sprintf("%s was built for %s, not %s; flash it to a %s, or compile again with --board %s", dir, m.Board, want, m.Board, want)}
	}
	board, err := manifestBoard(dir, m, ff)
	if err != nil {
		return nil, "", "", err
	}

	st, err := os.Stat(bin)
	if errors.Is(err, fs.ErrNotExist) {
		why := ""
		if s := bitstreamSkipped(dir); s != "" {
			why = " (" + s + ")"
		}
		return nil, "", "", &userError{fmt.Sprintf("%s has no bitstream %s%s; compile again without --no-bitstream, with yosys, nextpnr-ice40 and the IceStorm tools installed", dir, build.BinFile, why)}
	}
	if err != nil {
		return nil, "", "", err
	}
	if !st.Mode().IsRegular() {
		return nil, "", "", &userError{fmt.Sprintf("%s is not a file", bin)}
	}
	i := slices.IndexFunc(m.Files, func(f build.FileEntry) bool { return f.Path == build.BinFile })
	if i < 0 {
		return nil, "", "", &userError{fmt.Sprintf("%s is not listed in %s: snnc compile did not write it; compile again", bin, manPath)}
	}
	sum, err := build.HashFile(bin)
	if err != nil {
		return nil, "", "", err
	}
	if sum != m.Files[i].SHA256 {
		return nil, "", "", &userError{fmt.Sprintf("%s has sha256 %s, %s lists %s: the bitstream changed after snnc compile wrote it; compile again", bin, sum, manPath, m.Files[i].SHA256)}
	}
	return board, bin, sum, nil
}

// readBuildManifest reads the manifest snnc compile --target fpga wrote in
// dir, with one-line errors for a directory it did not write.
func readBuildManifest(dir string) (build.Manifest, error) {
	var m build.Manifest
	manPath := filepath.Join(dir, build.ManifestFile)
	data, err := os.ReadFile(manPath)
	if errors.Is(err, fs.ErrNotExist) {
		if st, serr := os.Stat(dir); serr != nil || !st.IsDir() {
			return m, &userError{fmt.Sprintf("%s: no such build directory (snnc compile NET --target fpga --board B -o %s makes one)", dir, dir)}
		}
		return m, &userError{fmt.Sprintf("%s: no %s: not a directory that snnc compile --target fpga wrote (snnc compile NET --target fpga --board B -o %s)", dir, build.ManifestFile, dir)}
	}
	if err != nil {
		return m, err
	}
	if json.Unmarshal(data, &m) != nil || m.Snnc == "" || m.Board == "" {
		return m, &userError{fmt.Sprintf("%s: not a manifest that snnc compile --target fpga wrote", manPath)}
	}
	return m, nil
}

// manifestBoard loads the board the manifest names: the built-in one, or
// the board file it came from (--board-file says where it is now).
func manifestBoard(dir string, m build.Manifest, ff flashFlags) (*fpga.Board, error) {
	var board *fpga.Board
	var err error
	switch {
	case ff.boardFile != "":
		board, err = (&fpgaFlags{boardFile: ff.boardFile}).loadBoard()
	case m.BoardSource == "boards/"+m.Board+".yaml" && slices.Contains(fpga.Boards(), m.Board):
		board, err = fpga.LoadBoard(m.Board)
	default:
		board, err = fpga.LoadBoardFile(m.BoardSource)
		if err != nil {
			return nil, &userError{fmt.Sprintf("%s was built for board %s from %s: %v; give the board file with --board-file FILE", dir, m.Board, m.BoardSource, oneLine(err.Error()))}
		}
	}
	if err != nil {
		return nil, err
	}
	if board.Name != m.Board {
		return nil, &userError{fmt.Sprintf("%s was built for %s, not %s (from %s)", dir, m.Board, board.Name, board.Source)}
	}
	return board, nil
}

// bitstreamSkipped is report.json's reason for building no bitstream, or
// "".
func bitstreamSkipped(dir string) string {
	data, err := os.ReadFile(filepath.Join(dir, fpgaReportJS))
	if err != nil {
		return ""
	}
	var r struct {
		Skipped string `json:"bitstream_skipped"`
	}
	if json.Unmarshal(data, &r) != nil || r.Skipped == "" {
		return ""
	}
	return "compiled with " + r.Skipped
}

// flashTool is the board's flash command for --tool: its profile's, or
// the alternative of that name.
func flashTool(b *fpga.Board, tool string) (fpga.Flash, error) {
	all := append([]fpga.Flash{b.Flash}, b.FlashAlternatives...)
	if tool == "" {
		return all[0], nil
	}
	var names []string
	for _, fl := range all {
		if strings.EqualFold(fl.Tool, tool) {
			return fl, nil
		}
		names = append(names, fl.Tool)
	}
	return fpga.Flash{}, usagef("--tool %q: board %s is flashed with %s (allowed: %s)", tool, b.Name, names[0], strings.Join(names, ", "))
}

// flashCommand is the command line that writes bin: the tool, the
// profile's arguments with the mode set to flash or SRAM, and the path.
// iceprog writes the flash by default and the SRAM with -S;
// openFPGALoader's mode is -f/--write-flash or -m/--write-sram.
func flashCommand(fl fpga.Flash, sram bool, bin string) []string {
	argv := []string{fl.Tool}
	switch strings.ToLower(fl.Tool) {
	case "iceprog":
		for _, a := range fl.Args {
			if a != "-S" {
				argv = append(argv, a)
			}
		}
		if sram {
			argv = append(argv, "-S")
		}
	case "openfpgaloader":
		mode := "-f"
		if sram {
			mode = "-m"
		}
		// The profile's own mode flag is replaced where it stands.
		placed := false
		for _, a := range fl.Args {
			switch {
			case !slices.Contains([]string{"-f", "--write-flash", "-m", "--write-sram"}, a):
				argv = append(argv, a)
			case !placed:
				argv = append(argv, mode)
				placed = true
			}
		}
		if !placed {
			argv = append(argv, mode)
		}
	default:
		// A tool snnc does not know: the profile's arguments as they are.
		argv = append(argv, fl.Args...)
	}
	return append(argv, bin)
}

// boardConnected checks that a USB device of the board is plugged in.
func boardConnected(b *fpga.Board, stderr io.Writer) error {
	if len(b.USB) == 0 {
		fmt.Fprintf(stderr, "snnc: warning: board %s lists no USB ids (usb: in its profile); cannot check that it is plugged in\n", b.Name)
		return nil
	}
	var found []usb.Device
	for _, id := range b.USB {
		devs, err := usbSysfs.Devices(id)
		if err != nil {
			return err
		}
		found = append(found, devs...)
	}
	if len(found) == 0 {
		return fmt.Errorf("no %s found: no USB device %s; plug it in, or use --dry-run", boardTitle(b), strings.Join(b.USB, " or "))
	}
	if len(found) > 1 {
		var names []string
		for _, d := range found {
			names = append(names, fmt.Sprintf("%s %s", d.VIDPID, d.Name))
		}
		fmt.Fprintf(stderr, "snnc: warning: %d devices could be the %s (%s); the tool picks the first; unplug the others to choose\n", len(found), boardTitle(b), strings.Join(names, ", "))
	}
	return nil
}

// boardTitle is the board's name for people: its description up to the
// parenthesis (iCEBreaker), else its name.
func boardTitle(b *fpga.Board) string {
	if t, _, _ := strings.Cut(b.Description, " ("); strings.TrimSpace(t) != "" {
		return strings.TrimSpace(t)
	}
	return b.Name
}

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9@%_+=:,./-]+$`)

// shellJoin is argv as a shell command line, quoting what needs it.
func shellJoin(argv []string) string {
	q := make([]string, len(argv))
	for i, a := range argv {
		if shellSafe.MatchString(a) {
			q[i] = a
		} else {
			q[i] = "'" + strings.ReplaceAll(a, "'", `'\''`) + "'"
		}
	}
	return strings.Join(q, " ")
}
