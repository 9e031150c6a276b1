package fpga

import (
	"embed"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/snnc/snnc/internal/datafiles"
	"github.com/snnc/snnc/ir"
)

// Board is an FPGA board as data: the device it carries (from a device
// file the board names), its pins, clock, serial bridge and flash tool,
// and the parameters of the snn_core its bitstream holds. The boards snnc
// knows are the files in boards/, embedded in the binary; LoadBoardFile
// reads a user's own with the same checks.
type Board struct {
	Name, Description string
	Device            Device
	// Package is the nextpnr-ice40 --package value (sg48, ct256, ...).
	Package string
	// Clock is the board's oscillator; CoreMHz the core's clock, made by
	// the device's PLL when it differs.
	Clock   Clock
	CoreMHz float64
	// UARTBaud is the link's UART rate (uart_baud; DefaultUARTBaud, 3
	// Mbaud, if the file does not say): a bitstream is built for one rate.
	UARTBaud int
	Pins     BoardPins
	// USB lists "VID:PID" of the board's USB serial bridge, lower case,
	// for finding its port; UARTInterface is the bridge's interface that
	// carries the UART (1 on an FT2232H whose first interface programs
	// the flash).
	USB           []string
	UARTInterface int
	// Flash is how to write a bitstream to the board; the bitstream's
	// path follows Args. FlashAlternatives are other tools that work.
	Flash             Flash
	FlashAlternatives []Flash
	Core              CoreParams
	// Source is the file the board came from.
	Source string
}

// Device is an FPGA as data: what nextpnr calls it and what it holds.
type Device struct {
	Name, Family string
	// NextpnrFlag is the device option of nextpnr-ice40 and icetime
	// (up5k for --up5k, -d up5k).
	NextpnrFlag string
	// PLL is the PLL primitive to instantiate (SB_PLL40_PAD when the
	// board's clock enters on the PLL's pad, SB_PLL40_CORE when it comes
	// from the fabric), or "none".
	PLL                                 string
	Packages                            []string
	LogicCells, BlockRAMs, SPRAMs, DSPs int
	Source                              string
}

// Clock is an oscillator on a pin.
type Clock struct {
	Pin string  `yaml:"pin"`
	MHz float64 `yaml:"mhz"`
}

// BoardPins are the package pins the top level uses.
type BoardPins struct {
	UARTRX string // host to FPGA
	UARTTX string // FPGA to host
	LEDs   []string
	// LEDActiveLow: an LED lights when its pin is driven low.
	LEDActiveLow    bool
	Button          string
	ButtonActiveLow bool
}

// Flash is a command that writes a bitstream: Tool, Args, then the path.
type Flash struct {
	Tool string   `yaml:"tool"`
	Args []string `yaml:"args"`
}

// boardFile and deviceFile are the files' layouts.
type boardFile struct {
	Name              string   `yaml:"name"`
	Description       string   `yaml:"description"`
	Device            string   `yaml:"device"`
	PLL               string   `yaml:"pll"`
	Package           string   `yaml:"package"`
	Clock             Clock    `yaml:"clock"`
	CoreMHz           float64  `yaml:"core_mhz"`
	UARTBaud          int      `yaml:"uart_baud"`
	Pins              pinsFile `yaml:"pins"`
	USB               []string `yaml:"usb"`
	UARTInterface     int      `yaml:"uart_interface"`
	Flash             Flash    `yaml:"flash"`
	FlashAlternatives []Flash  `yaml:"flash_alternatives"`
	Core              coreFile `yaml:"core"`
}

type pinsFile struct {
	UARTRX          string   `yaml:"uart_rx"`
	UARTTX          string   `yaml:"uart_tx"`
	LEDs            []string `yaml:"leds"`
	LEDActiveLow    bool     `yaml:"led_active_low"`
	Button          string   `yaml:"button"`
	ButtonActiveLow bool     `yaml:"button_active_low"`
}

