// Package fpga is snnc's FPGA backend: boards as data, and the
// configuration image that makes one bitstream run any network that fits
// its core.
//
// A Board (boards/*.yaml, embedded) names its Device (devices/*.yaml),
// pins, clock, USB serial bridge, flash command and the CoreParams of the
// snn_core its bitstream holds (docs/boards.md). The bitstream depends on
// the board only; a network becomes an Image — the words of the core's
// memory map (docs/fpga-core.md) — that the driver writes through the
// core's configuration port at start-up, so compiling a new network takes
// milliseconds instead of a place-and-route.
//
// Build lays a legalised network out in the core's slots, profiles,
// weight classes, group pointers and synapse table; WriteBinary and
// ReadBinary store it in one file (docs/fpga-image.md); WriteHex writes
// $readmemh files for simulation or for baking it into block RAM.
// CoreSim runs the core's step semantics on an image alone, decoding it
// as the Verilog does, so that tests can pin the image to loihisim and
// the RTL to the image. The sub-package build runs the synthesis flow.
package fpga
