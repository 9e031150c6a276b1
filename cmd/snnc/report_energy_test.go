package main

import (
	"encoding/json"
	"fmt"
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// energyTerms are the terms of every breakdown in the JSON report.
var energyTerms = []string{"ops", "addressing", "weights", "bias", "potentials", "io", "total"}

// reportEnergyJSON runs snnc report energy in dir with --json and returns
// the document, its bytes and the text report.
func reportEnergyJSON(t *testing.T, dir string, args ...string) (doc map[string]any, raw, text string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "energy.json")
	args = append(append([]string{"report", "energy"}, args...), "--json", out)
	status, stdout, stderr := snnc(t, dir, args...)
	if status != 0 {
		t.Fatalf("%v: status %d: %s", args, status, stderr)
	}
	raw = read(t, out)
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	return doc, raw, stdout
}

// The counts of the report on examples/hello come from the simulation:
// the input spikes of input.csv within the steps, the spikes of
// expected.csv, and each input spike's fan-out in hello's weight matrix.
func TestReportEnergyHello(t *testing.T) {
	dir, err := filepath.Abs("../../examples/hello")
	if err != nil {
		t.Fatal(err)
	}
	doc, raw, text := reportEnergyJSON(t, dir, "net.yaml", "--steps", "20", "--input", "input.csv")

	// Columns of the weight matrix: neuron in[i] reaches fanOut[i] neurons.
	fanOut := []int{2, 2, 3}
	var inSpikes, events int
	for _, line := range strings.Split(strings.TrimSpace(read(t, filepath.Join(dir, "input.csv"))), "\n")[1:] {
		f := strings.Split(line, ",")
		step, _ := strconv.Atoi(f[0])
		i, _ := strconv.Atoi(f[2])
		if step < 20 {
			inSpikes++
			events += fanOut[i]
		}
	}
	outSpikes := strings.Count(strings.TrimSpace(read(t, filepath.Join(dir, "expected.csv"))), "\n")

	for key, want := range map[string]any{"network": "net.yaml", "steps": 20.0, "bits": 32.0, "fifo": 64.0} {
		if doc[key] != want {
			t.Errorf("%s = %v, want %v", key, doc[key], want)
		}
	}
	tech := doc["tech"].(map[string]any)
	for key, want := range map[string]any{"name": "45nm-int32", "ram_base_pj": 13.2, "ram_per_bit_pj": 1.09e-5, "add_pj": 0.1, "mul_pj": 3.1} {
		if tech[key] != want {
			t.Errorf("tech.%s = %v, want %v", key, tech[key], want)
		}
	}
	projs := doc["projections"].([]any)
	if len(projs) != 1 {
		t.Fatalf("%d projections, want 1", len(projs))
	}
	p := projs[0].(map[string]any)
	for key, want := range map[string]any{
		"from": "in", "to": "exc", "n_in": 3.0, "n_out": 4.0, "synapses": 7.0, "steps": 20.0,
		"input_spikes": float64(inSpikes), "output_spikes": float64(outSpikes), "synaptic_events": float64(events),
		"bits": 32.0, "fifo": 64.0, "leaks": true,
	} {
		if p[key] != want {
			t.Errorf("projections[0].%s = %v, want %v", key, p[key], want)
		}
	}
	for _, model := range []string{"snn_pj", "fnn_pj"} {
		b := p[model].(map[string]any)
		sum := 0.0
		for _, term := range energyTerms {
			if _, ok := b[term].(float64); !ok {
				t.Errorf("projections[0].%s.%s missing", model, term)
			}
			if term != "total" {
				sum += b[term].(float64)
			}
		}
		if math.Abs(sum-b["total"].(float64)) > 1e-9*sum {
			t.Errorf("%s: total %v, terms sum to %v", model, b["total"], sum)
		}
	}
	// The conventional network reads no potentials; its figures do not
	// depend on spikes: W·(E_mul+E_add) + N_out·E_add.
	fnn := p["fnn_pj"].(map[string]any)
	if fnn["potentials"] != 0.0 || math.Abs(fnn["ops"].(float64)-(7*3.2+4*0.1)) > 1e-12 {
		t.Errorf("conventional: %v", fnn)
	}

	// The text says the same as the JSON.
	total := doc["total"].(map[string]any)
	snnTotal := total["snn_pj"].(map[string]any)["total"].(float64)
	fnnTotal := total["fnn_pj"].(map[string]any)["total"].(float64)
	for _, want := range []string{
		fmt.Sprintf("%.2f", snnTotal),
		fmt.Sprintf("%.2f", fnnTotal),
		fmt.Sprintf("conventional / spiking: %.4g", total["ratio"].(float64)),
		"tech 45nm-int32",
		"once per projection",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}

	if got := textRow(text, "synaptic events"); got != strconv.Itoa(events) {
		t.Errorf("synaptic events %q in the text, want %d", got, events)
	}

	// Same input, same bytes; and --json - writes the same JSON alone.
	if _, again, _ := reportEnergyJSON(t, dir, "net.yaml", "--steps", "20", "--input", "input.csv"); again != raw {
		t.Error("two runs wrote different JSON")
	}
	if status, stdout, stderr := snnc(t, dir, "report", "energy", "net.yaml", "--steps", "20", "--input", "input.csv", "--json", "-"); status != 0 || stdout != raw {
		t.Errorf("--json -: status %d, %s, stdout differs from the file: %t", status, stderr, stdout != raw)
	}
}

