// core_update.v - the update phase: every slot 0 .. slot_count-1, one per
// clock, in order. This is where a neuron is updated: the slot's state,
// input and profile are read, neuron_lif.v computes the new state, and the
// write-back stage stores it, shifts the spike into the history and clears
// the accumulator.
//
// Memories used (in core_memories.v; all read here, most written here):
//   slot_profile  2^SLOT_BITS x PROFILE_BITS   profile index of each slot
//   profile       2^PROFILE_BITS x 62          [11:0] decay_u, [23:12] dv,
//                                              [40:24] vth, [53:41] bias_mant,
//                                              [56:54] bias_exp, [60:57] refractory,
//                                              [61] reset (1: subtract, 0: zero)
//   slot_state    2^SLOT_BITS x 4              neuron: refractory steps left;
//                                              external: [0] input spike pending
//   state_uv      2^SLOT_BITS x 48             [23:0] u, [47:24] v; each half has
//                                              its own write enable
//   accum         2^SLOT_BITS x 24             I(t), cleared after use
//   history       2^SLOT_BITS x D              shifted left, new spike in bit 0
//
// Pipeline (slot n enters U0 in cycle c and is written back in c+7):
//   U0  slot_profile read at n; is n a neuron slot (n < neuron_count)?
//   U1  profile read at slot_profile[n]; slot_state, state_uv, accum read at n
//   U2  all operands at the read ports: into neuron_lif (5 stages)
//   U6  history read at n
//   U7  write back: state_uv (neuron slots; v only when not refractory,
//       so a refractory neuron's v is held), slot_state, history, accum <- 0
//   U8  out_valid / out_index for a neuron slot that spiked
// External slots: the spike is slot_state[0]; slot_state is cleared; u and
// v are left as they are.
// busy is high from the cycle after start until U8 of the last slot.
module core_update #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter PROFILE_BITS = 8
) (
    input                         clk,
    input                         rst,
    input                         start,
    input      [SLOT_BITS:0]      slot_count,
    input      [SLOT_BITS:0]      neuron_count,
    output                        busy,
    // read ports
    output     [SLOT_BITS-1:0]    sp_raddr,
    input      [PROFILE_BITS-1:0] sp_rdata,
    output     [PROFILE_BITS-1:0] prof_raddr,
    input      [61:0]             prof_rdata,
    output     [SLOT_BITS-1:0]    slot_raddr,    // slot_state, state_uv, accum
    input      [3:0]              st_rdata,
    input      [47:0]             uv_rdata,
    input      [23:0]             acc_rdata,
    output     [SLOT_BITS-1:0]    hist_raddr,
    input      [(1<<DELAY_BITS)-1:0] hist_rdata,
    // write-back: one slot per clock
    output                        wb_we,         // slot_state, history, accum
    output     [1:0]              wb_uv_we,      // state_uv: [0] u half, [1] v half
    output     [SLOT_BITS-1:0]    wb_addr,
    output     [47:0]             wb_uv,
    output     [3:0]              wb_state,
    output     [(1<<DELAY_BITS)-1:0] wb_hist,
    // spikes of neuron slots
    output reg                    out_valid,
    output reg [SLOT_BITS-1:0]    out_index
);

    localparam D = 1 << DELAY_BITS;

    // U0: the slot counter
    reg                 running;
    reg [SLOT_BITS:0]   n;
    wire                v0   = running & (n < slot_count);
    wire                isn0 = n < neuron_count;

    always @(posedge clk) begin
        if (rst) begin
            running <= 1'b0;
        end else if (start) begin
            running <= 1'b1;
            n       <= {(SLOT_BITS+1){1'b0}};
        end else if (running) begin
            if (v0) n <= n + 1'b1;
            else    running <= 1'b0;
        end
    end

    // slot index, valid and kind through U1..U7
    reg [SLOT_BITS-1:0] n1, n2, n3, n4, n5, n6, n7;
    reg [7:1]           v_d;
    reg [7:1]           isn_d;
    reg [7:3]           pend_d;          // slot_state[0] of an external slot
    always @(posedge clk) begin
        if (rst) v_d <= 7'd0;
        else     v_d <= {v_d[6:1], v0};
        isn_d  <= {isn_d[6:1], isn0};
        pend_d <= {pend_d[6:3], st_rdata[0]};
        {n7, n6, n5, n4, n3, n2, n1} <= {n6, n5, n4, n3, n2, n1, n[SLOT_BITS-1:0]};
    end

    assign sp_raddr   = n[SLOT_BITS-1:0];
    assign prof_raddr = sp_rdata;
    assign slot_raddr = n1;
    assign hist_raddr = n6;

    // U2..U7: the neuron
    wire [23:0] u_new, v_new;
    wire [3:0]  r_new;
    wire        lif_spike, lif_v_we;
    neuron_lif u_lif (
        .clk        (clk),
        .u_in       (uv_rdata[23:0]),
        .v_in       (uv_rdata[47:24]),
        .acc_in     (acc_rdata),
        .r_in       (st_rdata),
        .decay_u    (prof_rdata[11:0]),
        .dv         (prof_rdata[23:12]),
        .vth        (prof_rdata[40:24]),
        .bias_mant  (prof_rdata[53:41]),
        .bias_exp   (prof_rdata[56:54]),
        .refractory (prof_rdata[60:57]),
        .reset_sub  (prof_rdata[61]),
        .u_out      (u_new),
        .v_out      (v_new),
        .v_we       (lif_v_we),
        .r_out      (r_new),
        .spike      (lif_spike)
    );

    // U7: write back
    wire isn7  = isn_d[7];
    wire spike = isn7 ? lif_spike : pend_d[7];
    assign wb_we    = v_d[7];
    assign wb_uv_we = {v_d[7] & isn7 & lif_v_we, v_d[7] & isn7};
    assign wb_addr  = n7;
    assign wb_uv    = {v_new, u_new};
    assign wb_state = isn7 ? r_new : 4'd0;
    assign wb_hist  = {hist_rdata[D-2:0], spike};

    // U8: the output port
    reg v8;
    always @(posedge clk) begin
        if (rst) begin
            out_valid <= 1'b0;
            v8        <= 1'b0;
        end else begin
            out_valid <= v_d[7] & isn7 & lif_spike;
            v8        <= v_d[7];
        end
        out_index <= n7;
    end

    assign busy = running | (|v_d) | v8;

    wire unused_hist_top = &{1'b0, hist_rdata[D-1]};

endmodule
