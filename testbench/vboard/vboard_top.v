// vboard_top: the virtual board's top level. It is snnc_top.v (written by
// backend/fpga/build) without the PLL and the LEDs: the same snnc_system
// (hdl/snnc_system.v: host_bridge and snn_core), with the core clock coming straight
// from the C++ harness (vboard.cpp), which clocks it at CLK_HZ in
// simulated time and drives uart_rx / samples uart_tx at BAUD.
//
// rst is a power-on reset held for the first 15 clocks, as the FPGA's
// flip-flops start at their initial values after configuration.
//
// idle tells the harness that nothing is under way: out of reset, the
// core not busy, the bridge waiting for the first byte of a command, and
// both UARTs quiet. While idle and no byte is in flight the harness stops
// clocking, so an idle virtual board costs no CPU. It looks into the
// bridge by hierarchical references, so that host_bridge.v is used as is.
`default_nettype none

module vboard_top #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter PROFILE_BITS = 8,
    parameter USE_SPRAM    = 1,
    parameter CLK_HZ       = 24000000,
    parameter BAUD         = 3000000
) (
    input  wire clk,
    input  wire uart_rx,
    output wire uart_tx,
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

    wire busy;
    snnc_system #(
        .SLOT_BITS(SLOT_BITS),
        .DELAY_BITS(DELAY_BITS),
        .SYN_WORDS(SYN_WORDS),
        .PROFILE_BITS(PROFILE_BITS),
        .USE_SPRAM(USE_SPRAM),
        .CLK_HZ(CLK_HZ),
        .BAUD(BAUD)
    ) system (
        .clk(clk), .rst(rst),
        .uart_rx(uart_rx), .uart_tx(uart_tx), .activity(activity),
        .busy(busy)
    );

    // S_RX = 0 in host_bridge; IDLE = 0 in uart_rx.
    assign idle = !rst && !busy && (system.bridge.state == 4'd0) && (system.bridge.nbyte == 4'd0)
                && !system.bridge.u_tx.busy && (system.bridge.u_rx.state == 2'd0);
endmodule

`default_nettype wire