// The totals of examples/recurrent's four projections are their sums,
// field by field; so are the ratio's terms.
func TestReportEnergyTotals(t *testing.T) {
	dir, err := filepath.Abs("../../examples/recurrent")
	if err != nil {
		t.Fatal(err)
	}
	doc, _, _ := reportEnergyJSON(t, dir, "net.yaml", "--steps", "200", "--input", "input.csv", "--tech", "45nm-int8", "--bits", "8", "--fifo", "16")
	projs := doc["projections"].([]any)
	if len(projs) != 4 {
		t.Fatalf("%d projections, want 4", len(projs))
	}
	total := doc["total"].(map[string]any)
	near := func(what string, got, want float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-12*math.Abs(want) {
			t.Errorf("%s = %v, want %v", what, got, want)
		}
	}
	for _, key := range []string{"synapses", "input_spikes", "output_spikes", "synaptic_events"} {
		sum := 0.0
		for _, p := range projs {
			sum += p.(map[string]any)[key].(float64)
		}
		near("total."+key, total[key].(float64), sum)
		if sum == 0 {
			t.Errorf("no %s in any projection", key)
		}
	}
	for _, model := range []string{"snn_pj", "fnn_pj"} {
		for _, term := range energyTerms {
			sum := 0.0
			for _, p := range projs {
				sum += p.(map[string]any)[model].(map[string]any)[term].(float64)
			}
			near("total."+model+"."+term, total[model].(map[string]any)[term].(float64), sum)
		}
	}
	// The simulator counts synaptic events at emission too: its summary
	// gives the same total.
	_, _, summary := snnc(t, dir, "simulate", "net.yaml", "--steps", "200", "--input", "input.csv", "-o", filepath.Join(t.TempDir(), "out.csv"))
	if want := fmt.Sprintf("synaptic events: %d ", int64(total["synaptic_events"].(float64))); !strings.Contains(summary, want) {
		t.Errorf("snnc simulate's summary lacks %q:\n%s", want, summary)
	}
	near("total.ratio", total["ratio"].(float64),
		total["fnn_pj"].(map[string]any)["total"].(float64)/total["snn_pj"].(map[string]any)["total"].(float64))
	for _, p := range projs {
		pm := p.(map[string]any)
		if pm["bits"] != 8.0 || pm["fifo"] != 16.0 || pm["steps"] != 200.0 {
			t.Errorf("%v: bits, fifo, steps = %v, %v, %v", pm["name"], pm["bits"], pm["fifo"], pm["steps"])
		}
	}
	if doc["tech"].(map[string]any)["add_pj"] != 0.03 {
		t.Errorf("tech %v, want 45nm-int8", doc["tech"])
	}
}

