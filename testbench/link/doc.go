// Package link tests the board side of link protocol version 1
// (docs/protocol.md): hdl/link_crc16.v, link_rx.v, link_tx.v, link_ctrl.v
// and the top hdl/link_uart.v, which has the ports of host_bridge.v.
//
// The tests are Icarus Verilog benches driven from Go, as in
// testbench/bridge: a behavioural host bit-banges frames encoded by
// driver/wire into uart_rx at 3 Mbaud (24 MHz clock) and decodes what
// uart_tx sends with wire.Decoder, against the real snn_core in a small
// configuration (SLOT_BITS 4, DELAY_BITS 2, SYN_WORDS 16, PROFILE_BITS 2,
// USE_SPRAM 0).
//
//   - tb_crc.v: link_crc16 against wire.CRC16 on random data.
//   - tb_link.v: link_uart and snn_core: identify, configuration write and
//     read and their errors, naks (crc, sequence, duplicate, overflow,
//     timeout, header) and resynchronisation, input spikes, run, output
//     frames and step-done.
//
// Without iverilog the tests skip, unless SNNC_REQUIRE_EDA=1.
package link
