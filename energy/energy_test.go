package energy

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// tech45 is the default technology, written out rather than loaded, so
// that the figures below do not depend on the file.
var tech45 = &Tech{Name: "test", RAMBasePJ: 13.2, RAMPerBitPJ: 1.09e-5, AddPJ: 0.1, MulPJ: 3.1}

// dense256x64 is a 256 → 64 all-to-all projection over 100 steps: 500
// input spikes, each reaching all 64 targets, and 40 output spikes, with
// leaking neurons, 32-bit words and a 64-entry FIFO.
var dense256x64 = Counts{
	Steps: 100, Sources: 256, Targets: 64, Synapses: 256 * 64,
	InputSpikes: 500, OutputSpikes: 40, SynapticEvents: 500 * 64,
	Leaks: true, Bits: 32, FIFO: 64,
}

func near(t *testing.T, what string, got, want float64) {
	t.Helper()
	if math.Abs(got-want) > 1e-9*math.Abs(want) {
		t.Errorf("%s = %.10g pJ, want %.10g (relative error %.3g)", what, got, want, math.Abs(got-want)/math.Abs(want))
	}
}

// The spiking energy of the 256 → 64 projection, computed by hand from the
// formulas of docs/energy.md.
func TestSpikingByHand(t *testing.T) {
	const (
		eRAMW    = 13.2 + 1.09e-5*16384*32 // the weight memory: W = 16384 words
		eRAMNout = 13.2 + 1.09e-5*64*32    // biases and potentials: N_out = 64 words
		eRAMF    = 13.2 + 1.09e-5*64*32    // the FIFO: F = 64 words
		se       = 32000.0                 // 500 spikes × 64 targets
		tn       = 100.0 * 64              // T·N_out
		adds     = se + tn + 40            // synaptic events, bias additions, resets
		macs     = tn                      // the leak
	)
	got := Spiking(dense256x64, tech45)
	near(t, "ops", got.Ops, adds*0.1+macs*(3.1+0.1))
	near(t, "addressing", got.Addressing, se*0.1)
	near(t, "weights", got.Weights, se*eRAMW)
	near(t, "bias", got.Bias, tn*eRAMNout)
	near(t, "potentials", got.Potentials, 2*(se+tn)*eRAMNout)
	near(t, "io", got.IO, (500+40)*eRAMF)
	// The same, evaluated on paper: 24324 + 3200 + 605271.6544 +
	// 84622.86848 + 1015474.42176 + 7140.054528.
	near(t, "total", got.Total, 1740032.999168)

	// Without a leak there is no multiply-accumulate.
	still := dense256x64
	still.Leaks = false
	near(t, "ops without leak", Spiking(still, tech45).Ops, adds*0.1)
}

// The same projection run once as a conventional network.
func TestConventionalByHand(t *testing.T) {
	const (
		eRAMW    = 13.2 + 1.09e-5*16384*32
		eRAMNout = 13.2 + 1.09e-5*64*32
		eRAMNin  = 13.2 + 1.09e-5*256*32
		w        = 16384.0
	)
	got := Conventional(dense256x64, tech45)
	near(t, "ops", got.Ops, w*(3.1+0.1)+64*0.1)
	near(t, "addressing", got.Addressing, w*0.1)
	near(t, "weights", got.Weights, w*eRAMW)
	near(t, "bias", got.Bias, 64*eRAMNout)
	if got.Potentials != 0 {
		t.Errorf("potentials = %g pJ, want 0: a conventional network keeps none", got.Potentials)
	}
	near(t, "io", got.IO, 256*eRAMNin+64*eRAMNout)
	// 52435.2 + 1638.4 + 309899.0870528 + 846.2286848 + 4248.2876416
	near(t, "total", got.Total, 369067.2033792)
}

// Every term reads its own memory: a FIFO, words and sizes that differ
// from each other show a mix-up that the default sizes hide.
func TestMemoriesApart(t *testing.T) {
	c := Counts{Steps: 3, Sources: 5, Targets: 7, Synapses: 11, InputSpikes: 2, OutputSpikes: 1, SynapticEvents: 9, Bits: 8, FIFO: 13}
	tech := &Tech{RAMBasePJ: 1, RAMPerBitPJ: 1, AddPJ: 0, MulPJ: 0}
	snn := Spiking(c, tech)
	near(t, "weights", snn.Weights, 9*(1+11*8))
	near(t, "bias", snn.Bias, 3*7*(1+7*8))
	near(t, "potentials", snn.Potentials, 2*(9+3*7)*(1+7*8))
	near(t, "io", snn.IO, (2+1)*(1+13*8))
	fnn := Conventional(c, tech)
	near(t, "fnn io", fnn.IO, 5*(1+5*8)+7*(1+7*8))
}