// Neurons that neither keep a current (du = 4095) nor lose voltage
// (dv = 0) do not leak: no multiply-accumulate.
func TestReportEnergyLeak(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "input.csv", "step,population,index\n0,in,0\n1,in,1\n")
	for _, tt := range []struct {
		params string
		leaks  bool
	}{
		{"{du: 4095, dv: 0, vth: 100}", false},
		{"{du: 4095, dv: 1, vth: 100}", true},
		{"{du: 410, dv: 0, vth: 100}", true},
		{"{du: [4095, 4095], dv: [0, 7], vth: 100}", true},
	} {
		write(t, dir, "net.yaml", strings.Replace(goodNet, "{du: 410, dv: 205, vth: 100}", tt.params, 1))
		doc, _, text := reportEnergyJSON(t, dir, "net.yaml", "--steps", "4", "--input", "input.csv")
		p := doc["projections"].([]any)[0].(map[string]any)
		if p["leaks"] != tt.leaks {
			t.Errorf("%s: leaks %v, want %v", tt.params, p["leaks"], tt.leaks)
		}
		macs := 0
		if tt.leaks {
			macs = 4 * 2 // steps × neurons
		}
		if got := textRow(text, "spiking multiply-accumulates"); got != strconv.Itoa(macs) {
			t.Errorf("%s: spiking multiply-accumulates %q in the text, want %d", tt.params, got, macs)
		}
	}
}

// textRow returns what follows label on the first line of a text report
// that starts with it.
func textRow(text, label string) string {
	for _, line := range strings.Split(text, "\n") {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(line), label); ok {
			return strings.TrimSpace(rest)
		}
	}
	return ""
}

// Bad tech files and flags: exit status 2, one line naming the file, line
// and column, or the flag, and what is allowed.
func TestReportEnergyBadInput(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	write(t, dir, "tech.yaml", "name: mine\nram_base_pj: 13.2\nram_per_bit_pj: 1e-5\nadd_pj: -0.1\nmul_pj: 3.1\n")
	write(t, dir, "typo.yaml", "name: mine\nram_base_pj: 13.2\nram_per_bit_pj: 1e-5\nadd_pj: 0.1\nmult_pj: 3.1\n")
	run := []string{"report", "energy", "net.yaml", "--steps", "5"}
	for _, tt := range []struct {
		args []string
		want string
	}{
		{append(run, "--tech", "tech.yaml"),
			"tech.yaml:4:9: add_pj: -0.1 is out of range (allowed: a finite number >= 0, in pJ)"},
		{append(run, "--tech", "typo.yaml"),
			`typo.yaml:5:1: unknown key "mult_pj" (allowed: name, source, ram_base_pj, ram_per_bit_pj, add_pj, mul_pj)`},
		{append(run, "--tech", "28nm"),
			`unknown technology "28nm" (allowed: 45nm-int32, 45nm-int8, or a tech file)`},
		{append(run, "--tech", "none.yaml"),
			"none.yaml: cannot read the tech file: no such file or directory"},
		{append(run, "--bits", "65"),
			"snnc report energy: --bits 65 is out of range (allowed: 1..64) (see 'snnc report energy --help')"},
		{append(run, "--fifo", "0"),
			"snnc report energy: --fifo 0 is out of range (allowed: 1 or more entries) (see 'snnc report energy --help')"},
		{append(run, "--steps", "0"),
			"snnc report energy: --steps 0 is out of range (allowed: 1..2147483647) (see 'snnc report energy --help')"},
		{[]string{"report", "energy", "net.yaml"},
			"snnc report energy: --steps is required (allowed: 1..2147483647) (see 'snnc report energy --help')"},
		{[]string{"report", "energi", "net.yaml"},
			`snnc report: unknown report "energi" (allowed: energy`},
	} {
		status, stdout, stderr := snnc(t, dir, tt.args...)
		if status != exitUserError {
			t.Errorf("%v: exit status %d, want %d", tt.args, status, exitUserError)
		}
		if got := strings.TrimSpace(stderr); !strings.HasPrefix(got, tt.want) || strings.Contains(got, "\n") {
			t.Errorf("%v:\ngot  %q\nwant %q", tt.args, got, tt.want)
		}
		if stdout != "" {
			t.Errorf("%v: wrote %q to standard output", tt.args, stdout)
		}
	}
}
