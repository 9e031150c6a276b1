package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// snnc runs the CLI in-process in dir and returns its exit status and output.
func snnc(t *testing.T, dir string, args ...string) (status int, stdout, stderr string) {
	t.Helper()
	wd, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	var out, errOut bytes.Buffer
	status = run(args, &out, &errOut)
	return status, out.String(), errOut.String()
}

// A valid network the bad-input cases start from.
const goodNet = `version: 1
populations:
  - name: in
    size: 3
    model: input
  - name: exc
    size: 2
    model: lif
    params: {du: 410, dv: 205, vth: 100}
projections:
  - from: in
    to: exc
    weights: [[10, 0, -20], [0, 5, 0]]
    delays: 1
`

// Every bad input gets exit status 2 and one line naming file:line:column,
// the field, the value and what is allowed; never a panic or a stack trace.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name  string
		net   string // replaces goodNet when not empty
		edit  [2]string
		input string // input.csv, when the case needs one
		args  []string
		want  string
	}{
		{name: "unknown key", edit: [2]string{"    delays: 1", "    delay: 1"},
			want: "net.yaml:14:5: projections[0]: unknown key \"delay\" (allowed: name, from, to, connect, weights, weight_exp, weight_bits, sign_mode, delays)"},
		{name: "unknown model", edit: [2]string{"model: lif", "model: izhikevich"},
			want: "net.yaml:8:12: populations[1].model: unknown model \"izhikevich\" (allowed: input, lif, cuba_lif)"},
		{name: "missing field", edit: [2]string{"    size: 2\n", ""},
			want: "net.yaml:6:5: populations[1]: missing key \"size\" (required: name, size, model)"},
		{name: "matrix rows", edit: [2]string{"[[10, 0, -20], [0, 5, 0]]", "[[10, 0, -20]]"},
			want: "net.yaml:13:14: projections[0].weights: 1 rows, expected 2 (one per neuron of \"exc\"; row = target, column = source)"},
		{name: "matrix columns", edit: [2]string{"[0, 5, 0]]", "[0, 5]]"},
			want: "net.yaml:13:29: projections[0].weights[1]: 2 columns, expected 3 (one per neuron of \"in\"; row = target, column = source)"},
		{name: "delay 0", edit: [2]string{"delays: 1", "delays: 0"},
			want: "net.yaml:14:13: projections[0].delays: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)"},
		{name: "delay above maximum", edit: [2]string{"delays: 1", "delays: 65536"},
			want: "net.yaml:14:13: projections[0].delays: 65536 is out of range (allowed: 1..65535 steps, or a time such as 2ms when timestep is set)"},
		{name: "delay in matrix", edit: [2]string{"delays: 1", "delays: [[1, 2, 3], [4, 0, 6]]"},
			want: "net.yaml:14:29: projections[0].delays[1][1]: delay 0 is not allowed: a spike arrives at the earliest on the next step (allowed: 1..65535)"},
		{name: "weight_exp out of range", edit: [2]string{"    delays: 1", "    delays: 1\n    weight_exp: 9"},
			want: "net.yaml:15:17: projections[0].weight_exp: 9 is out of range (allowed: -8..7)"},
		{name: "unknown population", edit: [2]string{"to: exc", "to: ex"},
			want: "net.yaml:12:9: projections[0].to: unknown population \"ex\" (allowed: in, exc)"},
		{name: "non-integer", edit: [2]string{"vth: 100", "vth: 1.5"},
			want: "net.yaml:9:37: populations[1].params.vth: 1.5 is not an integer (allowed: 0..131071)"},
		{name: "string for integer", edit: [2]string{"size: 3", "size: three"},
			want: "net.yaml:4:11: populations[0].size: \"three\" is not an integer (allowed: 1..2147483647)"},
		{name: "missing weights file", edit: [2]string{"[[10, 0, -20], [0, 5, 0]]", "{file: w.csv}"},
			want: "net.yaml:13:21: projections[0].weights.file: cannot read \"w.csv\": no such file or directory"},
		{name: "YAML syntax error", edit: [2]string{"    size: 3", "    size: [3"},
			want: "net.yaml:4:11: YAML syntax error: did not find expected ',' or ']' (a flow sequence [ starting here is not closed)"},
		{name: "input spike for a missing neuron", input: "step,population,index\n0,in,1\n2,in,3\n",
			want: "input.csv:3:6: neuron in[3] does not exist (allowed: 0..2)"},
		{name: "input spike into a LIF population", input: "step,population,index\n0,exc,0\n",
			want: "input.csv:2:3: population \"exc\" is not an input population (allowed: in)"},
		{name: "missing description", args: []string{"simulate", "missing.yaml", "--steps", "1"},
			want: "missing.yaml: cannot read the description: no such file or directory"},
		{name: "missing input file", args: []string{"simulate", "net.yaml", "--steps", "1", "--input", "nope.csv"},
			want: "nope.csv: cannot read input spikes: no such file or directory"},
		{name: "missing --steps", args: []string{"simulate", "net.yaml"},
			want: "snnc simulate: --steps is required (allowed: 0..2147483647) (see 'snnc simulate --help')"},
		{name: "bad --steps", args: []string{"simulate", "net.yaml", "--steps", "-3"},
			want: "snnc simulate: --steps -3 is out of range (allowed: 0..2147483647) (see 'snnc simulate --help')"},
		{name: "unknown flag", args: []string{"check", "net.yaml", "--fast"},
			want: "snnc check: unknown flag: --fast (see 'snnc check --help')"},
		{name: "no description", args: []string{"check"},
			want: "snnc check: missing the network description (net.yaml) (see 'snnc check --help')"},
		{name: "unknown command", args: []string{"simulat"},
			want: "snnc: unknown command \"simulat\" (did you mean simulate?) (see 'snnc --help')"},
		{name: "unknown command without a suggestion", args: []string{"frobnicate", "net.yaml"},
			want: "snnc: unknown command \"frobnicate\" (see 'snnc --help')"},
		{name: "unknown target", args: []string{"compile", "net.yaml", "--target", "loihi3"},
			want: "snnc compile: --target: unknown target \"loihi3\" (allowed: loihi1, loihi2) (see 'snnc compile --help')"},
		{name: "two targets", args: []string{"simulate", "net.yaml", "--steps", "3", "--target", "loihi1", "--target-file", "t.yaml"},
			want: "snnc simulate: --target and --target-file both given (allowed: one of them) (see 'snnc simulate --help')"},
		{name: "missing target file", args: []string{"compile", "net.yaml", "--target-file", "nope.yaml"},
			want: "nope.yaml: cannot read the target profile: no such file or directory"},
		{name: "bad target file", args: []string{"compile", "net.yaml", "--target-file", "net.yaml"},
			want: "net.yaml:1:1: unknown key \"version\" (allowed: name, description, core, chip, approximate)"},
		{name: "mapping pass without a target", args: []string{"compile", "net.yaml", "--dump-after", "partition"},
			want: "snnc compile: --dump-after: pass \"partition\" runs only with a target (allowed without --target: quantize, prepare-weights) (see 'snnc compile --help')"},
		{name: "unknown strategy", args: []string{"compile", "net.yaml", "--target", "loihi1", "--place", "best"},
			want: "snnc compile: unknown placement strategy \"best\" (allowed: optimised, sequential) (see 'snnc compile --help')"},
		{name: "network does not fit", args: []string{"simulate", "net.yaml", "--steps", "3", "--target-file", "one.yaml"},
			want: "net.yaml: population \"exc\" neuron 0 has 2 distinct input neurons; a one core holds 1 input axons (core.input_axons)"},
		{name: "unknown pass", args: []string{"compile", "net.yaml", "--dump-after", "legalize"},
			want: "snnc compile: --dump-after: \"legalize\" is not a pass (allowed: quantize, prepare-weights, legalise-delays, partition, place, route) (see 'snnc compile --help')"},
		{name: "unknown emit", args: []string{"compile", "net.yaml", "--emit", "verilog"},
			want: "snnc compile: --emit \"verilog\" is not an artefact (allowed: ir, json, report, report-json, weight-changes) (see 'snnc compile --help')"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			net := goodNet
			if tt.edit[0] != "" {
				if !strings.Contains(net, tt.edit[0]) {
					t.Fatalf("edit %q does not apply", tt.edit[0])
				}
				net = strings.Replace(net, tt.edit[0], tt.edit[1], 1)
			}
			write(t, dir, "net.yaml", net)
			// A target whose cores hold one input axon: goodNet cannot fit.
			write(t, dir, "one.yaml", `name: one
core: {neurons: 1, input_axons: 1, output_axons: 4, synapse_memory_bits: 1000, synapse_bits: 24, input_axon_bits: 32, max_delay: 4, weight_bits: 8}
chip: {mesh_width: 1, mesh_height: 1, chip_hop_cost: 3, max_chips: 0}
`)
			args := tt.args
			if args == nil {
				args = []string{"simulate", "net.yaml", "--steps", "5"}
				if tt.input != "" {
					write(t, dir, "input.csv", tt.input)
					args = append(args, "--input", "input.csv")
				}
			}
			status, stdout, stderr := snnc(t, dir, args...)
			if status != exitUserError {
				t.Errorf("exit status %d, want %d", status, exitUserError)
			}
			if got := strings.TrimSuffix(stderr, "\n"); got != tt.want {
				t.Errorf("stderr\n got %s\nwant %s", got, tt.want)
			}
			if strings.Count(stderr, "\n") != 1 {
				t.Errorf("stderr is not one line: %q", stderr)
			}
			if stdout != "" && !strings.HasPrefix(stdout, "step,population,index") {
				t.Errorf("unexpected stdout %q", stdout)
			}
		})
	}
}

