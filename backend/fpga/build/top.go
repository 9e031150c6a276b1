package build

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"text/template"

	"github.com/snnc/snnc/backend/fpga"
)

// Names of the generated files in rtl/.
const (
	TopFile    = "snnc_top.v"
	TopModule  = "snnc_top"
	PCFFile    = "snnc.pcf"
	ScriptFile = "synth.ys"
)

// porBits sizes the power-on reset counter: 2^8−1 cycles after the PLL
// locks are long enough for its output to settle and short beside the
// UART's first byte (80 cycles at 3 Mbaud).
const porBits = 8

// ClockPlan is how the board's oscillator becomes the core clock: through
// the PLL, or directly when the oscillator already runs at CoreMHz.
type ClockPlan struct {
	Primitive string // SB_PLL40_PAD, SB_PLL40_CORE, or "" without the PLL
	PLL       PLL
	CoreHz    float64 // the core clock as built (the PLL's achieved output)
}

// PlanClock chooses the PLL setting for b. A board whose oscillator runs
// at CoreMHz needs none; otherwise the device must name its PLL primitive.
func PlanClock(b *fpga.Board) (ClockPlan, error) {
	inHz := int64(math.Round(b.Clock.MHz * 1e6))
	outHz := int64(math.Round(b.CoreMHz * 1e6))
	if inHz == outHz {
		return ClockPlan{CoreHz: float64(outHz)}, nil
	}
	switch b.Device.PLL {
	case "SB_PLL40_PAD", "SB_PLL40_CORE":
	case "":
		return ClockPlan{}, fmt.Errorf("board %s: core clock %g MHz differs from the %g MHz oscillator, and device %s names no PLL primitive", b.Name, b.CoreMHz, b.Clock.MHz, b.Device.Name)
	default:
		return ClockPlan{}, fmt.Errorf("board %s: device %s: PLL primitive %q is not supported (allowed: SB_PLL40_PAD, SB_PLL40_CORE)", b.Name, b.Device.Name, b.Device.PLL)
	}
	pll, err := ComputePLL(inHz, outHz)
	if err != nil {
		return ClockPlan{}, fmt.Errorf("board %s: core clock: %w", b.Name, err)
	}
	return ClockPlan{Primitive: b.Device.PLL, PLL: pll, CoreHz: pll.AchievedHz}, nil
}

// topData is what the top-level template is filled with.
type topData struct {
	Board       *fpga.Board
	Clock       ClockPlan
	CoreParams  []param
	CoreHzRound int64
	Baud        int
	BuildHash   string // BUILD_HASH, a Verilog constant
	PORBits     int
	PORMSB      int
	LEDMSB      int
	LEDs        int // how many LEDs the top drives (at most 2)
	LEDActivity string
	LEDReady    string // "" when the board has one LED
}

type param struct{ Name, Value string }