type coreFile struct {
	SlotBits    int  `yaml:"slot_bits"`
	DelayBits   int  `yaml:"delay_bits"`
	SynWords    int  `yaml:"syn_words"`
	ProfileBits int  `yaml:"profile_bits"`
	UseSPRAM    bool `yaml:"use_spram"`
}

type deviceFile struct {
	Name        string   `yaml:"name"`
	Family      string   `yaml:"family"`
	NextpnrFlag string   `yaml:"nextpnr_flag"`
	Packages    []string `yaml:"packages"`
	LogicCells  int      `yaml:"logic_cells"`
	BlockRAMs   int      `yaml:"block_rams"`
	SPRAMs      int      `yaml:"sprams"`
	DSPs        int      `yaml:"dsps"`
	PLL         string   `yaml:"pll"`
}

//go:embed boards/*.yaml devices/*.yaml
var dataFiles embed.FS

// Boards returns the names of the embedded boards, sorted.
func Boards() []string { return datafiles.Names(dataFiles, "boards") }

// Devices returns the names of the embedded devices, sorted.
func Devices() []string { return datafiles.Names(dataFiles, "devices") }

// LoadBoard returns the embedded board called name.
func LoadBoard(name string) (*Board, error) {
	data, err := dataFiles.ReadFile("boards/" + name + ".yaml")
	if err != nil || strings.ContainsAny(name, "/\\") {
		return nil, &BoardError{ir.PosError{Msg: fmt.Sprintf("unknown board %q (allowed: %s; or --board-file FILE)", name, strings.Join(Boards(), ", "))}}
	}
	return ParseBoard("boards/"+name+".yaml", data, nil)
}

// LoadBoardFile reads a board file of the user's. Its device is an
// embedded device's name or a device file, a path ending in .yaml
// relative to the board file.
func LoadBoardFile(path string) (*Board, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, &BoardError{ir.PosError{Pos: ir.Pos{File: path}, Msg: fmt.Sprintf("cannot read the board file: %v", unwrapPath(err))}}
	}
	return ParseBoard(path, data, func(dev string) (string, []byte, error) {
		p := filepath.Join(filepath.Dir(path), dev)
		data, err := os.ReadFile(p)
		return p, data, err
	})
}

func unwrapPath(err error) error {
	if pe, ok := err.(*fs.PathError); ok {
		return pe.Err
	}
	return err
}

