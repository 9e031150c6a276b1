package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/snnc/snnc/backend/fpga/build"
	"github.com/snnc/snnc/driver/wire"
)

// floatNetWithFiles is a float network whose weights and biases come from
// files below its directory.
const floatNetWithFiles = `version: 1
populations:
  - {name: in, size: 6, model: input}
  - {name: x, size: 5, model: cuba_lif, params: {tau_syn: 3ms, tau_mem: 12ms, v_th: 1, bias: {file: w/bias.csv}, reset: subtract}}
projections:
  - {from: in, to: x, weights: {file: w/weights.csv}, delays: {uniform: {min: 1, max: 6, seed: 3}}}
  - {from: x, to: x, connect: all_to_all, weights: {uniform: {min: -0.3, max: 0.1, seed: 4}}}
`

// compile --target fpga copies the files a network names beside its
// copy, lists them in the manifest with the quantisation used, and snnc
// test then quantises its reference as compile did: with 3-bit weights the
// board passes only against a 3-bit reference.
func TestFPGANetworkFiles(t *testing.T) {
	t.Setenv("SNNC_CACHE_DIR", t.TempDir())
	dir := t.TempDir()
	write(t, dir, "net.yaml", floatNetWithFiles)
	for _, sub := range []string{"w", "sub"} {
		if err := os.Mkdir(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	var rows []string
	for tgt := range 5 {
		row := make([]string, 6)
		for src := range row {
			row[src] = fmt.Sprintf("%.3f", float64((tgt*7+src*3)%9+1)/10-0.35)
		}
		rows = append(rows, strings.Join(row, ","))
	}
	write(t, dir, "w/weights.csv", strings.Join(rows, "\n")+"\n")
	write(t, dir, "w/bias.csv", "0.01\n0.02\n0\n-0.01\n0.05\n")

	out := filepath.Join(dir, "out")
	for range 2 { // the second time replaces what the first wrote
		if status, _, stderr := snnc(t, dir, "compile", "net.yaml", "--target", "fpga", "--no-bitstream", "--weight-bits", "3", "-o", out); status != 0 {
			t.Fatalf("compile: status %d: %s", status, stderr)
		}
	}
	if got, want := read(t, filepath.Join(out, "w", "weights.csv")), read(t, filepath.Join(dir, "w", "weights.csv")); got != want {
		t.Errorf("copied weights differ")
	}
	var man build.Manifest
	if err := json.Unmarshal([]byte(read(t, filepath.Join(out, build.ManifestFile))), &man); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(man.NetworkFiles, []string{"w/bias.csv", "w/weights.csv"}) || man.Quantize == nil || man.Quantize.WeightBits != 3 {
		t.Fatalf("manifest: network_files %v, quantize %+v", man.NetworkFiles, man.Quantize)
	}
	for _, transport := range []uint8{wire.TransportUART} {
		check := emuPort(t, transport, nil, nil, nil)
		status, stdout, stderr := snnc(t, dir, "test", out, "--port", "emu", "--seed", "2", "--rate", "0.3", "--steps", "80", "-q")
		if status != 0 || !strings.HasPrefix(stdout, "PASS") {
			t.Errorf("snnc test: status %d, %q %q", status, stdout, stderr)
		}
		check()
	}
	// A changed copy is refused, as a changed configuration is.
	write(t, out, "w/bias.csv", "1\n1\n1\n1\n1\n")
	if status, _, stderr := snnc(t, dir, "test", out, "--port", "emu", "--steps", "5"); status != exitUserError || !strings.Contains(stderr, "bias.csv changed after snnc compile wrote it") {
		t.Errorf("changed copy: status %d, %q", status, stderr)
	}

	// A file above the description's directory cannot be copied beside it.
	write(t, dir, "sub/net.yaml", strings.ReplaceAll(floatNetWithFiles, "w/", "../w/"))
	status, _, stderr := snnc(t, dir, "compile", "sub/net.yaml", "--target", "fpga", "--no-bitstream", "-o", filepath.Join(dir, "out2"))
	if status != exitUserError || !strings.Contains(stderr, "names ../w/bias.csv, outside its directory") {
		t.Errorf("a file outside: status %d, %q", status, stderr)
	}
}
