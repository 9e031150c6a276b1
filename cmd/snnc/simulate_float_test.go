package main

import (
	"path/filepath"
	"strings"
	"testing"
)

// A float network: tau_syn 0 (a spike's current lasts one step), tau_mem
// .inf (v keeps what it has), bias 0.25 a step, reset by subtraction; the
// input spikes at steps 0 and 3 reach a[0] (0.5) and a[1] (1.5) two steps
// later.
const floatNet = `version: 1
populations:
  - name: in
    size: 1
    model: input
  - name: a
    size: 2
    model: cuba_lif
    params: {tau_syn: 0, tau_mem: .inf, v_th: 1, bias: 0.25, reset: subtract}
projections:
  - from: in
    to: a
    weights: [[0.5], [1.5]]
    delays: 2
`

// snnc simulate --float runs the float model as described, traced by hand:
//
//	a[0]: v 0.25, 0.5, 0.5+0.5+0.25 = 1.25 spikes → 0.25, 0.5, 0.75,
//	      0.75+0.5+0.25 = 1.5 spikes → 0.5, 0.75
//	a[1]: v 0.25, 0.5, 0.5+1.5+0.25 = 2.25 spikes → 1.25, 1.5 spikes → 0.5,
//	      0.75, 0.75+1.5+0.25 = 2.5 spikes → 1.5, 1.75 spikes → 0.75
func TestSimulateFloat(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "net.yaml", floatNet)
	write(t, dir, "input.csv", "step,population,index\n0,in,0\n3,in,0\n")
	status, stdout, stderr := snnc(t, dir, "simulate", "net.yaml", "--steps", "7", "--input", "input.csv", "--float", "--trace", "trace.csv")
	if status != 0 {
		t.Fatalf("status %d: %s", status, stderr)
	}
	wantSpikes := "step,population,index\n2,a,0\n2,a,1\n3,a,1\n5,a,0\n5,a,1\n6,a,1\n"
	if stdout != wantSpikes {
		t.Errorf("spikes:\n%s\nwant:\n%s", stdout, wantSpikes)
	}
	wantTrace := `step,population,index,i,v
0,a,0,0,0.25
0,a,1,0,0.25
1,a,0,0,0.5
1,a,1,0,0.5
2,a,0,0.5,0.25
2,a,1,1.5,1.25
3,a,0,0,0.5
3,a,1,0,0.5
4,a,0,0,0.75
4,a,1,0,0.75
5,a,0,0.5,0.5
5,a,1,1.5,1.5
6,a,0,0,0.75
6,a,1,0,0.75
`
	if got := read(t, filepath.Join(dir, "trace.csv")); got != wantTrace {
		t.Errorf("trace:\n%s\nwant:\n%s", got, wantTrace)
	}
	for _, want := range []string{"a  cuba_lif", "synaptic events: 4"} {
		if !strings.Contains(stderr, want) {
			t.Errorf("summary lacks %q:\n%s", want, stderr)
		}
	}
}

// --float refuses what it cannot do with a usage error (status 2) that
// says why.
func TestSimulateFloatErrors(t *testing.T) {
	dir := t.TempDir()
	write(t, dir, "float.yaml", floatNet)
	write(t, dir, "int.yaml", goodNet)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"int.yaml", "--float"}, "--float simulates float networks, and int.yaml has no cuba_lif population"},
		{[]string{"float.yaml", "--float", "--threads", "2"}, "--threads 2: the float simulation runs on one thread"},
		{[]string{"float.yaml", "--float", "--target", "loihi1"}, "--float simulates the float model, which no target runs"},
	} {
		args := append([]string{"simulate", "--steps", "3"}, tc.args...)
		status, stdout, stderr := snnc(t, dir, args...)
		if status != exitUserError || stdout != "" || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: status %d, stdout %q, stderr %q; want status %d and %q", tc.args, status, stdout, stderr, exitUserError, tc.want)
		}
	}
}
