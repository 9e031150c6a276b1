package compiler

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/snnc/snnc/internal/sysmem"
)

const budgetNote = " (allowed: a network whose synapses fit in memory; see docs/format.md, Limits)"
const neuronNote = " (allowed: a network whose neurons fit in memory; see docs/format.md, Limits)"

// pairOf is a description of populations a (input) and b (lif), of sizes
// na and nb, and the projections given.
func pairOf(na, nb, projections string) string {
	return "version: 1\npopulations:\n  - {name: a, size: " + na + ", model: input}\n  - {name: b, size: " + nb + ", model: lif, params: {vth: 1}}\nprojections:\n" + projections
}

func TestMemoryBudget(t *testing.T) {
	cases := []struct {
		name   string
		budget int64
		src    string
		want   string
	}{
		{"size 1e9", 9_400_000_000, "version: 1\npopulations:\n  - {name: a, size: 1e9, model: input}\n",
			"net.yaml:3:21: populations[0].size: 1,000,000,000 neurons take about 64.0 GB (64 bytes each), more than the memory budget of 9.4 GB" + neuronNote},
		{"neurons of several populations", 9_400_000_000, pairOf("100_000_000", "50_000_000", ""),
			"net.yaml:4:21: populations[1].size: 50,000,000 brings the network to 150,000,000 neurons, about 9.6 GB (64 bytes each), more than the memory budget of 9.4 GB" + neuronNote},
		{"all_to_all", 9_400_000_000, `version: 1
populations:
  - name: a
    size: 40000
    model: input
  - name: b
    size: 40000
    model: lif
    params: {vth: 10}
projections:
  - from: a
    connect: all_to_all
    to: b
    weights: 1
`, "net.yaml:12:14: projections[0].connect: all_to_all makes 1,600,000,000 synapses, about 12.8 GB, more than the memory budget of 9.4 GB" + budgetNote},
		{"random", 9_400_000_000, pairOf("40000", "40000", "  - {from: a, to: b, connect: {random: {p: 0.9, seed: 1}}, weights: 1}\n"),
			"net.yaml:6:31: projections[0].connect: random makes about 1,440,000,000 synapses, about 11.5 GB, more than the memory budget of 9.4 GB" + budgetNote},
		{"fixed_fanout", 9_400_000_000, pairOf("40000", "40000", "  - {from: a, to: b, connect: {fixed_fanout: {n: 30000, seed: 1}}, weights: 1}\n"),
			"net.yaml:6:31: projections[0].connect: fixed_fanout makes 1,200,000,000 synapses, about 9.6 GB, more than the memory budget of 9.4 GB" + budgetNote},
		{"one_to_one", 1_000_000, pairOf("10000", "10000", "  - {from: a, to: b, connect: one_to_one, weights: 1}\n"),
			"net.yaml:4:21: populations[1].size: 10,000 brings the network to 20,000 neurons, about 1.3 MB (64 bytes each), more than the memory budget of 1.0 MB" + neuronNote},
		{"one_to_one synapses", 1_400_000, pairOf("10000", "10000", "  - {from: a, to: b, connect: one_to_one, weights: 1}\n"),
			"net.yaml:6:31: projections[0].connect: one_to_one makes 10,000 synapses, about 160.0 kB, which brings the network to about 1.4 MB, more than the memory budget of 1.4 MB" + budgetNote},
		{"two projections", 9_400_000_000, pairOf("20000", "40000",
			"  - {from: a, to: b, connect: all_to_all, weights: 1}\n  - {from: a, to: b, connect: all_to_all, weights: 2}\n"),
			"net.yaml:7:31: projections[1].connect: all_to_all makes 800,000,000 synapses, about 6.4 GB, which brings the network to about 12.8 GB, more than the memory budget of 9.4 GB" + budgetNote},
		{"row starts", 10_000_000, pairOf("100000", "1", strings.Repeat("  - {from: a, to: b, connect: {random: {p: 0.000001, seed: 1}}, weights: 1}\n", 10)),
			"net.yaml:10:31: projections[4].connect: random makes about 0 synapses, about 800.0 kB, which brings the network to about 10.4 MB, more than the memory budget of 10.0 MB" + budgetNote},
		{"dense matrix", 500, "version: 1\npopulations:\n  - {name: in, size: 3, model: input}\n  - {name: exc, size: 4, model: lif, params: {vth: 1}}\nprojections:\n  - {from: in, to: exc, " + dense + "}\n",
			"net.yaml:6:34: projections[0].weights: the matrix has 7 synapses, about 88 bytes, which brings the network to about 536 bytes, more than the memory budget of 500 bytes" + budgetNote},
		{"one neuron", 10, "version: 1\npopulations:\n  - {name: a, size: 1, model: input}\n",
			"net.yaml:3:21: populations[0].size: 1 neuron takes about 64 bytes (64 bytes each), more than the memory budget of 10 bytes" + neuronNote},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			net, err := ParseWithOptions("net.yaml", []byte(c.src), nil, ParseOptions{MemoryBudget: c.budget})
			runtime.ReadMemStats(&after)
			wantError(t, net, err, c.want)
			// The error comes before anything of the network's size is
			// allocated (the description itself takes a few kB).
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("allocated %d bytes before the error", alloc)
			}
		})
	}
}

