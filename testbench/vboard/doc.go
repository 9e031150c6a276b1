// Package vboard is the virtual board: a board's RTL (snnc_system: snn_core
// and the link of docs/protocol.md, with the board's core parameters, link
// variant and build hash) compiled by Verilator together with a small C++
// harness that clocks it at the board's core clock in simulated time and
// drives the pins of its link. On the UART the pins are bridged to a
// pseudo-terminal, which a driver opens with github.com/tarm/serial exactly
// as it opens a real board's /dev/ttyUSB1; on SPI the harness is the SPI
// controller behind a Unix socket, which driver.DialSPISocket and
// driver.NewSPI open as they open a real spidev. Either way a
// hardware-in-the-loop test runs the driver's real code path, with or
// without a board.
//
// Build (or BuildBoard) compiles a virtual board once per configuration and
// caches it; (*Binary).Start runs it and returns a *Board whose
// OpenTransport opens its port as a driver.Transport; Close stops it and
// Stats has the harness' counters. The harness prints its port on its first
// line of stdout ("vboard: /dev/pts/7", "vboard: /tmp/vboard-Ab12Cd/spi.sock"),
// so the binary can also be run by hand. docs/vboard.md has the design,
// the harness' options and its speed.
package vboard
