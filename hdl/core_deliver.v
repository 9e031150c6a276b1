// core_deliver.v - the deliver phase: turns the spike history into a stream
// of synaptic events, one per clock, for the accumulator (core_accum.v).
//
// Memories read (they live in core_memories.v):
//   history    2^SLOT_BITS x D       bit j: the slot spiked j steps before the
//                                    last update; delay d uses bit d-1
//   group_ptr  2^SLOT_BITS*D x 16    word {s, d-1}: [15] group not empty,
//                                    [14:0] index of its first synapse
//   synapse    SYN_WORDS x 48        two 24-bit synapses per word, synapse
//                                    2k in [23:0], 2k+1 in [47:24]:
//                                    [11:0] target, [19:12] weight mantissa,
//                                    [22:20] class, [23] last of its group
//
// Three decoupled parts:
//
//  scanner   reads history[s] for s = 0 .. slot_count-1 and, for each set bit
//            j of the word (lowest first, one per clock), reads group_ptr
//            {s, j}. A slot costs max(1, set bits) clocks. The history read
//            port is held (re = 0) while a word is being worked through.
//            Non-empty group pointers go into a 4-entry FIFO; the scanner
//            only issues a pointer read when the FIFO has room for it and
//            for every read still in flight, so it never overflows.
//              c    pick bit j of the word at the history read port
//              c+1  group_ptr address registered, read
//              c+2  pointer at the read port; pushed if [15] is set
//              c+3  at the FIFO head
//  streamer  reads one synapse per clock. The next index is chosen from the
//            word just read: its `last` bit selects between index + 1 and the
//            FIFO head, so groups follow each other without a gap and the
//            pointer reads overlap the streaming.
//              c    synapse index presented to the synapse memory
//              c+1  synapse at the read port: its fields registered
//              c+2, c+3  syn_weight.v (class lookup, shift)
//              c+4  event (target, increment) at the outputs
//  counters  none here: the accumulator counts the events it applies.
//
// busy is high from the cycle after start until the last event has left.
module core_deliver #(
    parameter SLOT_BITS  = 10,
    parameter DELAY_BITS = 4,
    parameter SYN_ABITS  = 14
) (
    input                              clk,
    input                              rst,
    input                              start,       // pulse: scan from slot 0
    input      [SLOT_BITS:0]           slot_count,
    input      [63:0]                  classes,
    output                             busy,
    // history read port
    output                             hist_re,
    output     [SLOT_BITS-1:0]         hist_raddr,
    input      [(1<<DELAY_BITS)-1:0]   hist_rdata,
    // group pointer read port
    output     [SLOT_BITS+DELAY_BITS-1:0] gp_raddr,
    input      [15:0]                  gp_rdata,
    // synapse read port
    output     [SYN_ABITS-1:0]         syn_raddr,
    input      [47:0]                  syn_rdata,
    // events, one per clock at most
    output reg                         ev_valid,
    output reg [SLOT_BITS-1:0]         ev_target,
    output     [23:0]                  ev_inc
);

    localparam D = 1 << DELAY_BITS;

    // ------------------------------------------------------------ scanner
    reg                  scanning;    // slots left to read, or a word in work
    reg  [SLOT_BITS:0]   s_next;      // next slot to read
    reg                  hv;          // hist_rdata holds the word of slot hs
    reg  [SLOT_BITS-1:0] hs;
    reg  [D-1:0]         mask;        // bits of that word already issued

    wire [D-1:0] rem  = hv ? (hist_rdata & ~mask) : {D{1'b0}};
    wire         has  = |rem;

    // The lowest set bit of rem, and whether any other bit is set, as plain
    // logic rather than rem & -rem: an adder would become a 16-bit carry
    // chain in series with the history read, the slowest path on the UP5K,
    // while a prefix OR is balanced by ABC.
    reg [D-1:0] low;
    reg         seen, two;      // a lower bit is set; two or more are set
    integer     q;
    always @* begin
        seen = 1'b0;
        two  = 1'b0;
        for (q = 0; q < D; q = q + 1) begin
            low[q] = rem[q] & ~seen;
            two    = two | (rem[q] & seen);
            seen   = seen | rem[q];
        end
    end

    // one-hot to index
    reg [DELAY_BITS-1:0] j;
    integer k, b;
    always @* begin
        j = {DELAY_BITS{1'b0}};
        for (b = 0; b < DELAY_BITS; b = b + 1)
            for (k = 0; k < D; k = k + 1)
                if (((k >> b) & 1) == 1) j[b] = j[b] | low[k];
    end

    // group-pointer FIFO occupancy and reads in flight
    reg                  gpa_v;       // pointer read issued this cycle
    reg  [SLOT_BITS+DELAY_BITS-1:0] gpa;
    reg                  gpd_v;       // pointer at gp_rdata
    reg  [2:0]           fcount;
    wire [2:0]           inflight = {2'b00, gpa_v} + {2'b00, gpd_v};
    wire                 room = (fcount + inflight) < 3'd4;

    wire                 emit = has & room;
    wire                 advance = scanning & ~(has & ~room) & ~two;
    wire                 more = s_next < slot_count;

    assign hist_re    = advance & more;
    assign hist_raddr = s_next[SLOT_BITS-1:0];

    always @(posedge clk) begin
        if (rst) begin
            scanning <= 1'b0;
            hv       <= 1'b0;
            gpa_v    <= 1'b0;
        end else if (start) begin
            scanning <= 1'b1;
            s_next   <= {(SLOT_BITS+1){1'b0}};
            hv       <= 1'b0;
            mask     <= {D{1'b0}};
            gpa_v    <= 1'b0;
        end else begin
            gpa_v <= emit;
            gpa   <= {hs, j};
            if (advance) begin
                mask <= {D{1'b0}};
                if (more) begin
                    hv       <= 1'b1;
                    hs       <= s_next[SLOT_BITS-1:0];
                    s_next   <= s_next + 1'b1;
                end else begin
                    hv       <= 1'b0;
                    scanning <= 1'b0;
                end
            end else if (emit) begin
                mask <= mask | low;
            end
        end
    end

    assign gp_raddr = gpa;

    // ------------------------------------------------------- pointer FIFO
    reg  [14:0] fifo [0:3];
    reg  [1:0]  wp, rp;
    wire        push = gpd_v & gp_rdata[15];
    wire        pop;
    wire [14:0] head = fifo[rp];

    always @(posedge clk) begin
        if (rst | start) begin
            gpd_v  <= 1'b0;
            fcount <= 3'd0;
            wp     <= 2'd0;
            rp     <= 2'd0;
        end else begin
            gpd_v <= gpa_v;
            if (push) begin
                fifo[wp] <= gp_rdata[14:0];
                wp       <= wp + 2'd1;
            end
            if (pop) rp <= rp + 2'd1;
            fcount <= fcount + {2'b00, push} - {2'b00, pop};
        end
    end

    // ----------------------------------------------------------- streamer
    reg         q_valid;              // a synapse read was issued last cycle
    reg  [14:0] q_idx;                // its index
    wire [23:0] syn  = q_idx[0] ? syn_rdata[47:24] : syn_rdata[23:0];
    wire        need = ~q_valid | syn[23];
    wire        nonempty = fcount != 3'd0;
    assign      pop = need & nonempty;
    wire [14:0] n_idx = need ? head : q_idx + 15'd1;

    assign syn_raddr = n_idx[SYN_ABITS:1];

    always @(posedge clk) begin
        if (rst | start) begin
            q_valid <= 1'b0;
        end else begin
            q_valid <= ~need | nonempty;
        end
        q_idx <= n_idx;
    end

    // ------------------------------------------------ fields to increment
    reg                 e1_v, e2_v;
    reg [SLOT_BITS-1:0] e1_t, e2_t;
    reg [7:0]           e1_m;
    reg [2:0]           e1_c;
    always @(posedge clk) begin
        if (rst | start) begin
            e1_v     <= 1'b0;
            e2_v     <= 1'b0;
            ev_valid <= 1'b0;
        end else begin
            e1_v     <= q_valid;
            e2_v     <= e1_v;
            ev_valid <= e2_v;
        end
        e1_t      <= syn[SLOT_BITS-1:0];
        e1_m      <= syn[19:12];
        e1_c      <= syn[22:20];
        e2_t      <= e1_t;
        ev_target <= e2_t;
    end

    syn_weight u_weight (
        .clk     (clk),
        .classes (classes),
        .cls     (e1_c),
        .m       (e1_m),
        .inc     (ev_inc)
    );

    assign busy = scanning | hv | gpa_v | gpd_v | nonempty | q_valid |
                  e1_v | e2_v | ev_valid;

    // target bits beyond SLOT_BITS are 0 by the contract and ignored
    wire unused_target = &{1'b0, syn[11:0]};

endmodule