// The spiking energy is affine in the input spike count: each input spike
// of the all-to-all projection adds 64 synaptic events and one FIFO entry,
// always at the same price.
func TestSpikingLinearInInputSpikes(t *testing.T) {
	at := func(k int64) float64 {
		c := dense256x64
		c.InputSpikes, c.SynapticEvents = k, 64*k
		return Spiking(c, tech45).Total
	}
	const k = 250
	step := at(k) - at(0)
	for m := int64(1); m <= 8; m++ {
		near(t, "E((m+1)k) − E(mk)", at((m+1)*k)-at(m*k), step)
	}
	// The price of one input spike: 64 × (accumulate, address, weight,
	// potential read and write), and its FIFO entry.
	perSpike := 64*(0.1+0.1+(13.2+1.09e-5*16384*32)+2*(13.2+1.09e-5*64*32)) + (13.2 + 1.09e-5*64*32)
	near(t, "E(1) − E(0)", at(1)-at(0), perSpike)
	near(t, "E(k) − E(0)", step, k*perSpike)
}

func TestEstimateTotals(t *testing.T) {
	a := Projection{Name: "a", From: "in", To: "hid", Counts: dense256x64}
	b := Projection{Name: "b", From: "hid", To: "out", Counts: Counts{Steps: 100, Sources: 64, Targets: 10, Synapses: 640, InputSpikes: 40, OutputSpikes: 7, SynapticEvents: 400, Bits: 32, FIFO: 64}}
	r := Estimate([]Projection{a, b}, tech45)
	sa, sb := Spiking(a.Counts, tech45), Spiking(b.Counts, tech45)
	fa, fb := Conventional(a.Counts, tech45), Conventional(b.Counts, tech45)
	if r.Total.Spiking != sa.Add(sb) || r.Total.Conventional != fa.Add(fb) {
		t.Errorf("totals %+v, %+v; want the sums of the projections", r.Total.Spiking, r.Total.Conventional)
	}
	if r.Total.Synapses != 16384+640 || r.Total.InputSpikes != 540 || r.Total.OutputSpikes != 47 || r.Total.SynapticEvents != 32400 {
		t.Errorf("total counts %+v", r.Total)
	}
	if r.Total.Ratio == nil || *r.Total.Ratio != r.Total.Conventional.Total/r.Total.Spiking.Total {
		t.Errorf("ratio %v", r.Total.Ratio)
	}
	if r.Projections[1].Spiking != sb || r.Projections[0].Name != "a" {
		t.Errorf("projection figures not kept: %+v", r.Projections[1])
	}
	if empty := Estimate(nil, tech45); empty.Total.Ratio != nil {
		t.Errorf("ratio of nothing = %v, want none", *empty.Total.Ratio)
	}
}

func TestShippedTech(t *testing.T) {
	if got := Shipped(); strings.Join(got, " ") != "45nm-int32 45nm-int8" {
		t.Fatalf("shipped %v", got)
	}
	def, err := Load(DefaultTech)
	if err != nil {
		t.Fatal(err)
	}
	want := Tech{Name: "45nm-int32", File: "tech/45nm-int32.yaml", RAMBasePJ: 13.2, RAMPerBitPJ: 1.09e-5, AddPJ: 0.1, MulPJ: 3.1}
	def.Source = ""
	if *def != want {
		t.Errorf("default tech %+v, want %+v", *def, want)
	}
	int8, err := Load("45nm-int8")
	if err != nil {
		t.Fatal(err)
	}
	if int8.AddPJ != 0.03 || int8.MulPJ != 0.2 || int8.RAMBasePJ != 13.2 || int8.RAMPerBitPJ != 1.09e-5 || !strings.Contains(int8.Source, "Horowitz") {
		t.Errorf("8-bit tech %+v", *int8)
	}
	if _, err := Load("7nm"); err == nil || err.Error() != `unknown technology "7nm" (allowed: 45nm-int32, 45nm-int8, or a tech file)` {
		t.Errorf("unknown tech: %v", err)
	}
}

const goodTech = `name: mine
source: my own measurements
ram_base_pj: 10
ram_per_bit_pj: 2e-5
add_pj: 0.05
mul_pj: 1
`

func TestParseTech(t *testing.T) {
	tech, err := Parse("t.yaml", []byte(goodTech))
	if err != nil {
		t.Fatal(err)
	}
	want := Tech{Name: "mine", Source: "my own measurements", File: "t.yaml", RAMBasePJ: 10, RAMPerBitPJ: 2e-5, AddPJ: 0.05, MulPJ: 1}
	if *tech != want {
		t.Errorf("got %+v, want %+v", *tech, want)
	}
	if _, err := Parse("t.yaml", []byte(strings.Replace(goodTech, "source: my own measurements\n", "", 1))); err != nil {
		t.Errorf("source is optional: %v", err)
	}
}

