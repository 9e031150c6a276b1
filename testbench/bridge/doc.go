// Package bridge tests the host link of the FPGA core: hdl/uart_rx.v,
// hdl/uart_tx.v and hdl/host_bridge.v (protocol v0, docs/host-bridge.md).
//
// The tests are Icarus Verilog test benches driven from Go, because the
// thing under test is the serial line itself: a behavioural host in the test
// bench bit-bangs bytes at the real baud rate, with a skewed clock and at
// random phases, and decodes what the bridge sends back, so the UARTs'
// sampling, the 12-byte command framing and the reply bytes are all checked
// as a board would see them. Go writes each run's script, encodes the
// commands and decodes the replies.
//
//   - tb_uart.v: uart_rx and uart_tx alone, as an echo, at 115,200 baud.
//   - tb_bridge.v with core_standin.v: host_bridge with a behavioural core
//     whose replies the host can predict (every op, errors, resync).
//   - tb_bridge.v with the real snn_core (hdl.CoreFiles) in a small
//     configuration: a two-neuron network loaded by hand spikes as it must.
//
// The Verilog comes from the hdl package's embedded files, so the tests see
// exactly what the snnc binary ships. Without iverilog the tests skip, unless
// SNNC_REQUIRE_EDA=1, which makes a missing tool a failure.
package bridge
