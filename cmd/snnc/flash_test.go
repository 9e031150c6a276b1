package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/driver/usb"
	"github.com/snnc/snnc/driver/usb/usbtest"
)

// fakeUSB points snnc flash and snnc boards at a fake sysfs holding devs
// for the rest of the test.
func fakeUSB(t *testing.T, devs ...usbtest.Device) {
	t.Helper()
	root := t.TempDir()
	if err := usbtest.Write(root, devs...); err != nil {
		t.Fatal(err)
	}
	old := usbSysfs
	usbSysfs = usb.Sysfs{Root: root}
	t.Cleanup(func() { usbSysfs = old })
}

// compiledDir compiles examples/hello for board into work/build with
// --no-bitstream (no EDA tool runs) and, when bitstream is set, puts a
// fake snnc.bin there and lists it in the manifest, as the flow would.
// It returns work, the directory to run snnc flash build in.
func compiledDir(t *testing.T, board string, bitstream bool) string {
	t.Helper()
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	net, err := filepath.Abs("../../examples/hello/net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	work := t.TempDir()
	status, _, stderr := snnc(t, work, "compile", net, "--target", "fpga", "--board", board, "--no-bitstream", "-o", "build")
	if status != 0 {
		t.Fatalf("compile: status %d: %s", status, stderr)
	}
	if bitstream {
		dir := filepath.Join(work, "build")
		write(t, dir, build.BinFile, "fake bitstream for "+board+"\x00\xff")
		var m build.Manifest
		if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, build.ManifestFile))), &m); err != nil {
			t.Fatal(err)
		}
		if err := build.WriteManifest(dir, m, fpgaOutputs); err != nil {
			t.Fatal(err)
		}
	}
	return work
}

