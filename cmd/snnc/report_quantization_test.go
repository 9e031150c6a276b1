package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// reportQuantJSON runs snnc report quantization in dir and returns the
// JSON document and the text report.
func reportQuantJSON(t *testing.T, dir string, args ...string) (doc quantDoc, text string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "quant.json")
	args = append(append([]string{"report", "quantization"}, args...), "--json", out)
	status, stdout, stderr := snnc(t, dir, args...)
	if status != 0 {
		t.Fatalf("%v: status %d: %s", args, status, stderr)
	}
	if err := json.Unmarshal([]byte(read(t, out)), &doc); err != nil {
		t.Fatal(err)
	}
	return doc, stdout
}

// On the float example the spike counts are those of snnc simulate with
// and without --float, the totals are the sums, and fewer bits give
// less SQNR and no better agreement.
func TestReportQuantizationFloatExample(t *testing.T) {
	dir, err := filepath.Abs("../../examples/float")
	if err != nil {
		t.Fatal(err)
	}
	doc, text := reportQuantJSON(t, dir, "net.yaml", "--steps", "200", "--input", "input.csv")
	spikeCount := func(args ...string) map[string]int {
		status, stdout, stderr := snnc(t, dir, append([]string{"simulate", "net.yaml", "--steps", "200", "--input", "input.csv", "-q"}, args...)...)
		if status != 0 {
			t.Fatalf("simulate %v: %s", args, stderr)
		}
		counts := map[string]int{}
		for _, line := range strings.Split(strings.TrimSpace(stdout), "\n")[1:] {
			counts[strings.Split(line, ",")[1]]++
		}
		return counts
	}
	floatCounts, intCounts := spikeCount("--float"), spikeCount()
	var sum spikeAgreement
	for _, p := range doc.Populations {
		if p.FloatSpikes != floatCounts[p.Name] || p.IntSpikes != intCounts[p.Name] {
			t.Errorf("%s: %d float and %d integer spikes in the report, simulate gives %d and %d", p.Name, p.FloatSpikes, p.IntSpikes, floatCounts[p.Name], intCounts[p.Name])
		}
		if p.Matched > min(p.FloatSpikes, p.IntSpikes) || p.Agreement <= 0 || p.Agreement > 1 {
			t.Errorf("%s: matched %d of %d/%d, agreement %v", p.Name, p.Matched, p.FloatSpikes, p.IntSpikes, p.Agreement)
		}
		sum.FloatSpikes += p.FloatSpikes
		sum.IntSpikes += p.IntSpikes
		sum.Matched += p.Matched
	}
	if tot := doc.Total; tot.FloatSpikes != sum.FloatSpikes || tot.IntSpikes != sum.IntSpikes || tot.Matched != sum.Matched {
		t.Errorf("total %+v, the populations sum to %+v", tot, sum)
	}
	if len(doc.Quantization.Projections) != 3 || len(doc.Populations) != 2 {
		t.Fatalf("%d projections and %d populations in the report", len(doc.Quantization.Projections), len(doc.Populations))
	}
	for _, want := range []string{"features", "SQNR", "agreement", "hidden", "recall"} {
		if !strings.Contains(text, want) {
			t.Errorf("the text report has no %q:\n%s", want, text)
		}
	}
	four, _ := reportQuantJSON(t, dir, "net.yaml", "--steps", "200", "--input", "input.csv", "--weight-bits", "4")
	for i, p := range four.Quantization.Projections {
		if p.Bits != 4 || *p.SQNRdB > *doc.Quantization.Projections[i].SQNRdB-12 {
			t.Errorf("%s: %d bits, SQNR %.1f dB against %.1f dB at 8 bits", p.Name, p.Bits, *p.SQNRdB, *doc.Quantization.Projections[i].SQNRdB)
		}
	}
}

// A network whose float values are exact gives agreement 1 at tolerance
// 0; an integer network and bad flags are usage errors.
func TestReportQuantizationExactAndErrors(t *testing.T) {
	dir := t.TempDir()
	net := `version: 1
populations:
  - {name: in, size: 2, model: input}
  - {name: x, size: 2, model: cuba_lif, params: {tau_syn: 0, tau_mem: .inf, v_th: 1, reset: subtract}}
projections:
  - {from: in, to: x, weights: [[0.75, 0.25], [0.5, -0.125]]}
`
	in := "step,population,index\n0,in,0\n1,in,0\n1,in,1\n2,in,1\n3,in,0\n5,in,0\n5,in,1\n"
	for name, text := range map[string]string{"net.yaml": net, "in.csv": in, "int.yaml": "version: 1\npopulations:\n  - {name: a, size: 1, model: lif, params: {vth: 1}}\n"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	doc, _ := reportQuantJSON(t, dir, "net.yaml", "--steps", "10", "--input", "in.csv", "--tolerance", "0")
	if tot := doc.Total; tot.Agreement != 1 || tot.FloatSpikes == 0 || tot.FloatSpikes != tot.IntSpikes {
		t.Errorf("exact network: %+v", tot)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"int.yaml", "--steps", "5"}, "has no cuba_lif population"},
		{[]string{"net.yaml"}, "--steps is required"},
		{[]string{"net.yaml", "--steps", "5", "--tolerance", "-1"}, "--tolerance -1 is out of range"},
		{[]string{"net.yaml", "--steps", "5", "--weight-bits", "9"}, "--weight-bits: 9 is out of range (allowed: 1..8)"},
		{[]string{"net.yaml", "--steps", "5", "--clip-percentile", "20"}, "--clip-percentile: 20 is out of range (allowed: 50..100)"},
	} {
		status, _, stderr := snnc(t, dir, append([]string{"report", "quantization"}, c.args...)...)
		if status != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: status %d, %q; want 2 and %q", c.args, status, stderr, c.want)
		}
	}
}
