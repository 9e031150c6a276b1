package main

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the examples' expected outputs")

// The examples, with the steps their README lines simulate.
var examples = []struct {
	dir   string
	steps int
}{
	{"hello", 20},
	{"coincidence", 40},
	{"recurrent", 200},
	{"float", 200},
}

// Each example compiles to byte-identical files twice, without a target and
// for loihi1, and simulates to the spikes in its expected.csv (written by
// -update, then read by a person: for coincidence they are derived by hand
// in net.yaml's comment) — without a target, and mapped core by core onto
// loihi1 and onto a target of small cores that needs relays and several
// chips.
func TestExamples(t *testing.T) {
	root, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	small, err := filepath.Abs("testdata/small.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for _, ex := range examples {
		t.Run(ex.dir, func(t *testing.T) {
			dir := filepath.Join(root, ex.dir)
			out := t.TempDir()
			for _, target := range [][]string{nil, {"--target", "loihi1"}, {"--target-file", small}} {
				for _, o := range []string{"a", "b"} {
					args := append([]string{"compile", "net.yaml", "-o", filepath.Join(out, o)}, target...)
					if status, _, stderr := snnc(t, dir, args...); status != 0 {
						t.Fatalf("compile %v: status %d: %s", target, status, stderr)
					}
				}
				for _, a := range artefacts {
					if !a.when.holds(target != nil) {
						continue
					}
					if read(t, filepath.Join(out, "a", a.file)) != read(t, filepath.Join(out, "b", a.file)) {
						t.Errorf("%v: %s differs between two compilations", target, a.file)
					}
				}
			}
			expected := filepath.Join(dir, "expected.csv")
			for _, target := range [][]string{nil, {"--target", "loihi1"}, {"--target-file", small}} {
				args := append([]string{"simulate", "net.yaml", "--steps", strconv.Itoa(ex.steps), "--input", "input.csv"}, target...)
				status, stdout, stderr := snnc(t, dir, args...)
				if status != 0 {
					t.Fatalf("simulate %v: status %d: %s", target, status, stderr)
				}
				if *update && target == nil {
					if err := os.WriteFile(expected, []byte(stdout), 0o644); err != nil {
						t.Fatal(err)
					}
				}
				if want := read(t, expected); stdout != want {
					t.Errorf("simulate %v: output differs from %s:\n%s", target, expected, stdout)
				}
			}
		})
	}
}

// --output and --trace write files; the trace has a row per LIF neuron and
// step, and its spikes (v reset to 0 on spiking steps) agree with the output.
func TestSimulateFiles(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	write(t, dir, "in.csv", "step,population,index\n0,in,0\n0,in,1\n3,in,0\n")
	status, stdout, stderr := snnc(t, dir, "simulate", "net.yaml", "--steps", "4", "--input", "in.csv", "--output", "out.csv", "--trace", "trace.csv")
	if status != 0 || stdout != "" {
		t.Fatalf("status %d, stdout %q, stderr %s", status, stdout, stderr)
	}
	// exc[0] gets 10·64 = 640 at step 1; du=410, dv=205:
	// u: 640, 640·3685/4096 = 575, 575·3685/4096 = 517;
	// v: 640, 640·3891/4096 + 575 = 607 + 575 = 1182, 1182·3891/4096 + 517 = 1122 + 517 = 1639.
	// exc[1] gets weight 5 from in[1], which mixed-mode preparation makes 4:
	// u: 256, 230, 206; v: 256, 243 + 230 = 473, 449 + 206 = 655.
	wantTrace := `step,population,index,u,v
0,exc,0,0,0
0,exc,1,0,0
1,exc,0,640,640
1,exc,1,256,256
2,exc,0,575,1182
2,exc,1,230,473
3,exc,0,517,1639
3,exc,1,206,655
`
	if got := read(t, filepath.Join(dir, "trace.csv")); got != wantTrace {
		t.Errorf("trace:\n%s\nwant:\n%s", got, wantTrace)
	}
	if got := read(t, filepath.Join(dir, "out.csv")); got != "step,population,index\n" {
		t.Errorf("output %q, want no spikes", got)
	}
}

// --traffic writes the measured traffic as JSON, per core and per link.
func TestSimulateTraffic(t *testing.T) {
	dir, err := filepath.Abs("../../examples/recurrent")
	if err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "traffic.json")
	status, _, stderr := snnc(t, dir, "simulate", "net.yaml", "--steps", "200", "--input", "input.csv",
		"--target-file", "../../cmd/snnc/testdata/small.yaml", "--traffic", out, "-o", os.DevNull)
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	var tr struct {
		Steps, Messages, Hops int64
		Sent                  []int64 `json:"sent_per_core"`
		Links                 []struct{ Messages int64 }
	}
	if err := json.Unmarshal([]byte(read(t, out)), &tr); err != nil {
		t.Fatal(err)
	}
	var sent, onLinks int64
	for _, n := range tr.Sent {
		sent += n
	}
	for _, l := range tr.Links {
		onLinks += l.Messages
	}
	// Every message between cores crosses at least one link; hops count
	// chip crossings thrice, so links carry between Messages and Hops.
	if tr.Steps != 200 || tr.Messages == 0 || sent != tr.Messages || len(tr.Sent) < 4 || onLinks < tr.Messages || onLinks > tr.Hops {
		t.Errorf("traffic: steps %d, messages %d, sent %d over %d cores, links carried %d, hops %d", tr.Steps, tr.Messages, sent, len(tr.Sent), onLinks, tr.Hops)
	}
}
