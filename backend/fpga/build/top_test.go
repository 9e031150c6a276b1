package build

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga"
	"github.com/snnc/snnc/internal/edatest"
)

// cellsSim holds the iCE40 primitives' simulation models (Debian yosys).
const cellsSim = "/usr/share/yosys/ice40/cells_sim.v"

// The top level of each board elaborates in iverilog against the iCE40
// primitive models, the core and the bridge: every port of snn_core and
// host_bridge is connected by name with the right width, and the PLL's
// parameters are legal for its model. Warnings about the top are errors
// (port width mismatches show up only as warnings), except for the PLL's
// unused ports (feedback, dynamic delay, test interface), which the top
// leaves open as Lattice's and icepll's templates do.
func TestTopElaborates(t *testing.T) {
	edatest.Require(t, "iverilog")
	if _, err := os.Stat(cellsSim); err != nil {
		edatest.Unavailable(t, cellsSim+" not found (apt-get install -y yosys)")
	}
	for _, name := range fpga.Boards() {
		t.Run(name, func(t *testing.T) {
			src := emit(t, loadBoard(t, name))
			dir := t.TempDir()
			if err := src.WriteDir(dir); err != nil {
				t.Fatal(err)
			}
			args := []string{"-g2005", "-Wimplicit", "-Wportbind", "-Wselect-range", "-DNO_ICE40_DEFAULT_ASSIGNMENTS", "-s", TopModule, "-o", filepath.Join(dir, "top.vvp")}
			for _, f := range src.Verilog {
				args = append(args, filepath.Join(dir, f.Name))
			}
			args = append(args, cellsSim)
			out, err := exec.Command("iverilog", args...).CombinedOutput()
			if err != nil {
				t.Fatalf("iverilog %s: %v\n%s", strings.Join(args, " "), err, out)
			}
			for _, line := range strings.Split(string(out), "\n") {
				if strings.Contains(line, TopFile) && !pllUnused.MatchString(line) {
					t.Errorf("iverilog warns about the top level: %s", line)
				}
			}
		})
	}
}

var pllUnused = regexp.MustCompile(`SB_PLL40_(PAD|CORE) with dangling input port \d+ \((EXTFEEDBACK|DYNAMICDELAY|LATCHINPUTVALUE|SDI|SCLK)\)`)

