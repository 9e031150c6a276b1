// Package rtl runs networks on the Verilog core (hdl/) in a simulator,
// from Go, so that the RTL is checked spike for spike and state for state
// against the reference simulator (backend/loihi-sim).
//
// The core is driven by tb_core.v, a test bench that reads a text file of
// commands (docs/fpga-core.md, "Reading and writing from a test bench"):
// configuration writes through the cfg port, reads, input spikes, steps,
// state clears and dumps of u and v. Build compiles the bench and the core
// with one set of core parameters in Verilator or Icarus; GateLevel
// synthesises the core with yosys' synth_ice40 and simulates the iCE40
// netlist in Icarus. Model.Run writes the command file of a run — the
// configuration image of backend/fpga, a state_clear, then per step the
// input spikes, a step and, if asked, a dump — runs the simulator and
// parses its output strictly: every line must be the next record the
// command file asks for (or a # comment) up to the bench's closing
// "# done", so a missing, extra or garbled record (X bits included) is an
// error that quotes the line, with the bench's stderr. It also reads back
// the core's version and parameters before the steps and its status bits
// after them. The trace comes back in the network's terms: global neuron
// indices, not slots.
//
// Builds take from seconds (Icarus) to a minute or more (Verilator,
// yosys), so they are cached, keyed by the simulator and its version, the
// parameters and a hash of every source file, under CacheDir()
// (~/.cache/snnc/rtl on Linux) unless a directory is given: a test binary
// builds each configuration once, and a later run none.
//
// The tests (go test ./testbench/rtl) need verilator, iverilog and yosys
// (Debian packages verilator, iverilog, yosys). Without them they skip,
// unless SNNC_REQUIRE_EDA=1 (as in CI), where a missing tool fails. They
// run the examples and 200 seeded random networks (relay chains, every
// weight class, refractory periods, resets by subtraction) in Verilator,
// 10 of them in Icarus and 3 small ones on the gate-level netlist,
// comparing spikes, u and v every step with loihisim, and neurons with
// reset: subtract whose residues are worked out by hand (reset_test.go);
// and they hold the cycles of every step to a model of the deliver phase
// (cycles_test.go). Useful flags:
// -run 'TestRTLEqualsSimRandom/seed_17' for one network, -rtl.keep DIR to
// keep the command files of failing runs, -rtl.cache DIR for another build
// cache, -short for fewer networks and no gate level.
//
// To replay a command file by hand, from the repository root, with the
// iCEBreaker's parameters (hdl.CoreFiles lists the core's files in
// compile order; the cache directory of a build holds the same files):
//
//	mkdir -p /tmp/rtl && cp hdl/*.v testbench/rtl/tb_core.v /tmp/rtl && cd /tmp/rtl
//	P="SLOT_BITS=10 DELAY_BITS=4 SYN_WORDS=16384 PROFILE_BITS=8 USE_SPRAM=1"
//	CORE="bram_1r1w.v spram.v ... snn_core.v" # hdl.CoreFiles, in order
//
//	# Verilator 5.006
//	verilator --binary --timing -Wno-fatal --top-module tb_core --Mdir obj -o Vtb_core \
//	    $(for p in $P; do echo -G$p; done) tb_core.v $CORE
//	obj/Vtb_core +cmds=run.cmds
//
//	# Icarus Verilog
//	iverilog -g2005 -s tb_core -o tb_core.vvp $(for p in $P; do echo -P tb_core.$p; done) tb_core.v $CORE
//	vvp -n tb_core.vvp +cmds=run.cmds
//
//	# gate level (the small core of the tests)
//	P="SLOT_BITS=6 DELAY_BITS=3 SYN_WORDS=256 PROFILE_BITS=4 USE_SPRAM=1"
//	yosys -q -p "read_verilog $CORE; chparam -set SLOT_BITS 6 -set DELAY_BITS 3 -set SYN_WORDS 256 \
//	    -set PROFILE_BITS 4 -set USE_SPRAM 1 snn_core; synth_ice40 -top snn_core -dsp; write_verilog -noattr netlist.v"
//	iverilog -g2005 -DNO_ICE40_DEFAULT_ASSIGNMENTS -s tb_core -o gate.vvp \
//	    $(for p in $P; do echo -P tb_core.$p; done) tb_core.v netlist.v /usr/share/yosys/ice40/cells_sim.v
//	vvp -n gate.vvp +cmds=run.cmds
//
// Output lines are hexadecimal without 0x: "R region addr data" for a
// read, "O slot" per output spike then "D cycles events spikes" per step,
// "S slot u v" per slot of a dump (u, v as 24-bit two's complement), and
// "# done" at the end. (Icarus 11 cannot parse the default values
// cells_sim.v gives some input ports, hence -DNO_ICE40_DEFAULT_ASSIGNMENTS;
// yosys connects every port of the cells it writes.)
package rtl
