package rtl

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"time"

	"github.com/snnc/snnc/backend/fpga"
)

// RunOptions choose what a run records.
type RunOptions struct {
	// State dumps u and v of every LIF neuron after every step.
	State bool
	// Timeout bounds the simulator's run; 0 means DefaultRunTimeout. A
	// core that never finishes a step hangs the bench, so every run has
	// one.
	Timeout time.Duration
	// CommandFile, if set, is where the run's command file is kept, to
	// replay it by hand (doc.go shows how).
	CommandFile string
}

// DefaultRunTimeout is the run time allowed when RunOptions.Timeout is 0.
const DefaultRunTimeout = 10 * time.Minute

// Trace is what the core did in a run.
type Trace struct {
	// Spikes lists per step the LIF neurons that spiked, as global neuron
	// indices of the network, increasing.
	Spikes [][]int32
	// Cycles and Events are the core's counters of each step: clock
	// cycles from step_start to step_done and synaptic events delivered.
	Cycles, Events []int
	// U and V hold, with RunOptions.State, per step the state after the
	// step of every LIF neuron, in increasing global index.
	U, V [][]int32
	// LIF lists the global indices of the LIF neurons, in the order of
	// U and V.
	LIF []int32
}

// Status bits of ctrl word 27.
const (
	statusBadInput     = 1 << 0
	statusCfgWhileBusy = 1 << 1
)

// ctrl words the harness reads.
const (
	regionCtrl   = 0
	ctrlVersion  = 16
	ctrlParams   = 17
	ctrlSynWords = 18
	ctrlStatus   = 27
)

// Run loads im into the core, clears its dynamic state and runs steps
// steps. inputs[t] lists the input neurons (global indices of im's
// network) that spike at step t; it may be shorter than steps. Spikes,
// counters and, with opt.State, u and v come back per step.
//
// Besides the configuration and the steps, the command file reads back
// the core's version and parameters (they must be the model's) and, at
// the end, the status bits (a bad input or a configuration access while
// busy is an error).
func (m *Model) Run(im *fpga.Image, inputs [][]int32, steps int, opt RunOptions) (*Trace, error) {
	if im.Core != m.Core {
		return nil, fmt.Errorf("rtl: the image is for core %v, the model is built for %v", im.Core, m.Core)
	}
	if len(inputs) > steps {
		for t := steps; t < len(inputs); t++ {
			if len(inputs[t]) > 0 {
				return nil, fmt.Errorf("rtl: input spikes at step %d, but the run has %d steps (0..%d)", t, steps, steps-1)
			}
		}
	}
	p, lif, err := m.program(im, inputs, steps, opt)
	if err != nil {
		return nil, err
	}
	stdout, stderr, err := m.execute(p, opt)
	if err != nil {
		return nil, err
	}
	res, err := p.parse(stdout, im.NeuronCount)
	if err != nil {
		if len(stderr) > maxToolOutput {
			stderr = stderr[len(stderr)-maxToolOutput:]
		}
		return nil, fmt.Errorf("rtl: %v: %w; stderr: %s", m, err, bytes.TrimSpace(stderr))
	}
	return m.trace(im, res, lif, opt)
}

// program writes the command file of a run. It returns the LIF slots in
// increasing global index.
func (m *Model) program(im *fpga.Image, inputs [][]int32, steps int, opt RunOptions) (*program, []int, error) {
	p := &program{}
	im.Writes(func(region, addr int, data uint64) { p.write(region, addr, data) })
	p.read(regionCtrl, ctrlVersion)
	p.read(regionCtrl, ctrlParams)
	p.read(regionCtrl, ctrlSynWords)
	p.clear()
	seen := make([]int, im.SlotCount) // the step+1 at which a slot last had an input
	for t := range steps {
		if t < len(inputs) {
			for _, g := range inputs[t] {
				if g < 0 || int(g) >= len(im.SlotOf) {
					return nil, nil, fmt.Errorf("rtl: input spike at step %d of neuron %d; the network has neurons 0..%d", t, g, len(im.SlotOf)-1)
				}
				s := int(im.SlotOf[g])
				if s < im.NeuronCount || s >= im.SlotCount {
					return nil, nil, fmt.Errorf("rtl: input spike at step %d of neuron %d, which is not an input neuron (its slot %d is not in the external slots %d..%d)", t, g, s, im.NeuronCount, im.SlotCount-1)
				}
				if seen[s] == t+1 {
					return nil, nil, fmt.Errorf("rtl: neuron %d spikes twice at step %d (an input neuron spikes at most once a step)", g, t)
				}
				seen[s] = t + 1
				p.input(s)
			}
		}
		p.step()
		if opt.State && im.NeuronCount > 0 {
			p.dump(im.NeuronCount)
		}
	}
	p.read(regionCtrl, ctrlStatus)
	p.finish()
	lif := make([]int, im.NeuronCount)
	for i := range lif {
		lif[i] = i
	}
	slices.SortFunc(lif, func(a, b int) int { return int(im.NeuronOf[a]) - int(im.NeuronOf[b]) })
	return p, lif, nil
}

