// snn_core.v - snnc's neuromorphic core for iCE40 FPGAs: one
// time-multiplexed core computing the integer CUBA LIF model with
// per-synapse delays, bit for bit as backend/loihi-sim does. The contract
// (parameters, ports, memory map, step semantics) is docs/fpga-core.md.
//
// This file only wires the blocks together:
//
//   cfg port, step_start, state_clear, inputs
//        |
//   core_control ---- phase ----> core_memories (every memory, port muxes)
//        |                           ^       ^         ^
//        | deliver_start             |       |         |
//   core_deliver: history -> group_ptr -> synapse stream -> syn_weight
//        | events (target, increment), one per clock
//   core_accum: accum[target] += increment (read-modify-write, forwarding)
//        | update_start
//   core_update: slot by slot -> neuron_lif -> write-back -> out_valid
//
// Parameters: SLOT_BITS (1..11) slots, DELAY_BITS (>= 1) delays 1..2^DELAY_BITS,
// SYN_WORDS words of two synapses (at most 16384), PROFILE_BITS profiles,
// USE_SPRAM 1 to keep group pointers and synapses in SB_SPRAM256KA.
module snn_core #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter PROFILE_BITS = 8,
    parameter USE_SPRAM    = 1
) (
    input                       clk,
    input                       rst,
    output                      busy,
    input                       step_start,
    output                      step_done,
    input                       state_clear,
    input                       in_valid,
    input      [SLOT_BITS-1:0]  in_index,
    output                      out_valid,
    output     [SLOT_BITS-1:0]  out_index,
    input                       cfg_we,
    input                       cfg_re,
    input      [3:0]            cfg_region,
    input      [15:0]           cfg_addr,
    input      [63:0]           cfg_wdata,
    output                      cfg_rvalid,
    output     [63:0]           cfg_rdata
);

    localparam D         = 1 << DELAY_BITS;
    localparam GBITS     = SLOT_BITS + DELAY_BITS;
    localparam SYN_ABITS = (SYN_WORDS > 1) ? $clog2(SYN_WORDS) : 1;

    // control
    wire [1:0]           phase;
    wire                 deliver_start, update_start;
    wire                 deliver_busy, accum_busy, update_busy;
    wire                 event_applied;
    wire [SLOT_BITS:0]   neuron_count, slot_count;
    wire [63:0]          classes;
    wire [8:1]           mem_we;
    wire [15:0]          mem_addr;
    wire [63:0]          mem_wdata;
    wire [3:0]           mem_rregion;
    wire [63:0]          mem_rdata;
    wire                 in_we, clr_we;
    wire [SLOT_BITS-1:0] in_addr;
    wire [SLOT_BITS-1:0] clr_addr;

    // memory read data
    wire [PROFILE_BITS-1:0] sp_rdata;
    wire [61:0]             prof_rdata;
    wire [3:0]              st_rdata;
    wire [47:0]             uv_rdata;
    wire [23:0]             acc_rdata;
    wire [D-1:0]            hist_rdata;
    wire [15:0]             gp_rdata;
    wire [47:0]             syn_rdata;

    // deliver
    wire                 dl_hist_re;
    wire [SLOT_BITS-1:0] dl_hist_raddr;
    wire [GBITS-1:0]     dl_gp_raddr;
    wire [SYN_ABITS-1:0] dl_syn_raddr;
    wire                 ev_valid;
    wire [SLOT_BITS-1:0] ev_target;
    wire [23:0]          ev_inc;

    // accumulator
    wire [SLOT_BITS-1:0] ac_raddr, ac_waddr;
    wire                 ac_we;
    wire [23:0]          ac_wdata;

    // update
    wire [SLOT_BITS-1:0]    up_sp_raddr, up_slot_raddr, up_hist_raddr, up_waddr;
    wire [PROFILE_BITS-1:0] up_prof_raddr;
    wire                    up_we;
    wire [1:0]              up_uv_we;
    wire [47:0]             up_uv;
    wire [3:0]              up_state;
    wire [D-1:0]            up_hist;

    core_control #(
        .SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS),
        .SYN_WORDS(SYN_WORDS), .PROFILE_BITS(PROFILE_BITS)
    ) u_control (
        .clk(clk), .rst(rst),
        .busy(busy), .step_start(step_start), .step_done(step_done),
        .state_clear(state_clear), .in_valid(in_valid), .in_index(in_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region),
        .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata),
        .phase(phase), .deliver_start(deliver_start), .update_start(update_start),
        .deliver_busy(deliver_busy), .accum_busy(accum_busy), .update_busy(update_busy),
        .event_applied(event_applied), .spike_out(out_valid),
        .neuron_count(neuron_count), .slot_count(slot_count), .classes(classes),
        .mem_we(mem_we), .mem_addr(mem_addr), .mem_wdata(mem_wdata), .mem_rregion(mem_rregion), .mem_rdata(mem_rdata),
        .in_we(in_we), .in_addr(in_addr), .clr_we(clr_we), .clr_addr(clr_addr)
    );

    core_memories #(
        .SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .SYN_WORDS(SYN_WORDS),
        .SYN_ABITS(SYN_ABITS), .PROFILE_BITS(PROFILE_BITS), .USE_SPRAM(USE_SPRAM)
    ) u_memories (
        .clk(clk), .phase(phase),
        .cfg_addr(mem_addr), .cfg_wdata(mem_wdata), .cfg_we(mem_we),
        .cfg_rregion(mem_rregion), .cfg_mem_rdata(mem_rdata),
        .in_we(in_we), .in_addr(in_addr),
        .clr_we(clr_we), .clr_addr(clr_addr),
        .dl_hist_re(dl_hist_re), .dl_hist_raddr(dl_hist_raddr),
        .dl_gp_raddr(dl_gp_raddr), .dl_syn_raddr(dl_syn_raddr),
        .ac_raddr(ac_raddr), .ac_we(ac_we), .ac_waddr(ac_waddr), .ac_wdata(ac_wdata),
        .up_sp_raddr(up_sp_raddr), .up_prof_raddr(up_prof_raddr),
        .up_slot_raddr(up_slot_raddr), .up_hist_raddr(up_hist_raddr),
        .up_we(up_we), .up_uv_we(up_uv_we), .up_waddr(up_waddr),
        .up_uv(up_uv), .up_state(up_state), .up_hist(up_hist),
        .sp_rdata(sp_rdata), .prof_rdata(prof_rdata), .st_rdata(st_rdata),
        .uv_rdata(uv_rdata), .acc_rdata(acc_rdata), .hist_rdata(hist_rdata),
        .gp_rdata(gp_rdata), .syn_rdata(syn_rdata)
    );

    core_deliver #(
        .SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .SYN_ABITS(SYN_ABITS)
    ) u_deliver (
        .clk(clk), .rst(rst), .start(deliver_start),
        .slot_count(slot_count), .classes(classes), .busy(deliver_busy),
        .hist_re(dl_hist_re), .hist_raddr(dl_hist_raddr), .hist_rdata(hist_rdata),
        .gp_raddr(dl_gp_raddr), .gp_rdata(gp_rdata),
        .syn_raddr(dl_syn_raddr), .syn_rdata(syn_rdata),
        .ev_valid(ev_valid), .ev_target(ev_target), .ev_inc(ev_inc)
    );

    core_accum #(.SLOT_BITS(SLOT_BITS)) u_accum (
        .clk(clk), .rst(rst),
        .ev_valid(ev_valid), .ev_target(ev_target), .ev_inc(ev_inc),
        .acc_raddr(ac_raddr), .acc_rdata(acc_rdata),
        .acc_we(ac_we), .acc_waddr(ac_waddr), .acc_wdata(ac_wdata),
        .busy(accum_busy), .applied(event_applied)
    );

    core_update #(
        .SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .PROFILE_BITS(PROFILE_BITS)
    ) u_update (
        .clk(clk), .rst(rst), .start(update_start),
        .slot_count(slot_count), .neuron_count(neuron_count), .busy(update_busy),
        .sp_raddr(up_sp_raddr), .sp_rdata(sp_rdata),
        .prof_raddr(up_prof_raddr), .prof_rdata(prof_rdata),
        .slot_raddr(up_slot_raddr), .st_rdata(st_rdata), .uv_rdata(uv_rdata),
        .acc_rdata(acc_rdata),
        .hist_raddr(up_hist_raddr), .hist_rdata(hist_rdata),
        .wb_we(up_we), .wb_uv_we(up_uv_we), .wb_addr(up_waddr),
        .wb_uv(up_uv), .wb_state(up_state), .wb_hist(up_hist),
        .out_valid(out_valid), .out_index(out_index)
    );

endmodule
