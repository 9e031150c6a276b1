// snnc_system.v - the board-independent system of snnc's bitstream: the
// link of docs/protocol.md (version 1) wired port by port to the core
// (snn_core.v), the ports of docs/fpga-core.md between them. The board's
// top level (snnc_top.v, written by backend/fpga/build) adds the PLL, the
// power-on reset, the pins and the LEDs around it; the virtual board's top
// (testbench/vboard) adds a reset and its harness. Both therefore run this
// same Verilog.
//
//   transport (LINK_SPI = 0: uart_rx.v, uart_tx.v at BAUD;
//              LINK_SPI = 1: link_spi.v, the board as SPI peripheral)
//     <-> bytes <-> link_stream.v (link_rx, link_ctrl, link_tx)
//     <-> cfg / input / step ports <-> snn_core.v
//
// The pins of the transport not chosen are ignored (inputs) or held at
// their idle level (uart_tx high, spi_miso low).
//
// idle: nothing under way, so the board does nothing until the host sends
// a byte: out of reset, the core not busy, the transport quiet (no byte
// being received or sent, no byte of the link waiting in the SPI shifter)
// and the link idle (link_stream.v: no partial frame, so no timeout
// running; no frame waiting in the buffer; no answer or nak to send). A
// run of N steps or a pending answer keeps it low. The virtual board stops
// clocking while it is high.
//
// BUILD_HASH is identity's build_hash (byte 0 in [7:0]):
// backend/fpga/build.BuildHash, a hash of this system's HDL and parameters.
`default_nettype none

module snnc_system #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter PROFILE_BITS = 8,
    parameter USE_SPRAM    = 1,
    parameter CLK_HZ       = 24000000,  // the core clock, for the UART's divider
    parameter BAUD         = 3000000,
    parameter LINK_SPI     = 0,         // 0: the UART; 1: SPI
    parameter [63:0] BUILD_HASH = 64'd0
) (
    input  wire clk,
    input  wire rst,
    input  wire uart_rx,   // host to FPGA
    output wire uart_tx,   // FPGA to host
    input  wire spi_sck,
    input  wire spi_cs_n,
    input  wire spi_mosi,  // host to FPGA
    output wire spi_miso,  // FPGA to host
    output wire activity,  // toggles on every step
    output wire busy,      // the core runs a step or a clear
    output wire idle       // nothing under way (above)
);
    wire                 step_start, step_done, state_clear;
    wire                 in_valid, out_valid;
    wire [SLOT_BITS-1:0] in_index, out_index;
    wire                 cfg_we, cfg_re, cfg_rvalid;
    wire [3:0]           cfg_region;
    wire [15:0]          cfg_addr;
    wire [63:0]          cfg_wdata, cfg_rdata;

    wire [7:0] rx_data, tx_data;
    wire       rx_valid, tx_valid, tx_ready, port_idle, link_idle;

    generate
        if (LINK_SPI != 0) begin : g_spi
            link_spi spi (
                .clk(clk), .rst(rst),
                .spi_sck(spi_sck), .spi_cs_n(spi_cs_n), .spi_mosi(spi_mosi), .spi_miso(spi_miso),
                .rx_data(rx_data), .rx_valid(rx_valid),
                .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
                .idle(port_idle)
            );
            assign uart_tx = 1'b1;
            wire unused_uart = &{1'b0, uart_rx};
        end else begin : g_uart
            wire rx_idle, tx_idle, rx_ferr;
            // A byte with a bad stop bit is dropped by uart_rx; the frame it
            // was in then fails its CRC or times out.
            uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) urx (
                .clk(clk), .rst(rst), .rx(uart_rx),
                .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr), .idle(rx_idle)
            );
            uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) utx (
                .clk(clk), .rst(rst),
                .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx), .idle(tx_idle)
            );
            assign port_idle = rx_idle && tx_idle;
            assign spi_miso  = 1'b0;
            wire unused_spi = &{1'b0, spi_sck, spi_cs_n, spi_mosi, rx_ferr};
        end
    endgenerate

    link_stream #(
        .SLOT_BITS(SLOT_BITS),
        .DELAY_BITS(DELAY_BITS),
        .PROFILE_BITS(PROFILE_BITS),
        .SYN_WORDS(SYN_WORDS),
        .TRANSPORT(LINK_SPI != 0 ? 1 : 0),
        .BUILD_HASH(BUILD_HASH)
    ) link (
        .clk(clk), .rst(rst),
        .rx_data(rx_data), .rx_valid(rx_valid),
        .tx_data(tx_data), .tx_valid(tx_valid), .tx_ready(tx_ready),
        .activity(activity), .idle(link_idle),
        .step_start(step_start), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region), .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .busy(busy), .step_done(step_done),
        .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    snn_core #(
        .SLOT_BITS(SLOT_BITS),
        .DELAY_BITS(DELAY_BITS),
        .SYN_WORDS(SYN_WORDS),
        .PROFILE_BITS(PROFILE_BITS),
        .USE_SPRAM(USE_SPRAM)
    ) core (
        .clk(clk), .rst(rst),
        .busy(busy), .step_start(step_start), .step_done(step_done), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .out_valid(out_valid), .out_index(out_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region), .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    // The link reads the spiking slots from history (region 6) after the
    // step, so that an output frame can be sized before it is sent.
    wire unused_out = &{1'b0, out_valid, out_index};

    assign idle = !rst && !busy && port_idle && link_idle;
endmodule

`default_nettype wire