// execute writes the command file and runs the model on it, returning
// its standard output and error.
func (m *Model) execute(p *program, opt RunOptions) (stdout, stderr []byte, err error) {
	tmp, err := os.MkdirTemp("", "snnc-rtl-run-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(tmp)
	cmds := filepath.Join(tmp, "cmds.txt")
	if err := os.WriteFile(cmds, p.text.Bytes(), 0o644); err != nil {
		return nil, nil, err
	}
	if opt.CommandFile != "" {
		if err := os.WriteFile(opt.CommandFile, p.text.Bytes(), 0o644); err != nil {
			return nil, nil, err
		}
	}
	timeout := opt.Timeout
	if timeout == 0 {
		timeout = DefaultRunTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	args := append(slices.Clone(m.argv), "+cmds="+cmds)
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = tmp
	var outBuf, errBuf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &outBuf, &errBuf
	err = cmd.Run()
	if ctx.Err() != nil {
		err = fmt.Errorf("timed out after %v (a step that never ends?): %w", timeout, err)
	}
	if err != nil {
		return nil, nil, &ToolError{Tool: m.String(), Args: args, Dir: tmp, Output: outBuf.String() + errBuf.String(), Err: err}
	}
	return outBuf.Bytes(), errBuf.Bytes(), nil
}

// trace checks the read-backs and turns slots into neurons.
func (m *Model) trace(im *fpga.Image, res *output, lif []int, opt RunOptions) (*Trace, error) {
	c := m.Core
	want := []uint64{
		fpga.CoreVersion,
		uint64(c.SlotBits | c.DelayBits<<8 | c.ProfileBits<<16),
		uint64(c.SynWords),
	}
	what := []string{"core version", "SLOT_BITS | DELAY_BITS<<8 | PROFILE_BITS<<16", "SYN_WORDS"}
	for i, w := range want {
		if res.reads[i] != w {
			return nil, fmt.Errorf("rtl: %v: ctrl word %d (%s) reads %#x, want %#x", m, ctrlVersion+i, what[i], res.reads[i], w)
		}
	}
	if st := res.reads[3]; st != 0 {
		var why []string
		if st&statusBadInput != 0 {
			why = append(why, "bad_input: an input spike for a slot that is not external")
		}
		if st&statusCfgWhileBusy != 0 {
			why = append(why, "cfg_while_busy: a configuration access during a step")
		}
		return nil, fmt.Errorf("rtl: %v: status bits %#x after the run (%v)", m, st, why)
	}
	tr := &Trace{
		Spikes: make([][]int32, len(res.steps)),
		Cycles: make([]int, len(res.steps)),
		Events: make([]int, len(res.steps)),
		LIF:    make([]int32, len(lif)),
	}
	for k, s := range lif {
		tr.LIF[k] = im.NeuronOf[s]
	}
	for t, st := range res.steps {
		sp := make([]int32, len(st.out))
		for i, s := range st.out {
			sp[i] = im.NeuronOf[s]
		}
		slices.Sort(sp)
		tr.Spikes[t], tr.Cycles[t], tr.Events[t] = sp, st.cycles, st.events
	}
	if opt.State {
		// One (possibly empty) state per step, also with no LIF neuron.
		tr.U = make([][]int32, len(res.steps))
		tr.V = make([][]int32, len(res.steps))
		for t := range res.steps {
			tr.U[t], tr.V[t] = []int32{}, []int32{}
		}
		for t, d := range res.dumps {
			u, v := make([]int32, len(lif)), make([]int32, len(lif))
			for k, s := range lif {
				u[k], v[k] = d[s].u, d[s].v
			}
			tr.U[t], tr.V[t] = u, v
		}
	}
	return tr, nil
}