// Top writes snnc_top.v for board b: the PLL from the board's oscillator to
// the core clock, a power-on reset, snnc_system (the link over the UART on
// the board's pins, snn_core with the board's parameters; its SPI pins tied
// to their idle levels), its build hash (BuildHash, "uart") and the
// activity LED. It depends on the board (pins, clock, capacity) only, never
// on a network: one bitstream serves every network that fits.
func Top(b *fpga.Board) ([]byte, error) {
	clk, err := PlanClock(b)
	if err != nil {
		return nil, err
	}
	if b.Pins.UARTRX == "" || b.Pins.UARTTX == "" {
		return nil, fmt.Errorf("board %s: the host link needs UART pins (pins.uart_rx %q, pins.uart_tx %q)", b.Name, b.Pins.UARTRX, b.Pins.UARTTX)
	}
	hash, err := BuildHash(b, "uart")
	if err != nil {
		return nil, err
	}
	d := topData{Board: b, Clock: clk, CoreHzRound: int64(math.Round(clk.CoreHz)),
		Baud: b.UARTBaud, BuildHash: VerilogHash(hash), PORBits: porBits, LEDs: min(len(b.Pins.LEDs), 2)}
	d.PORMSB, d.LEDMSB = porBits-1, d.LEDs-1
	// An active-low LED is lit by a 0.
	d.LEDActivity, d.LEDReady = "activity", "!rst"
	if b.Pins.LEDActiveLow {
		d.LEDActivity, d.LEDReady = "!activity", "rst"
	}
	if d.LEDs < 2 {
		d.LEDReady = ""
	}
	for _, p := range b.Core.Verilog() {
		name, value, ok := strings.Cut(p, "=")
		if !ok {
			return nil, fmt.Errorf("core parameter %q is not NAME=value", p)
		}
		d.CoreParams = append(d.CoreParams, param{name, value})
	}
	var buf bytes.Buffer
	if err := topTemplate.Execute(&buf, d); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// PCF writes the pin constraints of snnc_top for board b. Plain set_io
// lines only: icetime -p rejects options such as -nowarn.
func PCF(b *fpga.Board) []byte {
	var buf bytes.Buffer
	fmt.Fprintf(&buf, "# %s: the pins of %s on board %s (%s, package %s). Written by snnc.\n", PCFFile, TopModule, b.Name, b.Device.Name, b.Package)
	fmt.Fprintf(&buf, "set_io clk_in %s\n", b.Clock.Pin)
	fmt.Fprintf(&buf, "set_io uart_rx %s\n", b.Pins.UARTRX)
	fmt.Fprintf(&buf, "set_io uart_tx %s\n", b.Pins.UARTTX)
	for i, pin := range b.Pins.LEDs[:min(len(b.Pins.LEDs), 2)] {
		fmt.Fprintf(&buf, "set_io led[%d] %s\n", i, pin)
	}
	return buf.Bytes()
}

func bin(width, v int) string { return fmt.Sprintf("%d'b%0*b", width, width, v) }

var topTemplate = template.Must(template.New("top").Funcs(template.FuncMap{"bin": bin, "mhz": func(hz float64) string { return mhz(hz) }}).Parse(
	`// snnc_top.v: the top level of snnc's bitstream for board {{.Board.Name}}
// ({{.Board.Device.Name}}, package {{.Board.Package}}). Written by snnc compile --target fpga:
// do not edit. It depends on the board and the core's capacity only, never
// on a network; a network is loaded over the link at start-up.
//
//   clk_in (pin {{.Board.Clock.Pin}}, {{printf "%g" .Board.Clock.MHz}} MHz){{if .Clock.Primitive}} -> {{.Clock.Primitive}} -> clk ({{mhz .Clock.CoreHz}}){{else}} = clk{{end}}
//   rst: power-on reset, high until {{if .Clock.Primitive}}the PLL has been locked for{{else}}after{{end}} 2^{{.PORBits}}-1 cycles
//   snnc_system (hdl/snnc_system.v): the link (docs/protocol.md) over the UART at {{.Baud}} baud,
//     uart_rx pin {{.Board.Pins.UARTRX}} (host to FPGA), uart_tx pin {{.Board.Pins.UARTTX}}; build hash {{.BuildHash}};
//     snn_core: {{range $i, $p := .CoreParams}}{{if $i}}, {{end}}{{$p.Name}}={{$p.Value}}{{end}}
{{- if .LEDs}}
//   led[0] (pin {{index .Board.Pins.LEDs 0}}): toggles on every step{{end}}
{{- if .LEDReady}}
//   led[1] (pin {{index .Board.Pins.LEDs 1}}): on while the core is out of reset{{end}}
` + "`" + `default_nettype none

module snnc_top (
    input  wire clk_in,
    input  wire uart_rx,
    output wire uart_tx{{if .LEDs}},
    output wire [{{.LEDMSB}}:0] led{{end}}
);
    // Core clock.
    wire clk;
    wire pll_lock;
{{- if eq .Clock.Primitive "SB_PLL40_PAD"}}
    // F_PFD = {{mhz .Clock.PLL.PFDHz}}, F_VCO = {{mhz .Clock.PLL.VCOHz}}, F_OUT = {{mhz .Clock.PLL.AchievedHz}}
    SB_PLL40_PAD #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR({{bin 4 .Clock.PLL.DIVR}}),        // DIVR = {{.Clock.PLL.DIVR}}
        .DIVF({{bin 7 .Clock.PLL.DIVF}}),     // DIVF = {{.Clock.PLL.DIVF}}
        .DIVQ({{bin 3 .Clock.PLL.DIVQ}}),         // DIVQ = {{.Clock.PLL.DIVQ}}
        .FILTER_RANGE({{bin 3 .Clock.PLL.FilterRange}})  // FILTER_RANGE = {{.Clock.PLL.FilterRange}}
    ) pll (
        .PACKAGEPIN(clk_in),
        .PLLOUTGLOBAL(clk),
        .LOCK(pll_lock),
        .RESETB(1'b1),
        .BYPASS(1'b0)
    );
{{- else if eq .Clock.Primitive "SB_PLL40_CORE"}}
    // F_PFD = {{mhz .Clock.PLL.PFDHz}}, F_VCO = {{mhz .Clock.PLL.VCOHz}}, F_OUT = {{mhz .Clock.PLL.AchievedHz}}
    SB_PLL40_CORE #(
        .FEEDBACK_PATH("SIMPLE"),
        .DIVR({{bin 4 .Clock.PLL.DIVR}}),        // DIVR = {{.Clock.PLL.DIVR}}
        .DIVF({{bin 7 .Clock.PLL.DIVF}}),     // DIVF = {{.Clock.PLL.DIVF}}
        .DIVQ({{bin 3 .Clock.PLL.DIVQ}}),         // DIVQ = {{.Clock.PLL.DIVQ}}
        .FILTER_RANGE({{bin 3 .Clock.PLL.FilterRange}})  // FILTER_RANGE = {{.Clock.PLL.FilterRange}}
    ) pll (
        .REFERENCECLK(clk_in),
        .PLLOUTGLOBAL(clk),
        .LOCK(pll_lock),
        .RESETB(1'b1),
        .BYPASS(1'b0)
    );
{{- else}}
    assign clk = clk_in;
    assign pll_lock = 1'b1;
{{- end}}

    // Power-on reset. iCE40 flip-flops start at their initial values after
    // configuration; LOCK is asynchronous to clk, so it is synchronised
    // first. rst stays high until the clock has been stable for 2^{{.PORBits}}-1 cycles.
    reg [1:0] lock_sync = 2'b00;
    reg [{{.PORMSB}}:0] por_count = {{.PORBits}}'d0;
    reg rst = 1'b1;
    always @(posedge clk) begin
        lock_sync <= {lock_sync[0], pll_lock};
        if (!lock_sync[1])
            por_count <= {{.PORBits}}'d0;
        else if (!(&por_count))
            por_count <= por_count + {{.PORBits}}'d1;
        rst <= !(&por_count);
    end

    // The link over the UART and the core (hdl/snnc_system.v); the SPI
    // pins are not on this board's top: held at their idle levels.
    wire activity;
    snnc_system #(
{{- range $i, $p := .CoreParams}}
        .{{$p.Name}}({{$p.Value}}),{{end}}
        .CLK_HZ({{.CoreHzRound}}),
        .BAUD({{.Baud}}),
        .LINK_SPI(0),
        .BUILD_HASH({{.BuildHash}})
    ) system (
        .clk(clk), .rst(rst),
        .uart_rx(uart_rx), .uart_tx(uart_tx),
        .spi_sck(1'b0), .spi_cs_n(1'b1), .spi_mosi(1'b0), .spi_miso(),
        .activity(activity), .busy(), .idle()
    );
{{- if .LEDs}}

    // LEDs{{if .Board.Pins.LEDActiveLow}} (active low){{end}}.
    assign led[0] = {{.LEDActivity}};
{{- if .LEDReady}}
    assign led[1] = {{.LEDReady}};
{{- end}}
{{- end}}
endmodule

` + "`" + `default_nettype wire
`))