// ParseBoard reads a board; file names it in messages. readDevice reads a
// device file named in the board by path; nil allows embedded devices only.
func ParseBoard(file string, data []byte, readDevice func(string) (string, []byte, error)) (*Board, error) {
	var f boardFile
	d, err := parseYAML(file, data, &f)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"name", "device", "package", "clock", "clock.pin", "clock.mhz", "core_mhz", "pins", "pins.uart_rx", "pins.uart_tx", "flash", "flash.tool",
		"core", "core.slot_bits", "core.delay_bits", "core.syn_words", "core.profile_bits", "core.use_spram"} {
		if !d.has(key) {
			return nil, &BoardError{ir.PosError{Pos: d.at(key), Msg: fmt.Sprintf("%s: missing (a board states %s)", key, boardKeyDoc[key])}}
		}
	}
	if !wordName.MatchString(f.Name) {
		return nil, d.errorf(d.node("name"), "name: %q (allowed: lower-case letters, digits, '.', '_', '-', starting with a letter or digit)", f.Name)
	}
	b := &Board{Name: f.Name, Description: f.Description, Package: f.Package, Clock: f.Clock, CoreMHz: f.CoreMHz,
		UARTInterface: f.UARTInterface, UARTBaud: f.UARTBaud, Source: file,
		Core: CoreParams{SlotBits: f.Core.SlotBits, DelayBits: f.Core.DelayBits, SynWords: f.Core.SynWords, ProfileBits: f.Core.ProfileBits, UseSPRAM: f.Core.UseSPRAM},
		Pins: BoardPins{UARTRX: f.Pins.UARTRX, UARTTX: f.Pins.UARTTX, LEDs: f.Pins.LEDs, LEDActiveLow: f.Pins.LEDActiveLow, Button: f.Pins.Button, ButtonActiveLow: f.Pins.ButtonActiveLow},
	}
	dev, err := loadDevice(d, f.Device, readDevice)
	if err != nil {
		return nil, err
	}
	b.Device = *dev
	if d.has("pll") {
		if !slices.Contains(pllNames, f.PLL) {
			return nil, d.errorf(d.node("pll"), "pll: %q (allowed: %s)", f.PLL, strings.Join(pllNames, ", "))
		}
		b.Device.PLL = f.PLL
	}
	if !slices.Contains(dev.Packages, f.Package) {
		return nil, d.errorf(d.node("package"), "package: %q is not a package of %s (allowed: %s)", f.Package, dev.Name, strings.Join(dev.Packages, ", "))
	}
	if err := checkClocks(d, b); err != nil {
		return nil, err
	}
	if err := checkBaud(d, b); err != nil {
		return nil, err
	}
	if err := checkPins(d, b); err != nil {
		return nil, err
	}
	for i, u := range f.USB {
		if !usbID.MatchString(u) {
			return nil, d.errorf(d.node("usb").Content[i], "usb[%d]: %q (allowed: VID:PID in hexadecimal, such as 0403:6010)", i, u)
		}
		b.USB = append(b.USB, strings.ToLower(u))
	}
	if f.UARTInterface < 0 || f.UARTInterface > 7 {
		return nil, d.errorf(d.node("uart_interface"), "uart_interface: %d is out of range (allowed: 0..7, the USB interface number of the UART)", f.UARTInterface)
	}
	flashes := append([]Flash{f.Flash}, f.FlashAlternatives...)
	for i, fl := range flashes {
		path := "flash.tool"
		n := d.node(path)
		if i > 0 {
			path = fmt.Sprintf("flash_alternatives[%d].tool", i-1)
			n = lookupKey(d.node("flash_alternatives").Content[i-1], "tool")
			if n == nil {
				return nil, d.errorf(d.node("flash_alternatives").Content[i-1], "%s: missing (the program that writes the bitstream)", path)
			}
		}
		if !toolName.MatchString(fl.Tool) {
			return nil, d.errorf(n, "%s: %q (allowed: a program name such as iceprog)", path, fl.Tool)
		}
		flashes[i].Args = append([]string{}, fl.Args...)
	}
	b.Flash, b.FlashAlternatives = flashes[0], flashes[1:]
	if err := checkCore(d, b); err != nil {
		return nil, err
	}
	return b, nil
}

var boardKeyDoc = map[string]string{
	"name": "its name", "device": "the name of its FPGA's device file, such as ice40up5k",
	"package": "the FPGA's package, such as sg48", "clock": "its oscillator: pin and mhz", "clock.pin": "the oscillator's pin",
	"clock.mhz": "the oscillator's frequency", "core_mhz": "the core's clock in MHz", "pins": "its pins: uart_rx, uart_tx, leds, button",
	"pins.uart_rx": "the pin that receives from the host", "pins.uart_tx": "the pin that sends to the host",
	"flash": "how to flash it: tool and args", "flash.tool": "the program that writes the bitstream",
	"core":           "the core parameters slot_bits, delay_bits, syn_words, profile_bits, use_spram",
	"core.slot_bits": "log2 of the core's slots", "core.delay_bits": "log2 of the longest delay",
	"core.syn_words": "the words of the synapse table", "core.profile_bits": "log2 of the neuron profiles",
	"core.use_spram": "whether synapses live in SPRAM",
}

