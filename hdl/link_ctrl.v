// link_ctrl: carries out the accepted host frames of protocol version 1
// (docs/protocol.md) against snn_core's ports and produces the answers'
// payloads for link_tx.
//
// Memories: none of its own. It reads frames from link_rx's receive buffer
// (bp: the byte pointer, data one clock later; `bv` says rd_data belongs to
// bp) and gives a frame's bytes back (rd += 6 + len) once it is finished.
//
// Sequencing, one frame at a time, oldest first; a pending identify goes
// before everything (it flushes: rd = the buffer's end when it was accepted):
//   header      type, seq, len from the buffer; not identified -> error 1
//   write       region, width, addr; checks region (5), width (6), whole
//               words (4, by repeated subtraction), address (7); then one
//               cfg_we per word; ack
//   read        the same checks and count (9); read-data with one cfg_re
//               per word, the words streamed as they arrive
//   reset       state_clear, wait until idle, step := 0; ack
//   input-*     reads neuron_count and slot_count (ctrl 0, 1); flags (10);
//               pass 0 checks every slot (8), pass 1 pulses in_valid per
//               slot; unless `more`, one step
//   run         steps (0: error 9), one step each; an identify stops it at a
//               step boundary
//   a step      step_start, wait step_done, read ctrl 0 and 26; the spiking
//               neuron slots (history bit 0, region 6) as output-bitmap
//               (B = ceil(neurons/8) <= 250 and, on the UART, B < 2 spikes;
//               on SPI always, TRANSPORT = 1) or output-aer frames of 125
//               slots; then step-done (step, ctrl 24..27)
// The spiking slots are fetched 8 at a time: 8 history reads back to back
// (the core's cfg port takes one a clock, latency 3), 13 clocks for 8
// slots; a bitmap byte is then ready in 13 clocks, well within the 64 of a
// byte on SPI at SCK = CLK_HZ/8 (the host clocks the bytes out; the board
// must keep up), and an output-aer frame walks the 8 bits one a clock. A
// 1,024-neuron bitmap takes about 1,700 clocks to gather.
// An answer's payload leaves through a 64-bit shift register `sh` holding
// `nsh` bytes (LSB first, taken by link_tx); a new segment is loaded only
// when it is empty, so each payload source (link fields, a cfg word, a
// constant) waits for the line, and nothing else is buffered.
`default_nettype none

module link_ctrl #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter PROFILE_BITS = 8,
    parameter SYN_WORDS    = 16384,
    parameter TRANSPORT    = 0,          // identity's transport: 0 UART, 1 SPI
    parameter [63:0] BUILD_HASH = 64'd0  // identity's build_hash, byte 0 in [7:0]
) (
    input  wire                 clk,
    input  wire                 rst,
    output reg                  activity,
    output wire                 idle,     // waiting, no frame to run, nothing to send
    // link_rx: buffer and ring
    output wire [8:0]           buf_addr,
    input  wire [7:0]           buf_data,
    output reg  [9:0]           rd,
    input  wire [9:0]           wr,
    input  wire [9:0]           free,
    input  wire [7:0]           expected,
    input  wire                 ident_pend,
    output reg                  ident_take,
    input  wire [7:0]           ident_seq,
    input  wire [7:0]           ident_ver,
    input  wire [9:0]           ident_flush,
    // link_tx
    output reg                  f_req,
    output reg  [7:0]           f_type,
    output reg  [7:0]           f_len,
    input  wire                 f_ack,
    output wire                 pl_valid,
    output wire [7:0]           pl_data,
    input  wire                 pl_take,
    // snn_core
    output reg                  step_start,
    output reg                  state_clear,
    output reg                  in_valid,
    output reg  [SLOT_BITS-1:0] in_index,
    output reg                  cfg_we,
    output reg                  cfg_re,
    output reg  [3:0]           cfg_region,
    output reg  [15:0]          cfg_addr,
    output reg  [63:0]          cfg_wdata,
    input  wire                 busy,
    input  wire                 step_done,
    input  wire                 cfg_rvalid,
    input  wire [63:0]          cfg_rdata
);
    // ---- the regions (docs/fpga-core.md, "Memory map"): bytes a word, depth
    localparam integer PW = (PROFILE_BITS + 7) / 8;
    localparam integer HW = ((1 << DELAY_BITS) + 7) / 8;
    localparam [16:0] D_SLOTS = 17'd1 << SLOT_BITS;
    localparam [16:0] D_PROF  = 17'd1 << PROFILE_BITS;
    localparam [16:0] D_GPTR  = 17'd1 << (SLOT_BITS + DELAY_BITS);
    localparam integer  SYN_I   = SYN_WORDS;
    localparam [16:0] D_SYN   = SYN_I[16:0];

    // Registered from `region`, which is stored at least 4 clocks before
    // W_CHK looks at them: the table stays off the paths into the answer.
    reg [3:0]  r_width;
    reg [16:0] r_depth;
    always @(posedge clk) begin
        case (region)
            8'd0:    begin r_width <= 4'd4;     r_depth <= 17'd32;  end
            8'd1:    begin r_width <= 4'd8;     r_depth <= D_PROF;  end
            8'd2:    begin r_width <= PW[3:0];  r_depth <= D_SLOTS; end
            8'd3:    begin r_width <= 4'd1;     r_depth <= D_SLOTS; end
            8'd4:    begin r_width <= 4'd6;     r_depth <= D_SLOTS; end
            8'd5:    begin r_width <= 4'd3;     r_depth <= D_SLOTS; end
            8'd6:    begin r_width <= HW[3:0];  r_depth <= D_SLOTS; end
            8'd7:    begin r_width <= 4'd2;     r_depth <= D_GPTR;  end
            8'd8:    begin r_width <= 4'd6;     r_depth <= D_SYN;   end
            default: begin r_width <= 4'd0;     r_depth <= 17'd0;   end
        endcase
    end
    reg [7:0] max_count;  // 240 / width, registered as well
    always @(posedge clk) begin
        case (r_width)
            4'd1:    max_count <= 8'd240;
            4'd2:    max_count <= 8'd120;
            4'd3:    max_count <= 8'd80;
            4'd4:    max_count <= 8'd60;
            4'd6:    max_count <= 8'd40;
            default: max_count <= 8'd30;
        endcase
    end

    // ---- states
    localparam [5:0]
        I_IDLE = 6'd0,  I_HDR = 6'd1,  I_DISP = 6'd2,
        S_RD0  = 6'd3,  S_RD1 = 6'd4,  S_FRAME = 6'd5, S_LINK = 6'd6, S_DONE = 6'd7,
        E_PAY  = 6'd8,
        ID_1   = 6'd9,  ID_2  = 6'd10, ID_3 = 6'd11,
        W_HDR  = 6'd12, W_CHK = 6'd13, W_DIV = 6'd14, W_ADDR = 6'd15,
        W_WD   = 6'd16, W_WE  = 6'd17, W_NX  = 6'd18,
        R_1    = 6'd19, R_2   = 6'd20, R_3   = 6'd21,
        X_0    = 6'd22, X_1   = 6'd23, X_2   = 6'd24,
        IN_1   = 6'd25, IN_2  = 6'd26, IN_F  = 6'd27,
        IA_0   = 6'd28, IA_1  = 6'd29, IA_2  = 6'd30, IA_3 = 6'd31,
        IB_0   = 6'd32, IB_1  = 6'd33, IN_END = 6'd34,
        RN_0   = 6'd35,
        ST_0   = 6'd36, ST_1  = 6'd37, ST_2  = 6'd38, ST_3 = 6'd39,
        F_0    = 6'd40, F_1   = 6'd41, OB_2  = 6'd42,
        OA_F   = 6'd43, OA_0  = 6'd44, ST_4  = 6'd45, ST_5 = 6'd46,
        ST_D   = 6'd47, SD_0  = 6'd48, SD_1  = 6'd49, SD_2 = 6'd50;

    localparam [7:0] E_NOTID = 8'd1, E_VERSION = 8'd2, E_TYPE = 8'd3, E_LENGTH = 8'd4,
                     E_REGION = 8'd5, E_WIDTH = 8'd6, E_ADDRESS = 8'd7, E_SLOT = 8'd8,
                     E_COUNT = 8'd9, E_FLAGS = 8'd10;

    reg [5:0]  state, ret;
    reg        lnk;          // the frame being started carries link first
    reg        stored;       // the frame in hand holds buffer bytes (not identify)
    reg        ident_ok;     // a version-1 identify since reset
    reg [9:0]  bp;           // buffer byte pointer
    reg        bv;           // buf_data is the byte at bp
    reg [7:0]  ftype, fseq, flen;
    reg [2:0]  k;
    reg [7:0]  region, width, count;
    reg [15:0] addr;
    reg [7:0]  rem;          // bytes left to divide / payload bytes left
    reg [7:0]  n;            // words
    reg [7:0]  ecode;
    reg [16:0] edetail;
    reg [63:0] rword;        // the last cfg word read
    reg [63:0] sh;
    reg [3:0]  nsh;
    reg [15:0] ncount, scount, slot, nsteps;
    reg [15:0] spikes;       // in a step: output slots still to send
    reg [7:0]  bacc;         // input bitmap byte; output: 8 slots' spikes
    reg [3:0]  bcnt;         // output: bits of bacc not yet walked
    reg [3:0]  nr;           // output: history reads gathered into bacc
    reg        aer;          // output: as output-aer frames
    reg        pass, more, in_run;
    reg        sbad;         // input-aer: the slot is not external
    reg [9:0]  pstart;
    reg [7:0]  kleft;
    reg [31:0] stepn;

    localparam [7:0] TRANSPORT_B = TRANSPORT[7:0];

    assign idle     = (state == I_IDLE) && (rd == wr) && !ident_pend && !f_req && (nsh == 4'd0);
    assign buf_addr = bp[8:0];
    assign pl_valid = (nsh != 4'd0);
    assign pl_data  = sh[7:0];

    wire [15:0] obytes = (ncount + 16'd7) >> 3;       // output bitmap bytes
    wire [7:0]  aer_k  = (spikes > 16'd125) ? 8'd125 : spikes[7:0];  // next output-aer frame
    // A bitmap when it fits a frame and, on the UART, is the shorter
    // (docs/protocol.md, "Output").
    wire        bitmap = obytes <= 16'd250 && (TRANSPORT != 0 || {1'b0, obytes} < {spikes, 1'b0});
    // After a fetch, slot is 8 past its first slot: the bits of slots from
    // ncount on are cleared (a fetch starts at a multiple of 8).
    wire [7:0]  last_mask = (slot > ncount) ? ~(8'hFF << ncount[2:0]) : 8'hFF;
    wire [15:0] oslot  = slot - {12'd0, bcnt};                        // the slot of bacc[0]
    // The end of a write or read, registered: addr and n are final a clock
    // before W_ADDR compares it with the region's depth.
    reg  [16:0] addr_end;
    always @(posedge clk) addr_end <= {1'b0, addr} + {9'd0, n};
    // The data bytes of a read (count x width, at most 240), by shifts.
    reg  [7:0]  rbytes;
    always @* begin
        case (r_width)
            4'd1:    rbytes = count;
            4'd2:    rbytes = {count[6:0], 1'b0};
            4'd3:    rbytes = count + {count[6:0], 1'b0};
            4'd4:    rbytes = {count[5:0], 2'b00};
            4'd6:    rbytes = {count[6:0], 1'b0} + {count[5:0], 2'b00};
            default: rbytes = {count[4:0], 3'b000};
        endcase
    end

    task frame(input [7:0] t, input [7:0] l, input with_link, input [5:0] r);
        begin
            f_req  <= 1'b1;
            f_type <= t;
            f_len  <= l;
            lnk    <= with_link;
            ret    <= r;
            state  <= S_FRAME;
        end
    endtask

    // The frame's bytes go back to link_rx (the host's credit) as soon as
    // its payload has been read, before its answer: an answer's free does
    // not count the frame it answers.
    task give_back;
        begin
            if (stored) rd <= rd + {2'b00, flen} + 10'd6;
            stored <= 1'b0;
        end
    endtask

    task refuse(input [7:0] code, input [16:0] detail);
        begin
            give_back;
            ecode   <= code;
            edetail <= detail;
            frame(8'h8F, 8'd9, 1'b1, E_PAY);
        end
    endtask

    task cfg_read(input [3:0] r, input [15:0] a, input [5:0] back);
        begin
            cfg_region <= r;
            cfg_addr   <= a;
            ret        <= back;
            state      <= S_RD0;
        end
    endtask

    always @(posedge clk) begin
        step_start  <= 1'b0;
        state_clear <= 1'b0;
        in_valid    <= 1'b0;
        cfg_we      <= 1'b0;
        cfg_re      <= 1'b0;
        ident_take  <= 1'b0;
        bv          <= 1'b1;
        if (f_ack) f_req <= 1'b0;
        if (pl_take) begin
            sh  <= sh >> 8;
            nsh <= nsh - 4'd1;
        end
        // a fetch's history words, in the order they were asked for
        if (cfg_rvalid && (state == F_0 || state == F_1)) begin
            bacc <= {cfg_rdata[0], bacc[7:1]};
            nr   <= nr + 4'd1;
        end
        if (rst) begin
            state    <= I_IDLE;
            stored   <= 1'b0;
            rd       <= 10'd0;
            f_req    <= 1'b0;
            nsh      <= 4'd0;
            ident_ok <= 1'b0;
            activity <= 1'b0;
            stepn    <= 32'd0;
            bv       <= 1'b0;
        end else begin
            case (state)
                I_IDLE: begin
                    k <= 3'd0;
                    if (ident_pend) begin
                        ident_take <= 1'b1;
                        rd         <= ident_flush;
                        fseq       <= ident_seq;
                        stored     <= 1'b0;
                        if (ident_ver != 8'd1) begin
                            refuse(E_VERSION, {9'd0, ident_ver});
                        end else begin
                            ident_ok <= 1'b1;
                            frame(8'h81, 8'd29, 1'b1, ID_1);
                        end
                    end else if (rd != wr) begin
                        bp     <= rd + 10'd1;
                        bv     <= 1'b0;
                        stored <= 1'b1;
                        state  <= I_HDR;
                    end
                end

                I_HDR: if (bv) begin
                    case (k[1:0])
                        2'd0:    ftype <= buf_data;
                        2'd1:    fseq  <= buf_data;
                        default: flen  <= buf_data;
                    endcase
                    bp <= bp + 10'd1;
                    bv <= 1'b0;
                    k  <= k + 3'd1;
                    if (k == 3'd2) state <= I_DISP;
                end

                I_DISP: begin
                    k <= 3'd0;
                    if (!ident_ok) refuse(E_NOTID, {9'd0, ftype});
                    else case (ftype)
                        8'h02, 8'h03: state <= W_HDR;
                        8'h04: begin
                            give_back;
                            state <= X_0;
                        end
                        8'h05, 8'h06: cfg_read(4'd0, 16'd0, IN_1);
                        8'h07:        state <= RN_0;
                        default:      refuse(E_TYPE, {9'd0, ftype});
                    endcase
                end

                // ---- helpers
                S_RD0: if (!busy) begin
                    cfg_re <= 1'b1;
                    state  <= S_RD1;
                end
                S_RD1: if (cfg_rvalid) begin
                    rword <= cfg_rdata;
                    state <= ret;
                end
                S_FRAME: if (f_ack) state <= lnk ? S_LINK : ret;
                S_LINK: if (nsh == 4'd0) begin
                    sh    <= {32'd0, 6'd0, free, expected, fseq};
                    nsh   <= 4'd4;
                    state <= ret;
                end
                S_DONE: begin
                    give_back;
                    state <= I_IDLE;
                end
                E_PAY: if (nsh == 4'd0) begin
                    sh    <= {24'd0, 15'd0, edetail, ecode};
                    nsh   <= 4'd5;
                    state <= S_DONE;
                end

                // ---- identity: version 1, transport, 250, 512; ctrl 16..18; hash
                ID_1: if (nsh == 4'd0) begin
                    sh  <= {24'd0, 24'h02_00_FA, TRANSPORT_B, 8'h01};
                    nsh <= 4'd5;
                    cfg_read(4'd0, 16'd16, ID_2);
                end
                ID_2: if (nsh == 4'd0) begin
                    sh  <= {32'd0, rword[31:0]};
                    nsh <= 4'd4;
                    if (cfg_addr == 16'd18) state <= ID_3;
                    else cfg_read(4'd0, cfg_addr + 16'd1, ID_2);
                end
                ID_3: if (nsh == 4'd0) begin
                    sh    <= BUILD_HASH;
                    nsh   <= 4'd8;
                    state <= S_DONE;
                end

                // ---- write and read: region, width, addr (, count)
                W_HDR: if (bv) begin
                    case (k)
                        3'd0:    region     <= buf_data;
                        3'd1:    width      <= buf_data;
                        3'd2:    addr[7:0]  <= buf_data;
                        3'd3:    addr[15:8] <= buf_data;
                        default: count      <= buf_data;
                    endcase
                    bp <= bp + 10'd1;
                    bv <= 1'b0;
                    k  <= k + 3'd1;
                    if (k == ((ftype == 8'h03) ? 3'd4 : 3'd3)) state <= W_CHK;
                end
                W_CHK: begin
                    rem <= flen - 8'd4;
                    n   <= 8'd0;
                    if (r_width == 4'd0)
                        refuse(E_REGION, {9'd0, region});
                    else if (width != {4'd0, r_width})
                        refuse(E_WIDTH, {13'd0, r_width});
                    else if (ftype == 8'h02)
                        state <= W_DIV;
                    else if (count == 8'd0 || count > max_count)
                        refuse(E_COUNT, {9'd0, count});
                    else begin
                        give_back;
                        n     <= count;
                        rem   <= 8'd0;      // through W_DIV: a clock for addr_end
                        state <= W_DIV;
                    end
                end
                W_DIV: begin  // n = (len - 4) / width, or error length
                    if (rem == 8'd0)
                        state <= W_ADDR;
                    else if (rem < width)
                        refuse(E_LENGTH, {9'd0, flen});
                    else begin
                        rem <= rem - width;
                        n   <= n + 8'd1;
                    end
                end
                W_ADDR: begin
                    cfg_region <= region[3:0];
                    cfg_addr   <= addr;
                    cfg_wdata  <= 64'd0;
                    k          <= 3'd0;
                    if (addr_end > r_depth)
                        refuse(E_ADDRESS, r_depth);
                    else if (ftype == 8'h02)
                        state <= W_WD;
                    else
                        frame(8'h83, 8'd8 + rbytes, 1'b1, R_1);
                end
                W_WD: if (bv) begin
                    cfg_wdata[{k, 3'b000} +: 8] <= buf_data;
                    bp <= bp + 10'd1;
                    bv <= 1'b0;
                    k  <= k + 3'd1;
                    if ({5'd0, k} == width - 8'd1) state <= W_WE;
                end
                W_WE: if (!busy) begin
                    cfg_we <= 1'b1;
                    n      <= n - 8'd1;
                    state  <= W_NX;
                end
                W_NX: begin  // cfg_we is on the port in this clock
                    cfg_addr  <= cfg_addr + 16'd1;
                    cfg_wdata <= 64'd0;
                    k         <= 3'd0;
                    if (n == 8'd0) begin
                        give_back;
                        frame(8'h82, 8'd4, 1'b1, S_DONE);
                    end
                    else           state <= W_WD;
                end
                R_1: if (nsh == 4'd0) begin
                    sh    <= {32'd0, addr, width, region};
                    nsh   <= 4'd4;
                    state <= R_2;
                end
                R_2: begin
                    ret   <= R_3;
                    state <= S_RD0;
                end
                R_3: if (nsh == 4'd0) begin
                    sh       <= rword;
                    nsh      <= width[3:0];
                    cfg_addr <= cfg_addr + 16'd1;
                    n        <= n - 8'd1;
                    state    <= (n == 8'd1) ? S_DONE : R_2;
                end

                // ---- reset
                X_0: if (!busy) begin
                    state_clear <= 1'b1;
                    state       <= X_1;
                end
                X_1: state <= X_2;  // give busy a clock to rise
                X_2: if (!busy) begin
                    stepn <= 32'd0;
                    frame(8'h82, 8'd4, 1'b1, S_DONE);
                end

                // ---- input spikes
                IN_1: begin
                    ncount <= rword[15:0];
                    cfg_read(4'd0, 16'd1, IN_2);
                end
                IN_2: begin
                    scount <= rword[15:0];
                    state  <= IN_F;
                end
                IN_F: if (bv) begin
                    bp     <= bp + 10'd1;
                    bv     <= 1'b0;
                    pstart <= bp + 10'd1;
                    rem    <= flen - 8'd1;
                    more   <= buf_data[0];
                    pass   <= 1'b0;
                    slot   <= ncount;
                    if (buf_data[7:1] != 7'd0) refuse(E_FLAGS, {9'd0, buf_data});
                    else state <= (ftype == 8'h05) ? IA_0 : IB_0;
                end
                IA_0, IB_0: if (rem == 8'd0) begin
                    if (pass) state <= IN_END;
                    else begin
                        pass <= 1'b1;
                        bp   <= pstart;
                        bv   <= 1'b0;
                        rem  <= flen - 8'd1;
                        slot <= ncount;
                    end
                end else if (bv) begin
                    bp   <= bp + 10'd1;
                    bv   <= 1'b0;
                    rem  <= rem - 8'd1;
                    k    <= 3'd0;
                    bacc <= buf_data;
                    if (state == IA_0) begin
                        slot[7:0] <= buf_data;
                        state     <= IA_1;
                    end else begin
                        state     <= IB_1;
                    end
                end
                IA_1: if (bv) begin
                    bp    <= bp + 10'd1;
                    bv    <= 1'b0;
                    rem   <= rem - 8'd1;
                    slot[15:8] <= buf_data;
                    state <= IA_2;
                end
                IA_2: begin  // the check registered, then acted on
                    sbad  <= slot < ncount || slot >= scount;
                    state <= IA_3;
                end
                IA_3: begin
                    if (sbad) begin
                        if (!pass) refuse(E_SLOT, {1'b0, slot});
                        else state <= IA_0;  // not reached: pass 0 refused it
                    end else begin
                        in_valid <= pass;
                        in_index <= slot[SLOT_BITS-1:0];
                        state    <= IA_0;
                    end
                end
                IB_1: begin  // bit k of bacc is slot
                    if (bacc[0] && slot >= scount && !pass)
                        refuse(E_SLOT, {1'b0, slot});
                    else begin
                        in_valid <= bacc[0] && pass;
                        in_index <= slot[SLOT_BITS-1:0];
                        slot     <= slot + 16'd1;
                        bacc     <= bacc >> 1;
                        k        <= k + 3'd1;
                        state    <= (k == 3'd7) ? IB_0 : IB_1;
                    end
                end
                IN_END: begin
                    give_back;
                    in_run <= 1'b0;
                    state  <= more ? S_DONE : ST_0;
                end

                // ---- run
                RN_0: if (bv) begin
                    if (k == 3'd0) nsteps[7:0] <= buf_data;
                    else           nsteps[15:8] <= buf_data;
                    bp <= bp + 10'd1;
                    bv <= 1'b0;
                    k  <= k + 3'd1;
                    if (k == 3'd1) begin
                        give_back;
                        in_run <= 1'b1;
                        if ({buf_data, nsteps[7:0]} == 16'd0) refuse(E_COUNT, 17'd0);
                        else state <= ST_0;
                    end
                end

                // ---- one step and its answers
                ST_0: if (!busy) begin
                    step_start <= 1'b1;
                    activity   <= ~activity;
                    state      <= ST_1;
                end
                ST_1: if (step_done) cfg_read(4'd0, 16'd0, ST_2);
                ST_2: begin
                    ncount <= rword[15:0];
                    cfg_read(4'd0, 16'd26, ST_3);
                end
                ST_3: begin
                    spikes <= rword[15:0];
                    slot   <= 16'd0;
                    k      <= 3'd0;
                    nr     <= 4'd0;
                    bcnt   <= 4'd0;
                    state  <= ST_4;
                end
                ST_4: begin  // the choice registered: off the paths into the frame's registers
                    aer   <= !bitmap;
                    state <= ST_5;
                end
                ST_5: begin
                    if (spikes == 16'd0)
                        state <= ST_D;
                    else if (!aer)
                        frame(8'h86, obytes[7:0], 1'b0, F_0);
                    else
                        state <= OA_F;
                end
                // fetch: history bit 0 of the 8 slots from `slot` into bacc
                // (bit i: slot + i), 8 reads back to back, the results
                // gathered as they come (above); F_1 clears the bits of
                // slots from ncount on (input slots, which spike too)
                F_0: begin
                    cfg_region <= 4'd6;
                    cfg_addr   <= slot;
                    cfg_re     <= 1'b1;
                    slot       <= slot + 16'd1;
                    k          <= k + 3'd1;
                    if (k == 3'd7) state <= F_1;
                end
                F_1: if (nr == 4'd8) begin
                    nr    <= 4'd0;
                    bacc  <= bacc & last_mask;
                    bcnt  <= 4'd8;
                    state <= aer ? OA_0 : OB_2;
                end
                OB_2: if (nsh == 4'd0) begin
                    sh    <= {56'd0, bacc};
                    nsh   <= 4'd1;
                    state <= (slot >= ncount) ? ST_D : F_0;
                end
                OA_F: begin
                    kleft  <= aer_k;
                    spikes <= spikes - {8'd0, aer_k};
                    frame(8'h85, {aer_k[6:0], 1'b0}, 1'b0, OA_0);
                end
                // the bits of bacc, one a clock: a spiking slot goes out;
                // past the last neuron with slots still owed (the core's
                // count and its history disagree: should not happen) the
                // frame is filled with the next slot numbers, so that it
                // keeps the length it announced
                OA_0: if (bcnt == 4'd0 && slot < ncount) begin
                    state <= F_0;
                end else if (bcnt != 4'd0 && !bacc[0]) begin
                    bacc <= {1'b0, bacc[7:1]};
                    bcnt <= bcnt - 4'd1;
                end else if (nsh == 4'd0) begin
                    sh    <= {48'd0, oslot};
                    nsh   <= 4'd2;
                    kleft <= kleft - 8'd1;
                    if (bcnt != 4'd0) begin
                        bacc <= {1'b0, bacc[7:1]};
                        bcnt <= bcnt - 4'd1;
                    end else begin
                        slot <= slot + 16'd1;
                    end
                    if (kleft == 8'd1) state <= (spikes == 16'd0) ? ST_D : OA_F;
                end
                ST_D: frame(8'h87, 8'd21, 1'b1, SD_0);
                SD_0: if (nsh == 4'd0) begin
                    sh  <= {32'd0, stepn};
                    nsh <= 4'd4;
                    cfg_read(4'd0, 16'd24, SD_1);
                end
                SD_1: if (nsh == 4'd0) begin
                    sh  <= {32'd0, rword[31:0]};
                    nsh <= (cfg_addr == 16'd27) ? 4'd1 : 4'd4;
                    if (cfg_addr == 16'd27) state <= SD_2;
                    else cfg_read(4'd0, cfg_addr + 16'd1, SD_1);
                end
                SD_2: begin
                    stepn <= stepn + 32'd1;
                    if (in_run && nsteps != 16'd1 && !ident_pend) begin
                        nsteps <= nsteps - 16'd1;
                        state  <= ST_0;
                    end else begin
                        state <= S_DONE;
                    end
                end

                default: state <= I_IDLE;
            endcase
        end
    end

    wire unused_ok = &{1'b0, obytes[15:8]};
endmodule

`default_nettype wire