func write(t *testing.T, dir, name, content string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Every command answers --help with examples, and every example runs: each
// line of each command's Example (what follows a | is left out) runs, in order, in
// one temporary directory per command where examples/ is the repository's, and exits 0.
func TestHelpHasExamples(t *testing.T) {
	examples, err := filepath.Abs("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	root := newRootCommand(nil, nil)
	var all []*cobra.Command // every command and subcommand (snnc report energy)
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		all = append(all, c)
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(root)
	for _, c := range all {
		if c.Name() == "help" || c.Name() == "completion" {
			continue
		}
		status, stdout, _ := snnc(t, ".", append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "snnc")), "--help")...)
		if status != 0 || !strings.Contains(stdout, "Examples:") {
			t.Errorf("%s --help: status %d, output %q", c.CommandPath(), status, stdout)
		}
		// A command's examples run in order in one directory, so a line
		// may use what an earlier one wrote (snnc run after snnc compile).
		dir := t.TempDir()
		if err := os.Symlink(examples, filepath.Join(dir, "examples")); err != nil {
			t.Fatal(err)
		}
		ran := 0
		for line := range strings.Lines(c.Example) {
			line, _, _ = strings.Cut(line, "|")
			args := strings.Fields(line)
			if len(args) == 0 {
				continue
			}
			if args[0] != "snnc" || strings.ContainsAny(line, `"'\$*;&<>`) {
				t.Errorf("%s: example %q is not a plain snnc command line", c.CommandPath(), line)
				continue
			}
			if status, _, stderr := snnc(t, dir, args[1:]...); status != 0 {
				t.Errorf("%s: example %q: exit status %d: %s", c.CommandPath(), strings.TrimSpace(line), status, stderr)
			}
			ran++
		}
		if ran == 0 {
			t.Errorf("%s: no example in --help", c.CommandPath())
		}
	}
}

// A network too large for the machine is refused with one line and exit
// status 2 before the simulator allocates anything.
func TestSimulateMemory(t *testing.T) {
	defer func(f func() (int64, bool)) { memAvailable = f }(memAvailable)
	memAvailable = func() (int64, bool) { return 100, true }
	dir := t.TempDir()
	write(t, dir, "net.yaml", goodNet)
	status, stdout, stderr := snnc(t, dir, "simulate", "net.yaml", "--steps", "5")
	want := regexp.MustCompile(`^net\.yaml: simulating this network needs about \d+ bytes, more than the 100 bytes available \(neurons: 5, synapses: 3\)\n$`)
	if status != exitUserError || stdout != "" || !want.MatchString(stderr) {
		t.Errorf("status %d, stdout %q, stderr %q; want status 2 and %s", status, stdout, stderr, want)
	}
	memAvailable = func() (int64, bool) { return 0, false } // cannot tell: no check
	if status, _, stderr := snnc(t, dir, "simulate", "net.yaml", "--steps", "5"); status != 0 {
		t.Errorf("without MemAvailable: status %d: %s", status, stderr)
	}
}