var (
	wordName = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]*$`)
	toolName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]*$`)
	usbID    = regexp.MustCompile(`^[0-9A-Fa-f]{4}:[0-9A-Fa-f]{4}$`)
	pinName  = regexp.MustCompile(`^([A-Z][0-9]{1,2}|[0-9]{1,3})$`)
	pllNames = []string{"SB_PLL40_PAD", "SB_PLL40_CORE", "none"}
	// nextpnrFlags are the device options of nextpnr-ice40 0.4.
	nextpnrFlags = []string{"lp384", "lp1k", "lp4k", "lp8k", "hx1k", "hx4k", "hx8k", "up3k", "up5k", "u1k", "u2k", "u4k"}
	// numberedPins are the packages whose pins are numbers, with their
	// count; the others are ball grids with pins such as J3.
	numberedPins = map[string]int{"sg48": 48, "qn84": 84, "tq144": 144, "vq100": 100}
)

// loadDevice reads the device the board names.
func loadDevice(d *yamlDoc, dev string, readDevice func(string) (string, []byte, error)) (*Device, error) {
	n := d.node("device")
	var file string
	var data []byte
	if strings.HasSuffix(dev, ".yaml") {
		if readDevice == nil {
			return nil, d.errorf(n, "device: %q: an embedded board names an embedded device (allowed: %s)", dev, strings.Join(Devices(), ", "))
		}
		var err error
		if file, data, err = readDevice(dev); err != nil {
			return nil, d.errorf(n, "device: cannot read %s: %v", dev, unwrapPath(err))
		}
	} else {
		var err error
		file = "devices/" + dev + ".yaml"
		if data, err = dataFiles.ReadFile(file); err != nil || !wordName.MatchString(dev) {
			return nil, d.errorf(n, "device: unknown device %q (allowed: %s, or a device file ending in .yaml)", dev, strings.Join(Devices(), ", "))
		}
	}
	return ParseDevice(file, data)
}

// ParseDevice reads a device file; file names it in messages.
func ParseDevice(file string, data []byte) (*Device, error) {
	var f deviceFile
	d, err := parseYAML(file, data, &f)
	if err != nil {
		return nil, err
	}
	for _, key := range []string{"name", "family", "nextpnr_flag", "packages", "logic_cells", "block_rams", "sprams", "dsps", "pll"} {
		if !d.has(key) {
			return nil, &BoardError{ir.PosError{Pos: d.at(key), Msg: fmt.Sprintf("%s: missing (a device states name, family, nextpnr_flag, packages, logic_cells, block_rams, sprams, dsps and pll)", key)}}
		}
	}
	if !wordName.MatchString(f.Name) {
		return nil, d.errorf(d.node("name"), "name: %q (allowed: lower-case letters, digits, '.', '_', '-')", f.Name)
	}
	if f.Family != "ice40" {
		return nil, d.errorf(d.node("family"), "family: %q (allowed: ice40, the only family snnc's flow builds for)", f.Family)
	}
	if !slices.Contains(nextpnrFlags, f.NextpnrFlag) {
		return nil, d.errorf(d.node("nextpnr_flag"), "nextpnr_flag: %q (allowed: %s)", f.NextpnrFlag, strings.Join(nextpnrFlags, ", "))
	}
	if len(f.Packages) == 0 {
		return nil, d.errorf(d.node("packages"), "packages: empty (list the nextpnr --package names, such as sg48)")
	}
	for i, p := range f.Packages {
		if !wordName.MatchString(p) {
			return nil, d.errorf(d.node("packages").Content[i], "packages[%d]: %q (allowed: a nextpnr package name such as sg48)", i, p)
		}
	}
	for _, r := range []struct {
		key       string
		v, lo, hi int
	}{{"logic_cells", f.LogicCells, 1, 1 << 20}, {"block_rams", f.BlockRAMs, 0, 1 << 12}, {"sprams", f.SPRAMs, 0, 1 << 12}, {"dsps", f.DSPs, 0, 1 << 12}} {
		if r.v < r.lo || r.v > r.hi {
			return nil, d.errorf(d.node(r.key), "%s: %d is out of range (allowed: %d..%d)", r.key, r.v, r.lo, r.hi)
		}
	}
	if !slices.Contains(pllNames, f.PLL) {
		return nil, d.errorf(d.node("pll"), "pll: %q (allowed: %s)", f.PLL, strings.Join(pllNames, ", "))
	}
	return &Device{Name: f.Name, Family: f.Family, NextpnrFlag: f.NextpnrFlag, PLL: f.PLL, Packages: f.Packages,
		LogicCells: f.LogicCells, BlockRAMs: f.BlockRAMs, SPRAMs: f.SPRAMs, DSPs: f.DSPs, Source: file}, nil
}