// What the top level and the pin file say for the two boards: the PLL
// primitive and dividers, the core's parameters, the bridge's clock, the
// LEDs' polarity, and set_io lines without options (icetime -p rejects
// -nowarn).
func TestTopAndPCF(t *testing.T) {
	ice := loadBoard(t, "icebreaker")
	hx := loadBoard(t, "ice40-hx8k")
	tests := []struct {
		b        *fpga.Board
		top, pcf []string
	}{
		{ice, []string{"SB_PLL40_PAD #(", ".PACKAGEPIN(clk_in)", ".DIVR(4'b0000)", ".DIVF(7'b0111111)", ".DIVQ(3'b101)", ".FILTER_RANGE(3'b001)",
			".CLK_HZ(24000000)", ".BAUD(3000000)", ".SLOT_BITS(10)", ".DELAY_BITS(4)", ".SYN_WORDS(16384)", ".PROFILE_BITS(8)", ".USE_SPRAM(1)",
			"snnc_system #(", ".LINK_SPI(0)", ".BUILD_HASH(64'h", ".spi_cs_n(1'b1)", "assign led[0] = !activity;", "assign led[1] = rst;"},
			[]string{"set_io clk_in 35\n", "set_io uart_rx 6\n", "set_io uart_tx 9\n", "set_io led[0] 11\n", "set_io led[1] 37\n"}},
		{hx, []string{"SB_PLL40_CORE #(", ".REFERENCECLK(clk_in)", ".DIVF(7'b0111111)", ".DIVQ(3'b100)", ".CLK_HZ(48000000)", ".SLOT_BITS(8)", ".DELAY_BITS(3)", ".SYN_WORDS(768)", ".USE_SPRAM(0)",
			"assign led[0] = activity;", "assign led[1] = !rst;"},
			[]string{"set_io clk_in J3\n", "set_io uart_rx B10\n", "set_io uart_tx B12\n", "set_io led[0] B5\n", "set_io led[1] B4\n"}},
	}
	for _, tt := range tests {
		top, err := Top(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range tt.top {
			if !strings.Contains(string(top), want) {
				t.Errorf("%s: top level lacks %q", tt.b.Name, want)
			}
		}
		pcf := string(PCF(tt.b))
		for _, want := range tt.pcf {
			if !strings.Contains(pcf, want) {
				t.Errorf("%s: pcf lacks %q:\n%s", tt.b.Name, want, pcf)
			}
		}
		for _, line := range strings.Split(strings.TrimSpace(pcf), "\n") {
			if f := strings.Fields(line); !strings.HasPrefix(line, "#") && (len(f) != 3 || f[0] != "set_io") {
				t.Errorf("%s: pcf line %q is not plain set_io NAME PIN", tt.b.Name, line)
			}
		}
	}
}

// The build hash depends on what the RTL is — the core parameters, the
// core clock, the link — and not on the pins; the Verilog constant puts
// byte 0 in bits [7:0], the top level passes it, and a link other than
// uart and spi is refused.
func TestBuildHash(t *testing.T) {
	ice := loadBoard(t, "icebreaker")
	hash := func(b *fpga.Board, link string) [8]byte {
		t.Helper()
		h, err := BuildHash(b, link)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	uart := hash(ice, "uart")
	if uart == ([8]byte{}) || uart != hash(loadBoard(t, "icebreaker"), "uart") {
		t.Fatalf("hash %x is zero or not stable", uart)
	}
	b := *ice
	b.Pins.UARTTX, b.Pins.LEDs = "10", nil
	if hash(&b, "uart") != uart {
		t.Error("the pins change the hash")
	}
	src := emit(t, ice)
	if src.BuildHash != uart || !strings.Contains(string(src.Verilog[len(src.Verilog)-1].Data), ".BUILD_HASH("+VerilogHash(uart)+")") {
		t.Errorf("Emit's hash %x, or the top level does not pass %s", src.BuildHash, VerilogHash(uart))
	}
	differs := func(what string, h [8]byte) {
		t.Helper()
		if h == uart {
			t.Errorf("%s does not change the hash", what)
		}
	}
	differs("the SPI link", hash(ice, "spi"))
	differs("the other board", hash(loadBoard(t, "ice40-hx8k"), "uart"))
	b = *ice
	b.CoreMHz = 20
	differs("the core clock", hash(&b, "uart"))
	b = *ice
	b.Core.SynWords = 8192
	differs("SYN_WORDS", hash(&b, "uart"))
	b = *ice
	b.UARTBaud = 115200
	differs("the UART rate", hash(&b, "uart"))
	if top := string(emit(t, &b).Verilog[len(src.Verilog)-1].Data); !strings.Contains(top, ".BAUD(115200)") {
		t.Error("the top level does not pass the board's uart_baud")
	}
	if _, err := BuildHash(ice, "usb"); err == nil || err.Error() != `link "usb" is not a link variant (allowed: uart, spi)` {
		t.Errorf("link usb: %v", err)
	}
	if got := VerilogHash([8]byte{0x3c, 0x91, 0x5e, 0x07, 0xd2, 0x44, 0xa8, 0x1b}); got != "64'h1ba844d2075e913c" {
		t.Errorf("VerilogHash: %s", got)
	}
}

// A board whose oscillator runs at the core clock needs no PLL; a core
// clock the PLL cannot make and an unknown PLL primitive are errors that
// name the board.
func TestClockPlans(t *testing.T) {
	b := *loadBoard(t, "icebreaker")
	b.CoreMHz = 12
	top, err := Top(&b)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(top), "SB_PLL40") || !strings.Contains(string(top), "assign clk = clk_in;") || !strings.Contains(string(top), ".CLK_HZ(12000000)") {
		t.Errorf("12 MHz core on a 12 MHz board:\n%s", top)
	}
	b.CoreMHz = 300
	if _, err := Top(&b); err == nil || !strings.Contains(err.Error(), "board icebreaker") || !strings.Contains(err.Error(), "16..275 MHz") {
		t.Errorf("300 MHz: %v", err)
	}
	b.CoreMHz = 24
	b.Device.PLL = "SB_PLL40_2F_PAD"
	if _, err := Top(&b); err == nil || !strings.Contains(err.Error(), `"SB_PLL40_2F_PAD" is not supported`) {
		t.Errorf("unknown primitive: %v", err)
	}
	b.Device.PLL = ""
	if _, err := Top(&b); err == nil || !strings.Contains(err.Error(), "names no PLL primitive") {
		t.Errorf("no primitive: %v", err)
	}
}

// The cache key is stable for the same sources and changes with anything
// the bitstream depends on: the seed, a tool's version, a source file, the
// board's parameters.
func TestCacheKey(t *testing.T) {
	tools := []ToolVersion{{Name: "yosys", Version: "Yosys 0.23"}, {Name: "nextpnr-ice40", Version: "0.4"}}
	ice := loadBoard(t, "icebreaker")
	src := emit(t, ice)
	key := src.Key(tools, 1)
	if len(key) != 64 || key != emit(t, ice).Key(tools, 1) {
		t.Fatalf("key %q not stable", key)
	}
	other := func(what, k string) {
		t.Helper()
		if k == key {
			t.Errorf("%s does not change the key", what)
		}
	}
	other("the seed", src.Key(tools, 2))
	other("yosys's version", src.Key([]ToolVersion{{Name: "yosys", Version: "Yosys 0.24"}, tools[1]}, 1))
	changed := *src
	changed.Verilog = append([]File{}, src.Verilog...)
	changed.Verilog[0].Data = append([]byte("// edited\n"), changed.Verilog[0].Data...)
	other("an edited source", changed.Key(tools, 1))
	b := *ice
	b.CoreMHz = 20
	other("the core clock", emit(t, &b).Key(tools, 1))
	b = *ice
	b.Core.SynWords = 8192
	other("SYN_WORDS", emit(t, &b).Key(tools, 1))
	b = *ice
	b.Pins.UARTTX = "10"
	other("a pin", emit(t, &b).Key(tools, 1))
	other("the other board", emit(t, loadBoard(t, "ice40-hx8k")).Key(tools, 1))
}

// The manifest lists every file under the paths given, sorted, with its
// size and hash; writing it twice gives the same bytes.
func TestManifest(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{"b.txt": "bee\n", "rtl/z.v": "module z; endmodule\n", "rtl/a.v": "", "mem/x.hex": "00\n", "other.txt": "not listed"}
	for name, data := range files {
		if err := os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	m := Manifest{Snnc: "test", Input: "net.yaml", Board: "icebreaker", Seed: 1}
	paths := []string{"rtl", "b.txt", "mem", "missing.bin", ManifestFile}
	if err := WriteManifest(dir, m, paths); err != nil {
		t.Fatal(err)
	}
	first := readFile(t, filepath.Join(dir, ManifestFile))
	if err := WriteManifest(dir, m, paths); err != nil {
		t.Fatal(err)
	}
	if second := readFile(t, filepath.Join(dir, ManifestFile)); second != first {
		t.Errorf("manifest differs between two writes:\n%s\n%s", first, second)
	}
	for _, want := range []string{
		`"path": "b.txt",` + "\n      \"sha256\": \"",
		`"path": "mem/x.hex"`,
		`"path": "rtl/a.v",` + "\n      \"sha256\": \"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\",\n      \"size\": 0",
	} {
		if !strings.Contains(first, want) {
			t.Errorf("manifest lacks %q:\n%s", want, first)
		}
	}
	order := []string{`"b.txt"`, `"mem/x.hex"`, `"rtl/a.v"`, `"rtl/z.v"`}
	last := -1
	for _, p := range order {
		i := strings.Index(first, p)
		if i < last {
			t.Errorf("%s out of order", p)
		}
		last = i
	}
	if strings.Contains(first, "other.txt") || strings.Contains(first, `"path": "manifest.json"`) {
		t.Errorf("manifest lists files it should not:\n%s", first)
	}
}
