// vboard_top: the virtual board's top level. It is snnc_top.v (written by
// backend/fpga/build) without the PLL and the LEDs: the same snnc_system
// (hdl/snnc_system.v: the link of docs/protocol.md and snn_core), with the
// core clock coming straight from the C++ harness (vboard.cpp), which
// clocks it at CLK_HZ in simulated time and drives the link's pins: the
// UART at BAUD (LINK_SPI = 0), or the SPI controller's SCLK, CS and MOSI
// (LINK_SPI = 1). The pins of the other link are held idle by the harness.
//
// LINK_SPI and BUILD_HASH are the bitstream's (backend/fpga/build), so the
// virtual board identifies exactly as the board does.
//
// rst is a power-on reset held for the first 15 clocks, as the FPGA's
// flip-flops start at their initial values after configuration.
//
// idle is snnc_system's: nothing under way in the core or the link. While
// idle and no byte is in flight the harness stops clocking, so an idle
// virtual board costs no CPU.
`default_nettype none

module vboard_top #(
    parameter SLOT_BITS         = 10,
    parameter DELAY_BITS        = 4,
    parameter SYN_WORDS         = 16384,
    parameter PROFILE_BITS      = 8,
    parameter USE_SPRAM         = 1,
    parameter CLK_HZ            = 24000000,
    parameter BAUD              = 3000000,
    parameter LINK_SPI          = 0,
    parameter [63:0] BUILD_HASH = 64'd0
) (
    input  wire clk,
    input  wire uart_rx,
    output wire uart_tx,
    input  wire spi_sck,
    input  wire spi_cs_n,
    input  wire spi_mosi,
    output wire spi_miso,
    output wire activity,
    output wire idle
);
    // Power-on reset.
    reg [3:0] por_count = 4'd0;
    reg       rst = 1'b1;
    always @(posedge clk) begin
        if (!(&por_count)) por_count <= por_count + 4'd1;
        rst <= !(&por_count);
    end

    wire busy, system_idle;
    snnc_system #(
        .SLOT_BITS(SLOT_BITS),
        .DELAY_BITS(DELAY_BITS),
        .SYN_WORDS(SYN_WORDS),
        .PROFILE_BITS(PROFILE_BITS),
        .USE_SPRAM(USE_SPRAM),
        .CLK_HZ(CLK_HZ),
        .BAUD(BAUD),
        .LINK_SPI(LINK_SPI),
        .BUILD_HASH(BUILD_HASH)
    ) system (
        .clk(clk), .rst(rst),
        .uart_rx(uart_rx), .uart_tx(uart_tx),
        .spi_sck(spi_sck), .spi_cs_n(spi_cs_n), .spi_mosi(spi_mosi), .spi_miso(spi_miso),
        .activity(activity), .busy(busy), .idle(system_idle)
    );

    assign idle = !rst && system_idle;

    // busy is in idle already; it is the board's LED, unused here.
    wire unused_ok = &{1'b0, busy};
endmodule

`default_nettype wire
