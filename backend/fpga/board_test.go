package fpga

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/snnc/snnc/compiler"
	"github.com/snnc/snnc/testbench/randnet"
)

// TestEmbeddedBoards pins the embedded boards to the facts docs/boards.md
// cites.
func TestEmbeddedBoards(t *testing.T) {
	if d := cmp.Diff([]string{"ice40-hx8k", "icebreaker"}, Boards()); d != "" {
		t.Errorf("Boards() (-want +got):\n%s", d)
	}
	want := map[string]*Board{
		"icebreaker": {
			Name: "icebreaker", Description: "iCEBreaker (iCE40UP5K-SG48, FT2232H USB bridge)",
			Device: Device{Name: "ice40up5k", Family: "ice40", NextpnrFlag: "up5k", PLL: "SB_PLL40_PAD", Packages: []string{"sg48", "uwg30"},
				LogicCells: 5280, BlockRAMs: 30, SPRAMs: 4, DSPs: 8, Source: "devices/ice40up5k.yaml"},
			Package: "sg48", Clock: Clock{Pin: "35", MHz: 12}, CoreMHz: 24, UARTBaud: 3_000_000,
			Pins:              BoardPins{UARTRX: "6", UARTTX: "9", LEDs: []string{"11", "37"}, LEDActiveLow: true, Button: "10", ButtonActiveLow: true},
			USB:               []string{"0403:6010"},
			UARTInterface:     1,
			Flash:             Flash{Tool: "iceprog", Args: []string{}},
			FlashAlternatives: []Flash{{Tool: "openFPGALoader", Args: []string{"-b", "ice40_generic", "-f"}}},
			Core:              upCore, Source: "boards/icebreaker.yaml",
		},
		"ice40-hx8k": {
			Name: "ice40-hx8k", Description: "iCE40-HX8K Breakout Board (iCE40HX8K-CT256, FT2232H USB bridge)",
			Device: Device{Name: "ice40hx8k", Family: "ice40", NextpnrFlag: "hx8k", PLL: "SB_PLL40_CORE", Packages: []string{"bg121", "cb132", "cm121", "cm225", "ct256", "tq144"},
				LogicCells: 7680, BlockRAMs: 32, Source: "devices/ice40hx8k.yaml"},
			Package: "ct256", Clock: Clock{Pin: "J3", MHz: 12}, CoreMHz: 48, UARTBaud: 3_000_000,
			Pins:              BoardPins{UARTRX: "B10", UARTTX: "B12", LEDs: []string{"B5", "B4", "A2", "A1", "C5", "C4", "B3", "C3"}},
			USB:               []string{"0403:6010"},
			UARTInterface:     1,
			Flash:             Flash{Tool: "iceprog", Args: []string{}},
			FlashAlternatives: []Flash{{Tool: "openFPGALoader", Args: []string{"-b", "ice40_generic", "-f"}}},
			Core:              hxCore, Source: "boards/ice40-hx8k.yaml",
		},
	}
	for name, w := range want {
		b, err := LoadBoard(name)
		if err != nil {
			t.Fatal(err)
		}
		if d := cmp.Diff(w, b); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
	// The iCEBreaker's core without SPRAM needs 285 block RAMs, and the
	// link one more: the board check says so before synthesis does.
	data, err := dataFiles.ReadFile("boards/icebreaker.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "use_spram: true", "use_spram: false", 1))
	if _, err := ParseBoard("boards/icebreaker.yaml", data, nil); err == nil || !strings.Contains(err.Error(), "core: block RAM: the core and the link need about 286 SB_RAM40_4K blocks") {
		t.Errorf("icebreaker without SPRAM: %v", err)
	}
	// The HX8K with 1024 synapse words (its core before the link was in
	// the bitstream) needs 33 of 32: refused, with every memory's share.
	data, err = dataFiles.ReadFile("boards/ice40-hx8k.yaml")
	if err != nil {
		t.Fatal(err)
	}
	data = []byte(strings.Replace(string(data), "syn_words: 768 ", "syn_words: 1024", 1))
	if _, err := ParseBoard("boards/ice40-hx8k.yaml", data, nil); err == nil || !strings.Contains(err.Error(), "core: block RAM: the core and the link need about 33 SB_RAM40_4K blocks "+
		"(profile 4, slot_profile 1, slot_state 1, state_uv 3, accum 2, history 1, group_ptr 8, synapse 12, link receive buffer 1; an estimate of yosys's mapping); ice40hx8k has 32 (block_rams)") {
		t.Errorf("ice40-hx8k with 1024 synapse words: %v", err)
	}
	_, err = LoadBoard("icestick")
	if err == nil || !strings.Contains(err.Error(), `unknown board "icestick" (allowed: ice40-hx8k, icebreaker`) {
		t.Errorf("unknown board: %v", err)
	}
	if _, ok := err.(interface{ UserError() }); !ok {
		t.Errorf("unknown board: %T is not a user error", err)
	}
}

func TestCoreParams(t *testing.T) {
	if d := cmp.Diff([]string{"SLOT_BITS=10", "DELAY_BITS=4", "SYN_WORDS=16384", "PROFILE_BITS=8", "USE_SPRAM=1"}, upCore.Verilog()); d != "" {
		t.Errorf("Verilog (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"SLOT_BITS=8", "DELAY_BITS=3", "SYN_WORDS=768", "PROFILE_BITS=8", "USE_SPRAM=0"}, hxCore.Verilog()); d != "" {
		t.Errorf("Verilog (-want +got):\n%s", d)
	}
	if upCore.Slots() != 1024 || upCore.Delays() != 16 || upCore.Synapses() != 32768 || upCore.Profiles() != 256 {
		t.Errorf("icebreaker core: %d slots, %d delays, %d synapses, %d profiles", upCore.Slots(), upCore.Delays(), upCore.Synapses(), upCore.Profiles())
	}
	if n := upCore.spramsNeeded(); n != 4 {
		t.Errorf("icebreaker core needs %d SPRAMs, want 4 (DESIGN.md: 4/4)", n)
	}
	// Block RAM: the estimate reproduces what synthesis reports for both
	// built-in boards (docs/benchmarks.md, "FPGA core"; hdl/core_memories.v).
	for _, tc := range []struct {
		core  CoreParams
		total int
		uses  []blockRAMUse
	}{
		{upCore, 30, []blockRAMUse{{"profile", 4}, {"slot_profile", 2}, {"slot_state", 1}, {"state_uv", 12}, {"accum", 6}, {"history", 4}, {"link receive buffer", 1}}},
		{hxCore, 30, []blockRAMUse{{"profile", 4}, {"slot_profile", 1}, {"slot_state", 1}, {"state_uv", 3}, {"accum", 2}, {"history", 1}, {"group_ptr", 8}, {"synapse", 9}, {"link receive buffer", 1}}},
	} {
		total, uses := tc.core.blockRAMsNeeded()
		if total != tc.total {
			t.Errorf("%v: %d block RAMs, want %d", tc.core, total, tc.total)
		}
		if d := cmp.Diff(tc.uses, uses, cmp.AllowUnexported(blockRAMUse{})); d != "" {
			t.Errorf("%v: block RAMs per memory (-want +got):\n%s", tc.core, d)
		}
	}
	for _, tc := range []struct{ depth, width, want int }{
		{256, 62, 4}, {1024, 8, 2}, {1024, 4, 1}, {1024, 48, 12}, {1024, 24, 6}, {1024, 16, 4}, {2048, 16, 8}, {1024, 48, 12},
		{2, 62, 4}, {4096, 1, 2}, {16384, 48, 192}, {256, 8, 1},
	} {
		if got := bram4kBlocks(tc.depth, tc.width); got != tc.want {
			t.Errorf("%dx%d: %d blocks, want %d", tc.depth, tc.width, got, tc.want)
		}
	}
	p := upCore.Target()
	if p.Core.Neurons != 1024 || p.Core.MaxDelay != 16 || p.Core.WeightBits != 8 || p.Core.SynapseMemoryBits != 32768*24 ||
		p.Core.SynapseBits != 24 || p.Core.InputAxonBits != 0 || p.CoresPerChip() != 1 || p.Chip.MaxChips != 1 {
		t.Errorf("Target: %+v", p)
	}
	// The target legalises delays for the core: a network with delays up
	// to 40 compiles to one whose delays fit and which Build accepts.
	net := randnet.Network(5, randnet.Options{MaxDelay: 40})
	res, err := compiler.Compile(net, compiler.Options{Target: hxCore.Target(), CheckIR: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, pr := range res.Net.Projections {
		if d := pr.Syn.MaxDelay(); d > hxCore.Delays() {
			t.Fatalf("projection %s: delay %d after legalisation", pr.Name, d)
		}
	}
	if _, err := Build(res.Net, hxCore); err != nil {
		t.Fatal(err)
	}
}

const goodBoard = `name: myboard
description: a test board
device: ice40up5k
package: sg48
clock:
  pin: 35
  mhz: 12
core_mhz: 24
pins:
  uart_rx: "6"
  uart_tx: "9"
  leds: ["11", "37"]
  led_active_low: true
  button: "10"
usb: ["0403:6010"]
uart_interface: 1
flash:
  tool: iceprog
core:
  slot_bits: 10
  delay_bits: 4
  syn_words: 16384
  profile_bits: 8
  use_spram: true
`

// TestBoardFileErrors: every mistake in a --board-file is reported at
// FILE:LINE:COL with the value and what is allowed.
func TestBoardFileErrors(t *testing.T) {
	dir := t.TempDir()
	load := func(text string) (*Board, error) {
		path := filepath.Join(dir, "board.yaml")
		if err := os.WriteFile(path, []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
		return LoadBoardFile(path)
	}
	b, err := load(goodBoard)
	if err != nil {
		t.Fatal(err)
	}
	if b.Clock.Pin != "35" || b.Core != upCore || b.Device.Name != "ice40up5k" || b.Pins.ButtonActiveLow || b.UARTBaud != DefaultUARTBaud {
		t.Errorf("good board: %+v", b)
	}
	if b, err := load(strings.Replace(goodBoard, "core_mhz: 24", "core_mhz: 24\nuart_baud: 115200", 1)); err != nil || b.UARTBaud != 115200 {
		t.Errorf("uart_baud 115200: %v, %+v", err, b)
	}
	edit := func(old, new string) string {
		if !strings.Contains(goodBoard, old) {
			t.Fatalf("test bug: %q is not in the board", old)
		}
		return strings.Replace(goodBoard, old, new, 1)
	}
	for _, tc := range []struct {
		name, text, want string
	}{
		{"unknown key", edit("core_mhz: 24\n", "core_mhz: 24\ncolour: red\n"), "board.yaml:9:1: the file: unknown key \"colour\" (allowed: name, description, device, pll,"},
		{"unknown nested key", edit("  uart_tx:", "  uart_txd:"), "board.yaml:11:3: pins: unknown key \"uart_txd\" (allowed: uart_rx, uart_tx, leds,"},
		{"slot_bits range", edit("slot_bits: 10", "slot_bits: 13"), "board.yaml:20:14: core.slot_bits: 13 is out of range (allowed: 1..12"},
		{"slot_bits text", edit("slot_bits: 10", "slot_bits: ten"), "board.yaml:20:14: core.slot_bits: \"ten\" is not a whole number"},
		{"syn_words range", edit("syn_words: 16384", "syn_words: 16385"), "board.yaml:22:14: core.syn_words: 16385 is out of range (allowed: 1..16384"},
		{"use_spram text", edit("use_spram: true", "use_spram: yes please"), "board.yaml:24:14: core.use_spram: \"yes please\" is not true or false"},
		{"missing", edit("  syn_words: 16384\n", ""), "board.yaml:20:3: core.syn_words: missing"},
		{"unknown device", edit("device: ice40up5k", "device: ice40up9k"), "board.yaml:3:9: device: unknown device \"ice40up9k\" (allowed: ice40hx8k, ice40up5k"},
		{"package", edit("package: sg48", "package: ct256"), "board.yaml:4:10: package: \"ct256\" is not a package of ice40up5k (allowed: sg48, uwg30)"},
		{"pin range", edit(`uart_rx: "6"`, `uart_rx: "49"`), "board.yaml:10:12: pins.uart_rx: \"49\" is not a pin of the sg48 package (allowed: 1..48)"},
		{"pin twice", edit(`leds: ["11", "37"]`, `leds: ["11", "9"]`), "board.yaml:12:16: pins.leds[1]: pin 9 is already pins.uart_tx"},
		{"usb", edit(`usb: ["0403:6010"]`, `usb: ["ftdi"]`), "board.yaml:15:7: usb[0]: \"ftdi\" (allowed: VID:PID"},
		{"core clock", edit("core_mhz: 24", "core_mhz: 300"), "board.yaml:8:11: core_mhz: 300 is out of range"},
		{"baud off", edit("core_mhz: 24", "core_mhz: 24\nuart_baud: 2500000"), "board.yaml:9:12: uart_baud: 2500000 is -4.0 % off at core_mhz 24 (10 clocks a bit; allowed: within 2 %"},
		{"baud range", edit("core_mhz: 24", "core_mhz: 24\nuart_baud: 0"), "board.yaml:9:12: uart_baud: 0 is out of range (allowed: 1..6000000"},
		{"baud text", edit("core_mhz: 24", "core_mhz: 24\nuart_baud: fast"), "board.yaml:9:12: uart_baud: \"fast\" is not a whole number"},
		{"no pll", edit("core_mhz: 24", "core_mhz: 24\npll: none"), "board.yaml:8:11: core_mhz: 24 differs from clock.mhz 12, but the board has no PLL"},
		{"spram", edit("slot_bits: 10", "slot_bits: 12"), "board.yaml:24:14: core.use_spram: the core needs 7 SPRAM blocks for 16384 synapse words and 65536 group pointers; ice40up5k has 4"},
		{"block ram", edit("use_spram: true", "use_spram: false"), "board.yaml:19:1: core: block RAM: the core and the link need about 286 SB_RAM40_4K blocks (profile 4, slot_profile 2, slot_state 1, state_uv 12, accum 6, history 4, group_ptr 64, synapse 192, link receive buffer 1; an estimate of yosys's mapping); ice40up5k has 30 (block_rams) (allowed: use_spram: true, or fewer slots, delays, synapse words or profiles)"},
		{"block ram, spram on", edit("profile_bits: 8", "profile_bits: 10"), "board.yaml:19:1: core: block RAM: the core and the link need about 43 SB_RAM40_4K blocks (profile 16, slot_profile 3, slot_state 1, state_uv 12, accum 6, history 4, link receive buffer 1; an estimate of yosys's mapping); ice40up5k has 30 (block_rams) (allowed: fewer slots"},
		{"list", edit(`leds: ["11", "37"]`, `leds: 11`), "board.yaml:12:9: pins.leds: want a list, not \"11\""},
		{"syntax", edit("name: myboard", "name: [myboard"), "board.yaml:"},
		{"flash tool", edit("tool: iceprog", "tool: \"ice prog\""), "board.yaml:18:9: flash.tool: \"ice prog\""},
	} {
		_, err := load(tc.text)
		if err == nil {
			t.Errorf("%s: no error", tc.name)
			continue
		}
		msg := strings.TrimPrefix(err.Error(), dir+string(filepath.Separator))
		if !strings.HasPrefix(msg, tc.want) {
			t.Errorf("%s:\n got %s\nwant %s...", tc.name, msg, tc.want)
		}
		var be *BoardError
		var ue interface{ UserError() }
		if !errors.As(err, &be) || !errors.As(err, &ue) {
			t.Errorf("%s: %T is not a *BoardError and a user error", tc.name, err)
		}
	}
	if _, err := LoadBoardFile(filepath.Join(dir, "none.yaml")); err == nil || !strings.Contains(err.Error(), "none.yaml: cannot read the board file: no such file or directory") {
		t.Errorf("missing file: %v", err)
	}
}

// TestBoardDeviceFile: a board file may name a device file next to it,
// and that file's mistakes are reported at their own position.
func TestBoardDeviceFile(t *testing.T) {
	dir := t.TempDir()
	dev := `name: ice40up3k
family: ice40
nextpnr_flag: up3k
packages: [uwg30]
logic_cells: 2800
block_rams: 20
sprams: 4
dsps: 4
pll: SB_PLL40_CORE
`
	board := strings.NewReplacer("device: ice40up5k", "device: up3k.yaml", "package: sg48", "package: uwg30",
		"pin: 35", "pin: A1", `"6"`, "B2", `"9"`, "C3", `["11", "37"]`, "[D4]", `"10"`, "E5").Replace(goodBoard)
	write := func(name, text string) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	write("board.yaml", board)
	write("up3k.yaml", dev)
	// The iCEBreaker's core and its link need 30 block RAMs; the UP3K has 20.
	_, err := LoadBoardFile(filepath.Join(dir, "board.yaml"))
	if want := filepath.Join(dir, "board.yaml") + ":19:1: core: block RAM: the core and the link need about 30 SB_RAM40_4K blocks"; err == nil || !strings.HasPrefix(err.Error(), want) ||
		!strings.Contains(err.Error(), "ice40up3k has 20 (block_rams)") {
		t.Errorf("core too big for the device:\n got %v\nwant %s ... ice40up3k has 20 (block_rams)", err, want)
	}
	// Half the slots need 18.
	write("board.yaml", strings.Replace(board, "slot_bits: 10", "slot_bits: 9", 1))
	b, err := LoadBoardFile(filepath.Join(dir, "board.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := b.Core.blockRAMsNeeded(); n != 18 {
		t.Errorf("slot_bits 9: %d block RAMs, want 18", n)
	}
	if b.Device.NextpnrFlag != "up3k" || b.Device.PLL != "SB_PLL40_CORE" || b.Device.Source != filepath.Join(dir, "up3k.yaml") {
		t.Errorf("device %+v", b.Device)
	}
	write("up3k.yaml", strings.Replace(dev, "dsps: 4", "dsps: -1", 1))
	_, err = LoadBoardFile(filepath.Join(dir, "board.yaml"))
	if want := filepath.Join(dir, "up3k.yaml") + ":8:7: dsps: -1 is out of range (allowed: 0..4096)"; err == nil || err.Error() != want {
		t.Errorf("bad device file:\n got %v\nwant %s", err, want)
	}
	write("up3k.yaml", strings.Replace(dev, "family: ice40", "family: ecp5", 1))
	_, err = LoadBoardFile(filepath.Join(dir, "board.yaml"))
	if err == nil || !strings.Contains(err.Error(), "up3k.yaml:2:9: family: \"ecp5\" (allowed: ice40") {
		t.Errorf("bad family: %v", err)
	}
}
