// Package vboard is the virtual board: a board's RTL (snn_core and the
// UART link of package hdl, with the board's core parameters) compiled by
// Verilator together with a small C++ harness that clocks it at the
// board's core clock in simulated time and bridges its UART pins to a
// pseudo-terminal. A driver opens the pty's path with github.com/tarm/serial
// exactly as it opens a real board's /dev/ttyUSB1, so a hardware-in-the-loop
// test runs unchanged with or without a board.
//
// Build (or BuildBoard) compiles a virtual board once per configuration and
// caches it; (*Binary).Start runs it and returns a *Board whose Path is the
// pty; Close stops it. The harness prints the pty on its first line of
// stdout ("vboard: /dev/pts/7"), so the binary can also be run by hand.
// docs/vboard.md has the design, the harness' options and its speed.
package vboard
