// Package link tests the board side of link protocol version 1
// (docs/protocol.md) as the bitstream has it: hdl/snnc_system.v, the link
// (link_crc16.v, link_rx.v, link_ctrl.v, link_tx.v in link_stream.v) behind
// either transport (uart_rx.v and uart_tx.v, or link_spi.v) and the real
// snn_core, in a small configuration (SLOT_BITS 4, DELAY_BITS 2,
// SYN_WORDS 16, PROFILE_BITS 2, USE_SPRAM 0).
//
// The tests are Icarus Verilog benches driven from Go, because the thing
// under test is the line itself: a behavioural host (host_uart.v bit-bangs
// the UART at the real baud, skewed and at random phases; host_spi.v is an
// SPI controller in mode 0 at up to CLK_HZ/8) sends frames encoded by
// driver/wire, and what the board sends back is decoded by wire.Decoder and
// compared frame by frame. The bench also holds the system's idle output to
// its meaning: once idle, the board sends nothing until the host sends.
//
//   - tb_crc.v: link_crc16 against wire.CRC16 on random data.
//   - tb_link.v: identify, configuration write and read and their errors,
//     naks (crc, sequence, duplicate, timeout, header) and
//     resynchronisation, input spikes, run, output frames and step-done,
//     over the UART, over SPI with chip select held, and over SPI with chip
//     select raised after every byte; the UART with a host 3 % off and at
//     115,200 baud.
//   - tb_uart.v: uart_rx and uart_tx alone, as an echo of every byte value
//     at 115,200 baud.
//
// The Verilog comes from the hdl package's embedded files, so the tests see
// exactly what the snnc binary ships. Without iverilog the tests skip,
// unless SNNC_REQUIRE_EDA=1.
package link