// iCE40 PLL limits (Lattice DS1040 and FPGA-DS-02008, sysCLOCK PLL
// timing): reference input 10..133 MHz, output 16..275 MHz.
const (
	pllInMin, pllInMax   = 10, 133
	pllOutMin, pllOutMax = 16, 275
	clockMax             = 275
)

// DefaultUARTBaud is the link's UART rate when a board file gives none:
// 3 Mbaud, what an FT2232H carries and 8 clocks a bit at 24 MHz.
const DefaultUARTBaud = 3_000_000

// checkBaud fills in and checks the UART rate: the link's UART takes
// round(core clock / baud) clocks a bit, at least 4, and its rate must
// be within 2 % of the one asked for (8N1 tolerates about 4 % in all).
func checkBaud(d *yamlDoc, b *Board) error {
	if !d.has("uart_baud") {
		b.UARTBaud = DefaultUARTBaud
		return nil
	}
	hz := b.CoreMHz * 1e6
	if b.UARTBaud <= 0 || hz/float64(b.UARTBaud) < 3.5 {
		return d.errorf(d.node("uart_baud"), "uart_baud: %d is out of range (allowed: 1..%d, a quarter of core_mhz %g)", b.UARTBaud, int(hz/4), b.CoreMHz)
	}
	div := math.Round(hz / float64(b.UARTBaud))
	if e := hz/div/float64(b.UARTBaud) - 1; math.Abs(e) > 0.02 {
		return d.errorf(d.node("uart_baud"), "uart_baud: %d is %.1f %% off at core_mhz %g (%g clocks a bit; allowed: within 2 %%, e.g. 115200 or 3000000)", b.UARTBaud, 100*e, b.CoreMHz, div)
	}
	return nil
}

func checkClocks(d *yamlDoc, b *Board) error {
	if b.Clock.MHz <= 0 || b.Clock.MHz > clockMax {
		return d.errorf(d.node("clock.mhz"), "clock.mhz: %g is out of range (allowed: more than 0, at most %d)", b.Clock.MHz, clockMax)
	}
	if b.CoreMHz <= 0 || b.CoreMHz > clockMax {
		return d.errorf(d.node("core_mhz"), "core_mhz: %g is out of range (allowed: more than 0, at most %d)", b.CoreMHz, clockMax)
	}
	if b.CoreMHz == b.Clock.MHz {
		return nil
	}
	if b.Device.PLL == "none" {
		return d.errorf(d.node("core_mhz"), "core_mhz: %g differs from clock.mhz %g, but the board has no PLL (pll: none); allowed: %g", b.CoreMHz, b.Clock.MHz, b.Clock.MHz)
	}
	if b.Clock.MHz < pllInMin || b.Clock.MHz > pllInMax {
		return d.errorf(d.node("clock.mhz"), "clock.mhz: %g cannot feed the iCE40 PLL (allowed: %d..%d MHz, or core_mhz equal to clock.mhz)", b.Clock.MHz, pllInMin, pllInMax)
	}
	if b.CoreMHz < pllOutMin || b.CoreMHz > pllOutMax {
		return d.errorf(d.node("core_mhz"), "core_mhz: %g is outside the iCE40 PLL's output range (allowed: %d..%d MHz, or equal to clock.mhz)", b.CoreMHz, pllOutMin, pllOutMax)
	}
	return nil
}

