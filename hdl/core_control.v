// core_control.v - the core's sequencer and its cfg port: the step and
// state-clear state machine, the ctrl registers (region 0), the counters
// of the last step, the status bits, input spikes and the decoding of cfg
// reads and writes into per-region strobes for core_memories.v.
//
// Registers (region 0, docs/fpga-core.md):
//   0  neuron_count  SLOT_BITS+1 bits; a write above 2^SLOT_BITS stores 2^SLOT_BITS
//   1  slot_count    likewise
//   8..15  weight classes, 8 bits each ([4:0] shift, [5] signed, [6] negate)
//   16 version 0x00010000; 17 SLOT_BITS | DELAY_BITS << 8 | PROFILE_BITS << 16;
//   18 SYN_WORDS;  24 cycles, 25 events, 26 spikes of the last step;
//   27 status: [0] bad_input, [1] cfg_while_busy (sticky until state_clear)
//
// States (the phase given to core_memories.v):
//   IDLE     the cfg port, input spikes, step_start and state_clear are served
//   DELIVER  core_deliver.v and core_accum.v run until both are empty
//   UPDATE   core_update.v runs until its last write-back and output
//   CLEAR    accum, history and slot_state of slots 0..slot_count-1 are
//            zeroed, one per clock
// step_done is a registered pulse in the first IDLE cycle after UPDATE, so
// busy falls in the same cycle. The cycle counter counts from the cycle in
// which step_start is sampled to the cycle of step_done: the value read is
// that difference.
//
// cfg port pipeline: the port's inputs are registered first (with the
// address range check), which keeps the decode off the paths into the
// memories and registers. A read sampled in cycle c reads the memories at
// the end of c+1, cfg_rdata is registered at the end of c+2 and cfg_rvalid
// is high in cycle c+3 (latency 3). A write sampled in cycle c is performed
// at the end of c+1; if a step or clear has started in between (step_start
// and cfg_we in the same cycle) it is dropped and cfg_while_busy is set.
// Addresses beyond a region's depth are ignored on write and read as 0.
module core_control #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter SYN_WORDS    = 16384,
    parameter PROFILE_BITS = 8
) (
    input                       clk,
    input                       rst,
    // the core's own ports
    output                      busy,
    input                       step_start,
    output reg                  step_done,
    input                       state_clear,
    input                       in_valid,
    input      [SLOT_BITS-1:0]  in_index,
    input                       cfg_we,
    input                       cfg_re,
    input      [3:0]            cfg_region,
    input      [15:0]           cfg_addr,
    input      [63:0]           cfg_wdata,
    output reg                  cfg_rvalid,
    output reg [63:0]           cfg_rdata,
    // to and from the blocks
    output     [1:0]            phase,
    output                      deliver_start,
    output                      update_start,
    input                       deliver_busy,
    input                       accum_busy,
    input                       update_busy,
    input                       event_applied,
    input                       spike_out,
    output reg [SLOT_BITS:0]    neuron_count,
    output reg [SLOT_BITS:0]    slot_count,
    output     [63:0]           classes,
    output     [8:1]            mem_we,
    output reg [15:0]           mem_addr,      // registered cfg_addr
    output reg [63:0]           mem_wdata,     // registered cfg_wdata
    output reg [3:0]            mem_rregion,
    input      [63:0]           mem_rdata,
    output                      in_we,
    output reg [SLOT_BITS-1:0]  in_addr,       // registered in_index
    output                      clr_we,
    output     [SLOT_BITS-1:0]  clr_addr
);

    localparam [1:0] IDLE = 2'd0, DELIVER = 2'd1, UPDATE = 2'd2, CLEAR = 2'd3;
    localparam [SLOT_BITS:0] MAX_SLOTS = {1'b1, {SLOT_BITS{1'b0}}};
    localparam integer GBITS = SLOT_BITS + DELAY_BITS;

    reg [1:0] state;
    wire      idle = state == IDLE;
    assign    busy  = ~idle;
    assign    phase = state;

    assign deliver_start = idle & step_start;
    assign update_start  = (state == DELIVER) & ~deliver_busy & ~accum_busy;

    // ------------------------------------------------------ ctrl registers
    reg [7:0]  cls [0:7];
    reg [31:0] cycles, events, spikes;
    reg        bad_input, cfg_while_busy;
    reg [SLOT_BITS:0] clr_n;

    genvar g;
    generate
        for (g = 0; g < 8; g = g + 1) begin : g_classes
            assign classes[8*g +: 8] = cls[g];
        end
    endgenerate

    // a count written to word 0 or 1, limited to 2^SLOT_BITS
    wire [SLOT_BITS:0] count_w =
        ((|mem_wdata[31:SLOT_BITS+1]) | (mem_wdata[SLOT_BITS] & (|mem_wdata[SLOT_BITS-1:0])))
            ? MAX_SLOTS : mem_wdata[SLOT_BITS:0];

    // The weight classes need no reset: the host writes them before use.
    always @(posedge clk)
        if (ctrl_we & (mem_addr[4:3] == 2'b01)) cls[mem_addr[2:0]] <= mem_wdata[7:0];

    // ----------------------------------------------------- cfg decoding
    wire       hi_zero = cfg_addr[15:5] == 11'd0;      // ctrl: 32 words
    reg        in_range;
    always @* begin
        case (cfg_region)
        4'd0:                     in_range = hi_zero;
        4'd1:                     in_range = (cfg_addr >> PROFILE_BITS) == 16'd0;
        4'd2, 4'd3, 4'd4, 4'd5,
        4'd6:                     in_range = (cfg_addr >> SLOT_BITS) == 16'd0;
        4'd7:                     in_range = (cfg_addr >> GBITS) == 16'd0;
        4'd8:                     in_range = {16'd0, cfg_addr} < SYN_WORDS;
        default:                  in_range = 1'b0;
        endcase
    end
    // the registered port
    reg       we_q, re_q, ok_q;
    reg [3:0] region_q;
    always @(posedge clk) begin
        if (rst) begin
            we_q <= 1'b0;
            re_q <= 1'b0;
        end else begin
            we_q <= idle & cfg_we;
            re_q <= idle & cfg_re;
        end
        ok_q      <= in_range;
        region_q  <= cfg_region;
        mem_addr  <= cfg_addr;
        mem_wdata <= cfg_wdata;
    end

    wire we_ok = idle & we_q & ok_q;
    genvar r;
    generate
        for (r = 1; r <= 8; r = r + 1) begin : g_we
            assign mem_we[r] = we_ok & (region_q == r);
        end
    endgenerate
    wire ctrl_we = we_ok & (region_q == 4'd0);

    reg [31:0] ctrl_word;
    always @* begin
        case (mem_addr[4:0])
        5'd0:    ctrl_word = {{(31-SLOT_BITS){1'b0}}, neuron_count};
        5'd1:    ctrl_word = {{(31-SLOT_BITS){1'b0}}, slot_count};
        5'd8:    ctrl_word = {24'd0, cls[0]};
        5'd9:    ctrl_word = {24'd0, cls[1]};
        5'd10:   ctrl_word = {24'd0, cls[2]};
        5'd11:   ctrl_word = {24'd0, cls[3]};
        5'd12:   ctrl_word = {24'd0, cls[4]};
        5'd13:   ctrl_word = {24'd0, cls[5]};
        5'd14:   ctrl_word = {24'd0, cls[6]};
        5'd15:   ctrl_word = {24'd0, cls[7]};
        5'd16:   ctrl_word = 32'h0001_0000;
        5'd17:   ctrl_word = SLOT_BITS | (DELAY_BITS << 8) | (PROFILE_BITS << 16);
        5'd18:   ctrl_word = SYN_WORDS;
        5'd24:   ctrl_word = cycles;
        5'd25:   ctrl_word = events;
        5'd26:   ctrl_word = spikes;
        5'd27:   ctrl_word = {30'd0, cfg_while_busy, bad_input};
        default: ctrl_word = 32'd0;
        endcase
    end

    // read pipeline: c -> memories read; c+1 -> cfg_rdata; c+2 valid
    reg        rd1_v, rd1_ok;
    reg [31:0] rd1_ctrl;
    always @(posedge clk) begin
        if (rst) begin
            rd1_v      <= 1'b0;
            cfg_rvalid <= 1'b0;
        end else begin
            rd1_v      <= re_q;
            cfg_rvalid <= rd1_v;
        end
        rd1_ok      <= ok_q;
        rd1_ctrl    <= ctrl_word;
        mem_rregion <= region_q;
        cfg_rdata   <= ~rd1_ok ? 64'd0 :
                       mem_rregion == 4'd0 ? {32'd0, rd1_ctrl} : mem_rdata;
    end

    // -------------------------------------------------------- input spikes
    // Registered like the cfg port, so that an input sees every cfg write
    // sampled before it. An input is for an external slot:
    // neuron_count <= index < slot_count.
    reg  in_q;
    always @(posedge clk) begin
        if (rst) in_q <= 1'b0;
        else     in_q <= idle & in_valid;
        in_addr <= in_index;
    end
    wire in_ok = ({1'b0, in_addr} >= neuron_count) & ({1'b0, in_addr} < slot_count);
    assign in_we = idle & in_q & in_ok;

    // ------------------------------------------------------ state machine
    assign clr_we   = (state == CLEAR) & (clr_n < slot_count);
    assign clr_addr = clr_n[SLOT_BITS-1:0];

    always @(posedge clk) begin
        if (rst) begin
            state          <= IDLE;
            step_done      <= 1'b0;
            neuron_count   <= {(SLOT_BITS+1){1'b0}};
            slot_count     <= {(SLOT_BITS+1){1'b0}};
            cycles         <= 32'd0;
            events         <= 32'd0;
            spikes         <= 32'd0;
            bad_input      <= 1'b0;
            cfg_while_busy <= 1'b0;
        end else begin
            step_done <= 1'b0;
            if (~idle & (cfg_we | cfg_re | we_q)) cfg_while_busy <= 1'b1;
            if (idle & in_q & ~in_ok)      bad_input <= 1'b1;
            if (ctrl_we) begin
                case (mem_addr[4:0])
                5'd0:  neuron_count <= count_w;
                5'd1:  slot_count   <= count_w;
                default: ;
                endcase
            end
            case (state)
            IDLE:
                if (step_start) begin
                    state  <= DELIVER;
                    cycles <= 32'd1;
                    events <= 32'd0;
                    spikes <= 32'd0;
                end else if (state_clear) begin
                    state          <= CLEAR;
                    clr_n          <= {(SLOT_BITS+1){1'b0}};
                    bad_input      <= 1'b0;
                    cfg_while_busy <= 1'b0;
                end
            DELIVER: begin
                cycles <= cycles + 32'd1;
                events <= events + {31'd0, event_applied};
                if (update_start) state <= UPDATE;
            end
            UPDATE: begin
                cycles <= cycles + 32'd1;
                spikes <= spikes + {31'd0, spike_out};
                if (~update_busy) begin
                    state     <= IDLE;
                    step_done <= 1'b1;
                end
            end
            default: begin // CLEAR
                if (clr_we) clr_n <= clr_n + 1'b1;
                else        state <= IDLE;
            end
            endcase
        end
    end

    wire unused_wdata = &{1'b0, mem_wdata[63:32], mem_addr[15:5]};

endmodule