func TestParseTechErrors(t *testing.T) {
	tests := []struct {
		name string
		edit [2]string
		text string // replaces goodTech when not empty
		want string
	}{
		{name: "unknown key", edit: [2]string{"mul_pj: 1", "mul_pj: 1\nsram_pj: 4"},
			want: `t.yaml:7:1: unknown key "sram_pj" (allowed: name, source, ram_base_pj, ram_per_bit_pj, add_pj, mul_pj)`},
		{name: "negative", edit: [2]string{"add_pj: 0.05", "add_pj: -0.05"},
			want: "t.yaml:5:9: add_pj: -0.05 is out of range (allowed: a finite number >= 0, in pJ)"},
		{name: "infinite", edit: [2]string{"mul_pj: 1", "mul_pj: .inf"},
			want: "t.yaml:6:9: mul_pj: .inf is out of range (allowed: a finite number >= 0, in pJ)"},
		{name: "not a number", edit: [2]string{"mul_pj: 1", "mul_pj: .NaN"},
			want: "t.yaml:6:9: mul_pj: .NaN is out of range (allowed: a finite number >= 0, in pJ)"},
		{name: "text", edit: [2]string{"ram_base_pj: 10", "ram_base_pj: ten"},
			want: `t.yaml:3:14: ram_base_pj: "ten" is not a number (allowed: a finite number >= 0, in pJ)`},
		{name: "list", edit: [2]string{"ram_base_pj: 10", "ram_base_pj: [10]"},
			want: `t.yaml:3:14: ram_base_pj: a list is not a number (allowed: a finite number >= 0, in pJ)`},
		{name: "missing", edit: [2]string{"ram_per_bit_pj: 2e-5\n", ""},
			want: `t.yaml:1:1: missing key "ram_per_bit_pj" (required: name, ram_base_pj, ram_per_bit_pj, add_pj, mul_pj)`},
		{name: "twice", edit: [2]string{"mul_pj: 1", "mul_pj: 1\nadd_pj: 2"},
			want: `t.yaml:7:1: key "add_pj" given twice (allowed: once)`},
		{name: "empty name", edit: [2]string{"name: mine", "name: ''"},
			want: "t.yaml:1:7: name: empty (allowed: a word such as 45nm-int32)"},
		{name: "name not text", edit: [2]string{"name: mine", "name: {a: 1}"},
			want: "t.yaml:1:7: name: expected text (allowed: a word such as 45nm-int32)"},
		{name: "not a mapping", text: "- 1\n- 2\n",
			want: "t.yaml:1:1: a list: expected a mapping with keys name, source, ram_base_pj, ram_per_bit_pj, add_pj, mul_pj"},
		{name: "empty", text: "# nothing\n",
			want: "t.yaml:1:1: the tech file is empty (expected a mapping with keys name, source, ram_base_pj, ram_per_bit_pj, add_pj, mul_pj)"},
		{name: "syntax", edit: [2]string{"add_pj: 0.05", "  add_pj: [0.05"},
			want: "t.yaml:5:3: YAML syntax error: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				if !strings.Contains(goodTech, tt.edit[0]) {
					t.Fatalf("edit %q does not apply", tt.edit[0])
				}
				text = strings.Replace(goodTech, tt.edit[0], tt.edit[1], 1)
			}
			_, err := Parse("t.yaml", []byte(text))
			if err == nil {
				t.Fatalf("no error, want %q", tt.want)
			}
			if _, ok := err.(*TechError); !ok {
				t.Errorf("error of type %T, want *TechError", err)
			}
			if got := err.Error(); got != tt.want && !(strings.HasSuffix(tt.want, ": ") && strings.HasPrefix(got, tt.want)) {
				t.Errorf("got  %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestLoadFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(goodTech), 0o644); err != nil {
		t.Fatal(err)
	}
	if tech, err := LoadFile(path); err != nil || tech.File != path || tech.Name != "mine" {
		t.Errorf("LoadFile = %+v, %v", tech, err)
	}
	missing := filepath.Join(dir, "none.yaml")
	if _, err := LoadFile(missing); err == nil || err.Error() != missing+": cannot read the tech file: no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
}

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "mine.yaml")
	if err := os.WriteFile(path, []byte(goodTech), 0o644); err != nil {
		t.Fatal(err)
	}
	for arg, want := range map[string]string{"45nm-int8": "45nm-int8", path: "mine"} {
		if tech, err := Open(arg); err != nil || tech.Name != want {
			t.Errorf("Open(%q) = %+v, %v; want %s", arg, tech, err, want)
		}
	}
	for arg, want := range map[string]string{
		"28nm":                     `unknown technology "28nm" (allowed: 45nm-int32, 45nm-int8, or a tech file)`,
		filepath.Join(dir, "none"): filepath.Join(dir, "none") + ": cannot read the tech file: no such file or directory",
	} {
		if _, err := Open(arg); err == nil || err.Error() != want {
			t.Errorf("Open(%q): %v, want %s", arg, err, want)
		}
	}
}