// checkPins checks every pin's form for the package, and that no pin is
// used twice.
func checkPins(d *yamlDoc, b *Board) error {
	type use struct {
		path string
		pin  string
	}
	uses := []use{{"clock.pin", b.Clock.Pin}, {"pins.uart_rx", b.Pins.UARTRX}, {"pins.uart_tx", b.Pins.UARTTX}}
	if len(b.Pins.LEDs) > 16 {
		return d.errorf(d.node("pins.leds"), "pins.leds: %d LEDs (allowed: at most 16)", len(b.Pins.LEDs))
	}
	for i, p := range b.Pins.LEDs {
		uses = append(uses, use{fmt.Sprintf("pins.leds[%d]", i), p})
	}
	if d.has("pins.button") {
		uses = append(uses, use{"pins.button", b.Pins.Button})
	}
	seen := map[string]string{}
	for _, u := range uses {
		n := d.nodeIndexed(u.path)
		if err := checkPin(b.Package, u.pin); err != nil {
			return d.errorf(n, "%s: %q %v", u.path, u.pin, err)
		}
		if prev, ok := seen[u.pin]; ok {
			return d.errorf(n, "%s: pin %s is already %s (allowed: each pin once)", u.path, u.pin, prev)
		}
		seen[u.pin] = u.path
	}
	return nil
}

func checkPin(pkg, pin string) error {
	count, numbered := numberedPins[pkg]
	if numbered {
		n, err := strconv.Atoi(pin)
		if err != nil || n < 1 || n > count {
			return fmt.Errorf("is not a pin of the %s package (allowed: 1..%d)", pkg, count)
		}
		return nil
	}
	if !pinName.MatchString(pin) || pin[0] < 'A' {
		return fmt.Errorf("is not a pin of the %s package (allowed: a ball such as J3: a capital letter and a number)", pkg)
	}
	return nil
}

// nodeIndexed is node for paths that may end in [i].
func (d *yamlDoc) nodeIndexed(path string) *yaml.Node {
	base, idx, ok := strings.Cut(path, "[")
	n := d.node(base)
	if !ok || n == nil {
		return n
	}
	i, _ := strconv.Atoi(strings.TrimSuffix(idx, "]"))
	return n.Content[i]
}

// checkCore range-checks the core parameters at their positions and
// checks that the device holds the memories they need: SPRAM exactly,
// block RAM as estimated (blockRAMsNeeded).
func checkCore(d *yamlDoc, b *Board) error {
	c := b.Core
	for _, r := range coreRanges {
		if v := r.get(c); v < r.min || v > r.max {
			return d.errorf(d.node("core."+r.key), "core.%s: %d is out of range (allowed: %d..%d: %s)", r.key, v, r.min, r.max, r.why)
		}
	}
	if err := c.Check(); err != nil {
		return d.errorf(d.node("core.delay_bits"), "core: %v", err)
	}
	if c.UseSPRAM && c.spramsNeeded() > b.Device.SPRAMs {
		return d.errorf(d.node("core.use_spram"), "core.use_spram: the core needs %d SPRAM blocks for %d synapse words and %d group pointers; %s has %d (allowed: use_spram: false, or fewer words)",
			c.spramsNeeded(), c.SynWords, c.Slots()*c.Delays(), b.Device.Name, b.Device.SPRAMs)
	}
	// Block RAM: an estimate of yosys's mapping (blockRAMsNeeded), exact
	// for the built-in boards; nextpnr's report has the real count. It
	// turns away in milliseconds a core that synthesis and placement
	// would reject only after minutes.
	if need, uses := c.blockRAMsNeeded(); need > b.Device.BlockRAMs {
		parts := make([]string, len(uses))
		for i, u := range uses {
			parts[i] = fmt.Sprintf("%s %d", u.name, u.blocks)
		}
		hint := "fewer slots, delays, synapse words or profiles"
		if !c.UseSPRAM && b.Device.SPRAMs > 0 {
			hint = "use_spram: true, or " + hint
		}
		return d.errorf(d.key("core"), "core: block RAM: the core and the link need about %d SB_RAM40_4K blocks (%s; an estimate of yosys's mapping); %s has %d (block_rams) (allowed: %s)",
			need, strings.Join(parts, ", "), b.Device.Name, b.Device.BlockRAMs, hint)
	}
	return nil
}
