// snnc_system.v - the board-independent system of snnc's bitstream: the
// UART link (host_bridge.v) wired port by port to the core (snn_core.v),
// the ports of docs/fpga-core.md between them. The board's top level
// (snnc_top.v, written by backend/fpga/build) adds the PLL, the power-on
// reset, the pins and the LEDs around it; the virtual board's top
// (testbench/vboard/vboard_top.v) adds a reset and the harness' idle
// signal. Both therefore run this same Verilog.
`default_nettype none

module snnc_system #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter PROFILE_BITS = 8,
    parameter USE_SPRAM    = 1,
    parameter CLK_HZ       = 24000000,  // the core clock, for the UART's divider
    parameter BAUD         = 3000000
) (
    input  wire clk,
    input  wire rst,
    input  wire uart_rx,   // host to FPGA
    output wire uart_tx,   // FPGA to host
    output wire activity,  // toggles on every step
    output wire busy       // the core runs a step or a clear
);
    wire                 step_start, step_done, state_clear;
    wire                 in_valid, out_valid;
    wire [SLOT_BITS-1:0] in_index, out_index;
    wire                 cfg_we, cfg_re, cfg_rvalid;
    wire [3:0]           cfg_region;
    wire [15:0]          cfg_addr;
    wire [63:0]          cfg_wdata, cfg_rdata;

    host_bridge #(
        .SLOT_BITS(SLOT_BITS),
        .CLK_HZ(CLK_HZ),
        .BAUD(BAUD)
    ) bridge (
        .clk(clk), .rst(rst),
        .uart_rx(uart_rx), .uart_tx(uart_tx), .activity(activity),
        .step_start(step_start), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region), .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .busy(busy), .step_done(step_done),
        .out_valid(out_valid), .out_index(out_index),
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
endmodule

`default_nettype wire