// fakeTool puts a program called name on PATH (and nothing else) that
// prints its arguments and exits with status code.
func fakeTool(t *testing.T, name, code string) {
	t.Helper()
	bin := t.TempDir()
	script := "#!/bin/sh\necho \"" + name + " ran with: $*\"\necho \"" + name + " says hello on stderr\" >&2\nexit " + code + "\n"
	if err := os.WriteFile(filepath.Join(bin, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PATH", bin)
}

// --dry-run prints exactly the command for each board, tool and mode, and
// touches no USB device.
func TestFlashDryRun(t *testing.T) {
	fakeUSB(t) // nothing plugged in: --dry-run does not care
	tests := []struct {
		board string
		args  []string
		want  string
	}{
		{"icebreaker", nil, "iceprog build/snnc.bin"},
		{"icebreaker", []string{"--sram"}, "iceprog -S build/snnc.bin"},
		{"icebreaker", []string{"--tool", "iceprog", "--board", "icebreaker"}, "iceprog build/snnc.bin"},
		{"icebreaker", []string{"--tool", "openFPGALoader"}, "openFPGALoader -b ice40_generic -f build/snnc.bin"},
		{"icebreaker", []string{"--tool", "openfpgaloader", "--sram"}, "openFPGALoader -b ice40_generic -m build/snnc.bin"},
		{"ice40-hx8k", nil, "iceprog build/snnc.bin"},
		{"ice40-hx8k", []string{"--sram"}, "iceprog -S build/snnc.bin"},
		{"ice40-hx8k", []string{"--tool", "openFPGALoader"}, "openFPGALoader -b ice40_generic -f build/snnc.bin"},
		{"ice40-hx8k", []string{"--tool", "openFPGALoader", "--sram", "--board", "ice40-hx8k"}, "openFPGALoader -b ice40_generic -m build/snnc.bin"},
	}
	work := map[string]string{"icebreaker": compiledDir(t, "icebreaker", true), "ice40-hx8k": compiledDir(t, "ice40-hx8k", true)}
	for _, tt := range tests {
		t.Run(tt.board+strings.Join(tt.args, ""), func(t *testing.T) {
			status, stdout, stderr := snnc(t, work[tt.board], append([]string{"flash", "build", "--dry-run"}, tt.args...)...)
			if status != 0 || stdout != tt.want+"\n" || stderr != "" {
				t.Errorf("status %d, stdout %q, stderr %q; want 0 and %q", status, stdout, stderr, tt.want)
			}
		})
	}

	// Without DIR: the board profile's command.
	status, stdout, stderr := snnc(t, ".", "flash", "--board", "ice40-hx8k", "--tool", "openFPGALoader", "--sram", "--dry-run")
	if status != 0 || stdout != "openFPGALoader -b ice40_generic -m DIR/snnc.bin\n" {
		t.Errorf("preview: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
}

// Without --dry-run: the tool must be installed and the board plugged in;
// then the tool runs with its output streamed and its status reported.
func TestFlashRun(t *testing.T) {
	work := compiledDir(t, "icebreaker", true)

	t.Run("no board", func(t *testing.T) {
		fakeUSB(t, usbtest.Device{Name: "1-3", VIDPID: "2341:0043", Interfaces: []usbtest.Interface{{Number: 0, Driver: "cdc_acm", TTY: "ttyACM0"}}})
		fakeTool(t, "iceprog", "0")
		status, stdout, stderr := snnc(t, work, "flash", "build")
		want := "snnc: no iCEBreaker found: no USB device 0403:6010; plug it in, or use --dry-run\n"
		if status != exitFailure || stdout != "" || stderr != want {
			t.Errorf("status %d, stdout %q, stderr %q; want 1 and %q", status, stdout, stderr, want)
		}
	})

	for _, tt := range []struct{ tool, pkg string }{{"iceprog", "fpga-icestorm"}, {"openFPGALoader", "openfpgaloader"}} {
		t.Run("no "+tt.tool, func(t *testing.T) {
			fakeUSB(t, usbtest.ICEBreaker("1-2", 0))
			t.Setenv("PATH", t.TempDir())
			status, _, stderr := snnc(t, work, "flash", "build", "--tool", tt.tool)
			want := "snnc: " + tt.tool + " not found on PATH (apt-get install -y " + tt.pkg + "); or use --dry-run to print the command\n"
			if status != exitFailure || stderr != want {
				t.Errorf("status %d, stderr %q; want 1 and %q", status, stderr, want)
			}
		})
	}

	t.Run("flashes", func(t *testing.T) {
		fakeUSB(t, usbtest.ICEBreaker("1-2", 0))
		fakeTool(t, "iceprog", "0")
		status, stdout, stderr := snnc(t, work, "flash", "build", "--sram")
		if status != 0 || stdout != "iceprog ran with: -S build/snnc.bin\n" {
			t.Errorf("status %d, stdout %q, stderr %q", status, stdout, stderr)
		}
		for _, want := range []string{"to the iCEBreaker's SRAM, until power-off: iceprog -S build/snnc.bin\n", "iceprog says hello on stderr\n",
			"snnc: iceprog wrote build/snnc.bin to the iCEBreaker's SRAM, until power-off\n"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr %q lacks %q", stderr, want)
			}
		}
	})

	t.Run("tool fails", func(t *testing.T) {
		fakeUSB(t, usbtest.ICEBreaker("1-2", 0))
		fakeTool(t, "openFPGALoader", "3")
		status, stdout, stderr := snnc(t, work, "flash", "build", "--tool", "openFPGALoader")
		if status != exitFailure || stdout != "openFPGALoader ran with: -b ice40_generic -f build/snnc.bin\n" ||
			!strings.HasSuffix(stderr, "snnc: openFPGALoader failed with exit status 3: openFPGALoader -b ice40_generic -f build/snnc.bin\n") {
			t.Errorf("status %d, stdout %q, stderr %q", status, stdout, stderr)
		}
	})

	t.Run("two boards", func(t *testing.T) {
		fakeUSB(t, usbtest.ICEBreaker("1-2", 0), usbtest.ICEBreaker("1-4", 2))
		fakeTool(t, "iceprog", "0")
		status, _, stderr := snnc(t, work, "flash", "build")
		if status != 0 || !strings.Contains(stderr, "snnc: warning: 2 devices could be the iCEBreaker (0403:6010 1-2, 0403:6010 1-4)") {
			t.Errorf("status %d, stderr %q", status, stderr)
		}
	})
}

// What snnc flash refuses, each with exit status 2 and one line.
func TestFlashRefuses(t *testing.T) {
	fakeUSB(t, usbtest.ICEBreaker("1-2", 0))
	fakeTool(t, "iceprog", "0")
	hx8k := compiledDir(t, "ice40-hx8k", true)
	noBit := compiledDir(t, "icebreaker", false)
	changed := compiledDir(t, "icebreaker", true)
	write(t, filepath.Join(changed, "build"), build.BinFile, "another bitstream")
	unlisted := compiledDir(t, "icebreaker", false)
	write(t, filepath.Join(unlisted, "build"), build.BinFile, "a bitstream snnc did not write")
	empty := t.TempDir()
	if err := os.Mkdir(filepath.Join(empty, "build"), 0o755); err != nil {
		t.Fatal(err)
	}
	sum, err := build.HashFile(filepath.Join(changed, "build", build.BinFile))
	if err != nil {
		t.Fatal(err)
	}
	var m build.Manifest
	if err := json.Unmarshal([]byte(read(t, filepath.Join(changed, "build", build.ManifestFile))), &m); err != nil {
		t.Fatal(err)
	}
	listed := ""
	for _, f := range m.Files {
		if f.Path == build.BinFile {
			listed = f.SHA256
		}
	}

	tests := []struct {
		name, work string
		args       []string
		want       string
	}{
		{"other board", hx8k, []string{"--board", "icebreaker"},
			"build was built for ice40-hx8k, not icebreaker; flash it to a ice40-hx8k, or compile again with --board icebreaker"},
		{"other board, dry run", hx8k, []string{"--board", "icebreaker", "--dry-run"},
			"build was built for ice40-hx8k, not icebreaker; flash it to a ice40-hx8k, or compile again with --board icebreaker"},
		{"unknown board", hx8k, []string{"--board", "icebreakr"},
			"snnc flash: --board: unknown board \"icebreakr\" (allowed: ice40-hx8k, icebreaker; or --board-file FILE) (see 'snnc flash --help')"},
		{"no bitstream", noBit, nil,
			"build has no bitstream snnc.bin (compiled with --no-bitstream); compile again without --no-bitstream, with yosys, nextpnr-ice40 and the IceStorm tools installed"},
		{"changed bitstream", changed, []string{"--dry-run"},
			"build/snnc.bin has sha256 " + sum + ", build/manifest.json lists " + listed + ": the bitstream changed after snnc compile wrote it; compile again"},
		{"bitstream not in the manifest", unlisted, nil,
			"build/snnc.bin is not listed in build/manifest.json: snnc compile did not write it; compile again"},
		{"no manifest", empty, nil,
			"build: no manifest.json: not a directory that snnc compile --target fpga wrote (snnc compile NET --target fpga --board B -o build)"},
		{"no directory", t.TempDir(), nil,
			"build: no such build directory (snnc compile NET --target fpga --board B -o build makes one)"},
		{"unknown tool", hx8k, []string{"--tool", "dfu-util"},
			"snnc flash: --tool \"dfu-util\": board ice40-hx8k is flashed with iceprog (allowed: iceprog, openFPGALoader) (see 'snnc flash --help')"},
		{"two directories", hx8k, []string{"other"},
			"snnc flash: takes one build directory, got 2 arguments: build other (see 'snnc flash --help')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, stdout, stderr := snnc(t, tt.work, append([]string{"flash", "build"}, tt.args...)...)
			if status != exitUserError || stdout != "" || stderr != tt.want+"\n" {
				t.Errorf("status %d, stdout %q, stderr\n got %q\nwant %q", status, stdout, stderr, tt.want+"\n")
			}
		})
	}

	status, _, stderr := snnc(t, ".", "flash")
	if status != exitUserError || !strings.Contains(stderr, "missing the build directory") {
		t.Errorf("no DIR: status %d, stderr %q", status, stderr)
	}
}

// A board from a board file: flash finds the file the manifest names, or
// the one --board-file gives, and refuses one of another name.
func TestFlashBoardFile(t *testing.T) {
	fakeUSB(t)
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	work := t.TempDir()
	src, err := os.ReadFile("../../backend/fpga/boards/icebreaker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	mine := strings.Replace(string(src), "name: icebreaker", "name: my-board", 1)
	mine = strings.Replace(mine, `args: ["-b", "ice40_generic", "-f"]`, `args: ["-b", "icebreaker", "--write-flash", "--verify"]`, 1)
	write(t, work, "my.yaml", mine)
	net, err := filepath.Abs("../../examples/hello/net.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if status, _, stderr := snnc(t, work, "compile", net, "--target", "fpga", "--board-file", "my.yaml", "--no-bitstream", "-o", "build"); status != 0 {
		t.Fatalf("compile: %s", stderr)
	}
	dir := filepath.Join(work, "build")
	write(t, dir, build.BinFile, "bits")
	var m build.Manifest
	if err := json.Unmarshal([]byte(read(t, filepath.Join(dir, build.ManifestFile))), &m); err != nil {
		t.Fatal(err)
	}
	if err := build.WriteManifest(dir, m, fpgaOutputs); err != nil {
		t.Fatal(err)
	}
	status, stdout, stderr := snnc(t, work, "flash", "build", "--dry-run", "--sram", "--tool", "openFPGALoader")
	if want := "openFPGALoader -b icebreaker -m --verify build/snnc.bin\n"; status != 0 || stdout != want {
		t.Errorf("status %d, stdout %q, stderr %q; want %q", status, stdout, stderr, want)
	}
	if err := os.Rename(filepath.Join(work, "my.yaml"), filepath.Join(work, "moved.yaml")); err != nil {
		t.Fatal(err)
	}
	status, _, stderr = snnc(t, work, "flash", "build", "--dry-run")
	if status != exitUserError || !strings.HasPrefix(stderr, "build was built for board my-board from my.yaml: ") || !strings.HasSuffix(stderr, "; give the board file with --board-file FILE\n") {
		t.Errorf("moved board file: status %d, stderr %q", status, stderr)
	}
	if status, stdout, stderr = snnc(t, work, "flash", "build", "--dry-run", "--board-file", "moved.yaml"); status != 0 || stdout != "iceprog build/snnc.bin\n" {
		t.Errorf("--board-file: status %d, stdout %q, stderr %q", status, stdout, stderr)
	}
	other, err := filepath.Abs("../../backend/fpga/boards/icebreaker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	status, _, stderr = snnc(t, work, "flash", "build", "--dry-run", "--board-file", other)
	if status != exitUserError || stderr != "build was built for my-board, not icebreaker (from "+other+")\n" {
		t.Errorf("other board file: status %d, stderr %q", status, stderr)
	}
}
