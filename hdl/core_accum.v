// core_accum.v - the accumulator's read-modify-write in the deliver phase:
// accum[target] <- accum[target] + increment, modulo 2^24, one event per
// clock, exact for any sequence of targets.
//
// Memory used (in core_memories.v): accum, 2^SLOT_BITS x 24, I(t) of each
// slot modulo 2^24 (plain two's complement wrap, never saturation: I(t)
// only enters through wrap24(u + I), so the order of events never matters).
//
// Pipeline, one event per clock, no stall:
//   A0  event at the inputs: its target is the accum read address
//   A1  accum word at the read port; sum = word + increment, written back
//       at the end of A1
// Forwarding: an event in A0 reads at the same clock edge as the write of
// the event in A1. If the targets are equal the word read is stale (and on
// the FPGA undefined, see bram_1r1w.v), so the event instead takes the sum
// just written, kept in a register. Events further apart read after the
// write has landed and need nothing. The equality is registered in A0, so
// the A1 path is only a 2:1 multiplexer and a 24-bit adder.
module core_accum #(
    parameter SLOT_BITS = 10
) (
    input                      clk,
    input                      rst,
    input                      ev_valid,     // A0
    input      [SLOT_BITS-1:0] ev_target,
    input      [23:0]          ev_inc,
    output     [SLOT_BITS-1:0] acc_raddr,
    input      [23:0]          acc_rdata,    // A1
    output                     acc_we,
    output     [SLOT_BITS-1:0] acc_waddr,
    output     [23:0]          acc_wdata,
    output                     busy,         // an event is in A1
    output                     applied       // an event is applied this cycle
);

    reg                 a1_v;
    reg [SLOT_BITS-1:0] a1_t;
    reg [23:0]          a1_inc;
    reg                 a1_fwd;          // use last_sum, not acc_rdata
    reg [23:0]          last_sum;

    wire [23:0] base = a1_fwd ? last_sum : acc_rdata;
    wire [23:0] sum  = base + a1_inc;

    always @(posedge clk) begin
        if (rst) a1_v <= 1'b0;
        else     a1_v <= ev_valid;
        a1_t     <= ev_target;
        a1_inc   <= ev_inc;
        a1_fwd   <= a1_v & (ev_target == a1_t);
        last_sum <= sum;
    end

    assign acc_raddr = ev_target;
    assign acc_we    = a1_v;
    assign acc_waddr = a1_t;
    assign acc_wdata = sum;
    assign busy      = a1_v;
    assign applied   = a1_v;

endmodule
