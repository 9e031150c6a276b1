// Package build makes the bitstream of a board: it writes the top level
// (snnc_top.v: the PLL to the core clock, a power-on reset, snnc_system —
// the link and snn_core — with its build hash, BuildHash) and the pin
// constraints for a board profile, runs the open iCE40 flow — yosys,
// nextpnr-ice40, icepack, icetime — each behind a small function that logs
// to DIR/logs/<tool>.log and fails with the tool's command line and the end
// of its log, and keeps the results in a cache.
//
// The bitstream depends on the board, its core parameters, the HDL and the
// tools, never on a network: a network is a configuration image
// (backend/fpga) loaded over the link at start-up. So the cache key
// (Sources.Key) covers exactly those, and compiling a new network for a
// board that was built before takes milliseconds.
//
// The order of a build: Emit (the sources), FindTools, Run (the flow or the
// cache), then NewReport and WriteManifest for the output directory.
// docs/fpga-flow.md describes the files and the choices made.
package build