// TestNoSynapsesBeforeTheBudget: when the second projection is over the
// budget, the first one's synapses have not been generated yet. Without
// the budget the same description allocates its 64 MB.
func TestNoSynapsesBeforeTheBudget(t *testing.T) {
	src := []byte(pairOf("2000", "2000", "  - {from: a, to: b, connect: all_to_all, weights: 1}\n  - {from: a, to: b, connect: all_to_all, weights: 2}\n"))
	alloc := func(budget int64) (uint64, error) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		_, err := ParseWithOptions("net.yaml", src, nil, ParseOptions{MemoryBudget: budget})
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc, err
	}
	bytes, err := alloc(50_000_000)
	if want := "net.yaml:7:31: projections[1].connect: all_to_all makes 4,000,000 synapses, about 32.0 MB, which brings the network to about 64.3 MB, more than the memory budget of 50.0 MB" + budgetNote; err == nil || err.Error() != want {
		t.Errorf("got  %v\nwant %s", err, want)
	}
	if bytes > 1<<20 {
		t.Errorf("allocated %d bytes before the error", bytes)
	}
	bytes, err = alloc(-1)
	if err != nil {
		t.Fatal(err)
	}
	if bytes < 64_000_000 || bytes > 66_000_000 {
		t.Errorf("without a budget: allocated %d bytes, want about 64 MB (8 bytes per synapse, reserved once)", bytes)
	}
}

// TestMemoryBudgetDefault: Parse and ParseFile use DefaultMemoryBudget, so
// that a size typo is an error there too; a negative budget turns it off.
func TestMemoryBudgetDefault(t *testing.T) {
	b := DefaultMemoryBudget()
	if b <= 0 || b != DefaultMemoryBudget() {
		t.Fatalf("DefaultMemoryBudget() = %d, then %d", b, DefaultMemoryBudget())
	}
	t.Logf("default memory budget: %s", sysmem.Format(float64(b)))
	src := "version: 1\npopulations:\n  - {name: a, size: 2147483647, model: input}\n"
	path := filepath.Join(t.TempDir(), "net.yaml")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	if b < 2147483647*64 {
		if _, err := Parse("net.yaml", []byte(src), nil); err == nil || !strings.Contains(err.Error(), "more than the memory budget of "+sysmem.Format(float64(b))) {
			t.Errorf("Parse: got %v, want the budget error", err)
		}
		if _, err := ParseFile(path); err == nil || !strings.Contains(err.Error(), "more than the memory budget") {
			t.Errorf("ParseFile: got %v, want the budget error", err)
		}
	}
	if _, err := ParseFileWithOptions(path, ParseOptions{MemoryBudget: 1 << 40}); err != nil {
		t.Errorf("budget 1 TiB: %v", err)
	}
	if _, err := ParseWithOptions("net.yaml", []byte(src), nil, ParseOptions{MemoryBudget: -1}); err != nil {
		t.Errorf("no budget: %v", err)
	}
}

func TestCommas(t *testing.T) {
	for v, want := range map[int64]string{0: "0", 7: "7", 999: "999", 1000: "1,000", 1600000000: "1,600,000,000", -1234567: "-1,234,567"} {
		if got := commas(v); got != want {
			t.Errorf("commas(%d) = %q, want %q", v, got, want)
		}
	}
}
