// Package hdl holds snnc's hand-written Verilog: the neuromorphic core for
// iCE40 FPGAs (docs/fpga-core.md) and the UART link around it. The files are
// embedded so that the snnc binary can write them out for yosys, nextpnr,
// Verilator and Icarus without a source tree.
//
// The core is one file per block. A neuron is updated in core_update.v,
// which walks the slots one per clock and feeds neuron_lif.v, the one
// Verilog definition of the LIF arithmetic (its Go twin is
// backend/loihi-sim/model.go); synaptic input reaches it through
// core_deliver.v (history, group pointers, synapse stream, syn_weight.v)
// and core_accum.v (the accumulator's read-modify-write).
package hdl

import "embed"

// FS holds every Verilog file of this directory, by base name.
//
//go:embed *.v
var FS embed.FS

// CoreFiles are the files of the core, top module snn_core, in an order in
// which every module is defined before it is instantiated.
var CoreFiles = []string{
	"bram_1r1w.v",
	"spram.v",
	"neuron_lif.v",
	"syn_weight.v",
	"core_memories.v",
	"core_control.v",
	"core_deliver.v",
	"core_accum.v",
	"core_update.v",
	"snn_core.v",
}

// LinkFiles are the UART link to the host (docs/host-bridge.md): the
// receiver, the transmitter and host_bridge, which turns frames into the
// core's cfg, input and step ports.
var LinkFiles = []string{"uart_rx.v", "uart_tx.v", "host_bridge.v"}

// SystemFiles wire LinkFiles to the core: snnc_system, the part of the
// bitstream that every board's top level and the virtual board share.
var SystemFiles = []string{"snnc_system.v"}

// FramedLinkFiles are the framed link of docs/protocol.md (CRC, credits,
// acknowledgements), top module link_uart, with host_bridge's ports. It
// is tested on its own (testbench/link) and not yet in the bitstream,
// which still instantiates host_bridge; it uses uart_rx.v and uart_tx.v.
var FramedLinkFiles = []string{"link_crc16.v", "link_rx.v", "link_tx.v", "link_ctrl.v", "link_uart.v"}
