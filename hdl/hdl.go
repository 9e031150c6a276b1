// Package hdl holds snnc's hand-written Verilog: the neuromorphic core for
// iCE40 FPGAs (docs/fpga-core.md) and the link to the host around it
// (docs/protocol.md: over the UART or SPI). The files are
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

// LinkFiles are the board's side of the link, protocol version 1
// (docs/protocol.md), in an order in which every module is defined before
// it is instantiated: the two transports (the UART, uart_rx.v and
// uart_tx.v; SPI, link_spi.v), the frame check, and link_stream.v, which
// turns frames into the core's cfg, input and step ports (link_rx.v,
// link_ctrl.v, link_tx.v) over either transport.
var LinkFiles = []string{
	"uart_rx.v",
	"uart_tx.v",
	"link_spi.v",
	"link_crc16.v",
	"link_rx.v",
	"link_tx.v",
	"link_ctrl.v",
	"link_stream.v",
}

// SystemFiles wire LinkFiles to the core: snnc_system, the part of the
// bitstream that every board's top level and the virtual board share.
var SystemFiles = []string{"snnc_system.v"}

// SystemSources are every file of snnc_system, top module snnc_system:
// CoreFiles, LinkFiles and SystemFiles in that order, the order in which
// yosys, Verilator and Icarus read them (and in which the build hash,
// backend/fpga/build.BuildHash, takes them).
func SystemSources() []string {
	return append(append(append([]string{}, CoreFiles...), LinkFiles...), SystemFiles...)
}
