// core_memories.v - every memory of the core and the multiplexers that
// give each port to the block that owns it in the current phase. The cfg
// port (docs/fpga-core.md, "Memory map") owns every port while the core is
// idle; otherwise the phase decides.
//
// Memories (region number of the cfg port, depth x width, meaning). On the
// iCEBreaker (SLOT_BITS 10, DELAY_BITS 4, PROFILE_BITS 8, SYN_WORDS 16384,
// USE_SPRAM 1) they take 29 of 30 SB_RAM40_4K and all 4 SB_SPRAM256KA:
//  1 profile       2^PROFILE_BITS x 62  [11:0] decay_u = 4095 - du, [23:12] dv,
//                                       [40:24] vth, [53:41] bias_mant (signed),
//                                       [56:54] bias_exp, [60:57] refractory,
//                                       [61] reset (1: subtract, 0: zero)
//                                                                   4 BRAM
//  2 slot_profile  2^SLOT_BITS x PROFILE_BITS  profile of each slot 2 BRAM
//  3 slot_state    2^SLOT_BITS x 4      neuron: refractory steps left;
//                                       external: [0] input spike pending
//                                                                   1 BRAM
//  4 state_uv      2^SLOT_BITS x 48     [23:0] u, [47:24] v        12 BRAM
//                                       (a write enable per half: the
//                                       update leaves v of a refractory
//                                       neuron unwritten)
//  5 accum         2^SLOT_BITS x 24     input for the coming update,
//                                       modulo 2^24                 6 BRAM
//  6 history       2^SLOT_BITS x D      bit j: spiked j steps before the
//                                       last update                 4 BRAM
//  7 group_ptr     2^SLOT_BITS*D x 16   word s*D + d-1: [15] group not
//                                       empty, [14:0] its first synapse
//                                       SPRAM (USE_SPRAM) or BRAM
//  8 synapse       SYN_WORDS x 48       synapse 2k in [23:0], 2k+1 in [47:24]:
//                                       [11:0] target, [19:12] weight
//                                       mantissa, [22:20] class, [23] last
//                                       3 SPRAM (USE_SPRAM) or BRAM
//
// Port owners by phase (phase: 0 idle, 1 deliver, 2 update, 3 clear):
//   memory        read port                         write port
//   profile       update / cfg                      cfg
//   slot_profile  update / cfg                      cfg
//   slot_state    update / cfg                      update, clear / cfg, input spikes
//   state_uv      update / cfg                      update / cfg
//   accum         deliver (accum) / update / cfg    accum, update, clear / cfg
//   history       deliver (scanner) / update / cfg  update, clear / cfg
//   group_ptr     deliver / cfg                     cfg
//   synapse       deliver / cfg                     cfg
// Every read has one cycle of latency. The cfg read data leaves through
// cfg_mem_rdata, selected by the region of the read issued last cycle.
module core_memories #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter SYN_ABITS    = 14,
    parameter PROFILE_BITS = 8,
    parameter USE_SPRAM    = 1
) (
    input                              clk,
    input      [1:0]                   phase,
    // cfg port (idle only)
    input      [15:0]                  cfg_addr,
    input      [63:0]                  cfg_wdata,
    input      [8:1]                   cfg_we,       // one per region, in range
    input      [3:0]                   cfg_rregion,  // region read last cycle
    output reg [63:0]                  cfg_mem_rdata,
    // input spikes (idle only)
    input                              in_we,
    input      [SLOT_BITS-1:0]         in_addr,
    // state clear
    input                              clr_we,
    input      [SLOT_BITS-1:0]         clr_addr,
    // deliver: scanner and streamer
    input                              dl_hist_re,
    input      [SLOT_BITS-1:0]         dl_hist_raddr,
    input      [SLOT_BITS+DELAY_BITS-1:0] dl_gp_raddr,
    input      [SYN_ABITS-1:0]         dl_syn_raddr,
    // deliver: accumulator
    input      [SLOT_BITS-1:0]         ac_raddr,
    input                              ac_we,
    input      [SLOT_BITS-1:0]         ac_waddr,
    input      [23:0]                  ac_wdata,
    // update
    input      [SLOT_BITS-1:0]         up_sp_raddr,
    input      [PROFILE_BITS-1:0]      up_prof_raddr,
    input      [SLOT_BITS-1:0]         up_slot_raddr,
    input      [SLOT_BITS-1:0]         up_hist_raddr,
    input                              up_we,
    input      [1:0]                   up_uv_we,     // [0] u half, [1] v half
    input      [SLOT_BITS-1:0]         up_waddr,
    input      [47:0]                  up_uv,
    input      [3:0]                   up_state,
    input      [(1<<DELAY_BITS)-1:0]   up_hist,
    // read data
    output     [PROFILE_BITS-1:0]      sp_rdata,
    output     [61:0]                  prof_rdata,
    output     [3:0]                   st_rdata,
    output     [47:0]                  uv_rdata,
    output     [23:0]                  acc_rdata,
    output     [(1<<DELAY_BITS)-1:0]   hist_rdata,
    output     [15:0]                  gp_rdata,
    output     [47:0]                  syn_rdata
);

    localparam D      = 1 << DELAY_BITS;
    localparam GBITS  = SLOT_BITS + DELAY_BITS;
    localparam NSLOT  = 1 << SLOT_BITS;

    wire idle    = phase == 2'd0;
    wire deliver = phase == 2'd1;
    wire update  = phase == 2'd2;
    wire clear   = phase == 2'd3;

    wire [SLOT_BITS-1:0] ca = cfg_addr[SLOT_BITS-1:0];

    // ---- 1 profile
    bram_1r1w #(.WIDTH(62), .DEPTH(1 << PROFILE_BITS), .ABITS(PROFILE_BITS)) m_profile (
        .clk(clk), .re(1'b1),
        .raddr(update ? up_prof_raddr : cfg_addr[PROFILE_BITS-1:0]),
        .rdata(prof_rdata),
        .we(cfg_we[1]), .waddr(cfg_addr[PROFILE_BITS-1:0]), .wdata(cfg_wdata[61:0]));

    // ---- 2 slot_profile
    bram_1r1w #(.WIDTH(PROFILE_BITS), .DEPTH(NSLOT), .ABITS(SLOT_BITS)) m_slot_profile (
        .clk(clk), .re(1'b1),
        .raddr(update ? up_sp_raddr : ca),
        .rdata(sp_rdata),
        .we(cfg_we[2]), .waddr(ca), .wdata(cfg_wdata[PROFILE_BITS-1:0]));

    // ---- 3 slot_state
    reg                 st_we;
    reg [SLOT_BITS-1:0] st_waddr;
    reg [3:0]           st_wdata;
    always @* begin
        if (update) begin
            st_we = up_we;      st_waddr = up_waddr; st_wdata = up_state;
        end else if (clear) begin
            st_we = clr_we;     st_waddr = clr_addr; st_wdata = 4'd0;
        end else if (cfg_we[3]) begin
            st_we = idle;       st_waddr = ca;       st_wdata = cfg_wdata[3:0];
        end else begin
            st_we = idle & in_we; st_waddr = in_addr; st_wdata = 4'd1;
        end
    end
    bram_1r1w #(.WIDTH(4), .DEPTH(NSLOT), .ABITS(SLOT_BITS)) m_slot_state (
        .clk(clk), .re(1'b1),
        .raddr(update ? up_slot_raddr : ca),
        .rdata(st_rdata),
        .we(st_we), .waddr(st_waddr), .wdata(st_wdata));

    // ---- 4 state_uv
    bram_1r1w #(.WIDTH(48), .DEPTH(NSLOT), .ABITS(SLOT_BITS), .LANES(2)) m_state_uv (
        .clk(clk), .re(1'b1),
        .raddr(update ? up_slot_raddr : ca),
        .rdata(uv_rdata),
        .we(update ? up_uv_we : {2{cfg_we[4]}}),
        .waddr(update ? up_waddr : ca),
        .wdata(update ? up_uv : cfg_wdata[47:0]));

    // ---- 5 accum
    reg                 ac_we_m;
    reg [SLOT_BITS-1:0] ac_waddr_m;
    reg [23:0]          ac_wdata_m;
    always @* begin
        case (phase)
        2'd1:    begin ac_we_m = ac_we;     ac_waddr_m = ac_waddr; ac_wdata_m = ac_wdata; end
        2'd2:    begin ac_we_m = up_we;     ac_waddr_m = up_waddr; ac_wdata_m = 24'd0; end
        2'd3:    begin ac_we_m = clr_we;    ac_waddr_m = clr_addr; ac_wdata_m = 24'd0; end
        default: begin ac_we_m = cfg_we[5]; ac_waddr_m = ca;       ac_wdata_m = cfg_wdata[23:0]; end
        endcase
    end
    bram_1r1w #(.WIDTH(24), .DEPTH(NSLOT), .ABITS(SLOT_BITS)) m_accum (
        .clk(clk), .re(1'b1),
        .raddr(deliver ? ac_raddr : update ? up_slot_raddr : ca),
        .rdata(acc_rdata),
        .we(ac_we_m), .waddr(ac_waddr_m), .wdata(ac_wdata_m));

    // ---- 6 history
    reg                 hi_we;
    reg [SLOT_BITS-1:0] hi_waddr;
    reg [D-1:0]         hi_wdata;
    always @* begin
        case (phase)
        2'd2:    begin hi_we = up_we;     hi_waddr = up_waddr; hi_wdata = up_hist; end
        2'd3:    begin hi_we = clr_we;    hi_waddr = clr_addr; hi_wdata = {D{1'b0}}; end
        default: begin hi_we = cfg_we[6]; hi_waddr = ca;       hi_wdata = cfg_wdata[D-1:0]; end
        endcase
    end
    bram_1r1w #(.WIDTH(D), .DEPTH(NSLOT), .ABITS(SLOT_BITS)) m_history (
        .clk(clk), .re(deliver ? dl_hist_re : 1'b1),
        .raddr(deliver ? dl_hist_raddr : update ? up_hist_raddr : ca),
        .rdata(hist_rdata),
        .we(hi_we), .waddr(hi_waddr), .wdata(hi_wdata));

    // ---- 7 group_ptr and 8 synapse: read only in the deliver phase, so a
    // single-port SPRAM serves both the cfg port and the streamer.
    wire [GBITS-1:0]     gp_addr  = deliver ? dl_gp_raddr : cfg_addr[GBITS-1:0];
    wire [SYN_ABITS-1:0] syn_addr = deliver ? dl_syn_raddr : cfg_addr[SYN_ABITS-1:0];
    generate
        if (USE_SPRAM != 0) begin : g_spram
            spram #(.WIDTH(16), .DEPTH(1 << GBITS), .ABITS(GBITS)) m_group_ptr (
                .clk(clk), .we(cfg_we[7]), .addr(gp_addr),
                .wdata(cfg_wdata[15:0]), .rdata(gp_rdata));
            spram #(.WIDTH(48), .DEPTH(SYN_WORDS), .ABITS(SYN_ABITS)) m_synapse (
                .clk(clk), .we(cfg_we[8]), .addr(syn_addr),
                .wdata(cfg_wdata[47:0]), .rdata(syn_rdata));
        end else begin : g_bram
            bram_1r1w #(.WIDTH(16), .DEPTH(1 << GBITS), .ABITS(GBITS)) m_group_ptr (
                .clk(clk), .re(1'b1), .raddr(gp_addr), .rdata(gp_rdata),
                .we(cfg_we[7]), .waddr(cfg_addr[GBITS-1:0]), .wdata(cfg_wdata[15:0]));
            bram_1r1w #(.WIDTH(48), .DEPTH(SYN_WORDS), .ABITS(SYN_ABITS)) m_synapse (
                .clk(clk), .re(1'b1), .raddr(syn_addr), .rdata(syn_rdata),
                .we(cfg_we[8]), .waddr(cfg_addr[SYN_ABITS-1:0]), .wdata(cfg_wdata[47:0]));
        end
    endgenerate

    // ---- cfg read data, one cycle after the read
    always @* begin
        case (cfg_rregion)
        4'd1:    cfg_mem_rdata = {2'd0, prof_rdata};
        4'd2:    cfg_mem_rdata = {{(64-PROFILE_BITS){1'b0}}, sp_rdata};
        4'd3:    cfg_mem_rdata = {60'd0, st_rdata};
        4'd4:    cfg_mem_rdata = {16'd0, uv_rdata};
        4'd5:    cfg_mem_rdata = {40'd0, acc_rdata};
        4'd6:    cfg_mem_rdata = {{(64-D){1'b0}}, hist_rdata};
        4'd7:    cfg_mem_rdata = {48'd0, gp_rdata};
        4'd8:    cfg_mem_rdata = {16'd0, syn_rdata};
        default: cfg_mem_rdata = 64'd0;
        endcase
    end

    wire unused_cfg = &{1'b0, cfg_wdata[63:62], cfg_addr[15:0]};

endmodule
