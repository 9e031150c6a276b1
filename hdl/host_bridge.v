// host_bridge: the host's byte link to snn_core, protocol v0.
//
// Protocol v0 (docs/host-bridge.md has every byte) is the first, simple link
// that makes a bitstream usable; the framed protocol with CRC and
// retransmission of the next issue supersedes it.
//
// The host sends fixed 12-byte commands {op, region, addr u16 LE, data u64 LE}
// over uart_rx; the bridge executes one command at a time on the core's
// configuration port and answers over uart_tx:
//   op 1  write word               no reply
//   op 2  read word                'R' + 8 bytes LE
//   op 3  input spike for slot     no reply
//   op 4  run one step             'O' + u16 slot per spike (increasing), then
//                                  'D' + cycles u32 + events u32 + spikes u32
//   op 5  state clear              'K'
//   op 6  identify                 'I' + version u32 + caps u32 + syn_words u32
//   else                           'E' + the op byte
// Op 1 and 2 with a region byte above 15, and op 3 with a slot that does not
// fit in SLOT_BITS, are answered 'E' + the op byte as well (never aliased).
//
// Bytes that arrive while a command executes or its reply is sent are
// dropped: the host waits for the reply of ops 2, 4, 5 and 6 before it sends
// more (ops 1 and 3 finish within a few clocks of their last byte). A byte
// with a framing error, or a pause of RESYNC_CLKS rounded up to a power of
// two (by default 2^20 clocks: 44 ms at 24 MHz, 87 ms at 12 MHz) in the
// middle of a command, discards the partial command: a host resyncs by
// pausing for 0.1 s.
//
// The spikes of a step: after step_done the bridge reads ctrl word 0
// (neuron_count) and then bit 0 of `history` (region 6) of each neuron slot
// through the configuration port, and sends an 'O' for each set bit. The core
// is idle meanwhile, so no FIFO is needed and out_valid is not used (it is an
// input only so that the bridge's ports mirror the core's).
//
// Storage: no block RAM and no SPRAM (the UP5K's belong to the core). The
// command's fields are shifted straight into the core-facing registers
// cfg_region, cfg_addr and cfg_wdata as they arrive, and cfg_wdata then
// doubles as the reply's shift register: the core looks at cfg_wdata only in a
// cycle with cfg_we, so its value is free at all other times.
`default_nettype none

module host_bridge #(
    parameter SLOT_BITS   = 10,        // log2 of the core's slots, at most 15
    parameter CLK_HZ      = 24000000,
    parameter BAUD        = 3000000,   // at most CLK_HZ / 4
    parameter RESYNC_CLKS = CLK_HZ / 32  // a partial command this old is dropped (rounded up to 2^n)
) (
    input  wire                 clk,
    input  wire                 rst,          // synchronous, active high
    input  wire                 uart_rx,      // from the host, idles high
    output wire                 uart_tx,      // to the host, idles high
    output reg                  activity,     // toggles at every step (an LED)

    // To snn_core (docs/fpga-core.md, "Ports of snn_core"); all pulses last one clock.
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
    input  wire                 out_valid,    // unused: spikes are read from history
    input  wire [SLOT_BITS-1:0] out_index,    // unused, as out_valid
    input  wire                 cfg_rvalid,
    input  wire [63:0]          cfg_rdata
);
    // ---- the byte link

    wire [7:0] rx_data;
    wire       rx_valid, rx_ferr;
    wire [7:0] tx_data;
    wire       tx_valid, tx_ready;

    uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_rx (
        .clk(clk), .rst(rst), .rx(uart_rx),
        .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr)
    );

    uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_tx (
        .clk(clk), .rst(rst),
        .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx)
    );

    // ---- the controller

    localparam [3:0] S_RX    = 4'd0,  // assembling a command
                     S_EXEC  = 4'd1,  // a whole command: wait until the core is idle, start it
                     S_STEP  = 4'd2,  // a step runs: wait for step_done
                     S_NC    = 4'd3,  // ctrl word 0 (neuron_count) requested
                     S_HIST  = 4'd4,  // next neuron slot: request its history, or finish
                     S_HWAIT = 4'd5,  // history word requested
                     S_RD    = 4'd6,  // a word to send requested
                     S_TX    = 4'd7,  // sending a reply
                     S_CLR0  = 4'd8,  // state_clear sent: give busy a clock to rise
                     S_CLR   = 4'd9;  // state clear runs: wait until idle

    localparam [7:0] OP_WRITE = 8'd1, OP_READ = 8'd2, OP_INPUT = 8'd3,
                     OP_STEP  = 8'd4, OP_CLEAR = 8'd5, OP_IDENT = 8'd6;

    localparam [3:0] R_CTRL = 4'd0, R_HISTORY = 4'd6;  // regions the bridge reads itself

    localparam [15:0] CTRL_VERSION = 16'd16,  // version, caps, syn_words: 16..18
                      CTRL_CYCLES  = 16'd24;  // cycles, events, spikes: 24..26

    // A partial command is dropped after 2^RW clocks without a byte: RESYNC_CLKS
    // rounded up to a power of two, which makes the timer a plain counter.
    localparam integer RW = $clog2(RESYNC_CLKS);

    // neuron_count is clamped to the slots: a larger one means every slot.
    localparam [SLOT_BITS:0] ALL_SLOTS = {1'b1, {SLOT_BITS{1'b0}}};

    reg [3:0]         state;
    reg [3:0]         nbyte;    // bytes of the command received so far, 0..11
    reg [RW:0]        quiet;    // clocks since the last byte, saturating at 2^RW
    reg [7:0]         op;
    reg [3:0]         rhi;      // high half of the region byte: must be 0
    reg [SLOT_BITS:0] neurons;  // neuron_count, read after each step, clamped

    // The reply being sent: an optional header byte, then `ntx` bytes of
    // cfg_wdata, least significant first.
    reg [7:0] hdr;
    reg       hdr_pend;
    reg [3:0] ntx;

    // ---- decoded conditions (combinational)

    wire is_write = (op == OP_WRITE);
    wire is_read  = (op == OP_READ);
    wire is_input = (op == OP_INPUT);
    wire known_op = (op >= OP_WRITE) && (op <= OP_IDENT);
    wire slot_bad = |(cfg_addr >> SLOT_BITS);  // an input slot beyond the slots
    wire cmd_bad  = !known_op || ((is_write || is_read) && (rhi != 4'd0))
                  || (is_input && slot_bad);

    wire [3:0] nbyte_live = quiet[RW] ? 4'd0 : nbyte;  // bytes of a command not yet stale

    wire take_byte = (state == S_RX) && rx_valid;          // a command byte arrived
    wire exec_err  = (state == S_EXEC) && cmd_bad;          // answer 'E' + op
    wire exec_go   = (state == S_EXEC) && !cmd_bad && !busy;
    wire word_in   = (state == S_RD) && cfg_rvalid;        // a word to send arrived
    wire hist_in   = (state == S_HWAIT) && cfg_rvalid;     // a history word arrived
    wire spike     = hist_in && cfg_rdata[0];
    wire slot_end  = (state == S_HIST) && (cfg_addr[SLOT_BITS:0] == neurons);

    assign tx_valid = (state == S_TX) && (hdr_pend || ntx != 4'd0);
    assign tx_data  = hdr_pend ? hdr : cfg_wdata[7:0];
    wire tx_take    = tx_valid && tx_ready;
    wire tx_shift   = tx_take && !hdr_pend;                 // a payload byte went out
    wire tx_done    = (state == S_TX) && !hdr_pend && (ntx == 4'd0);
    // Only a step and an identify go on after a reply (to the next spike
    // slot, or the next word of a ctrl triple); they are never answered 'E'.
    wire more       = (op == OP_STEP) || (op == OP_IDENT);
    wire tx_last    = !more || (cfg_region != R_HISTORY && cfg_addr[1:0] == 2'd2);

    // cfg_addr: where the next read goes.
    wire addr_zero = (state == S_STEP && step_done) || (state == S_NC && cfg_rvalid);
    wire addr_ctrl = (exec_go && op == OP_IDENT) || slot_end;  // 16 or 24
    wire addr_inc  = (hist_in && !cfg_rdata[0]) || (tx_done && !tx_last);

    // ---- the command and reply registers
    //
    // A received byte shifts the chain {cfg_wdata, cfg_addr, region byte, op}
    // down by 8 bits, entering at the top: after 12 bytes each field holds its
    // bytes little-endian. cfg_wdata is also the reply's shift register. It
    // has no reset: its value matters only after it has been written.

    always @(posedge clk) begin
        if (word_in)
            cfg_wdata <= cfg_rdata;
        else if (take_byte || tx_shift)
            cfg_wdata <= {rx_data, cfg_wdata[63:8]};
        else if (spike)
            cfg_wdata[15:0] <= cfg_addr;  // the slot for 'O'
        else if (exec_err)
            cfg_wdata[7:0] <= op;         // the op for 'E'
    end

    always @(posedge clk) begin
        if (take_byte)
            cfg_addr <= {cfg_wdata[7:0], cfg_addr[15:8]};
        else if (addr_zero)
            cfg_addr <= 16'd0;
        else if (addr_ctrl)
            cfg_addr <= slot_end ? CTRL_CYCLES : CTRL_VERSION;
        else if (addr_inc)  // within a slot count or a ctrl triple: no carry beyond
            cfg_addr[SLOT_BITS:0] <= cfg_addr[SLOT_BITS:0] + 1'b1;
    end

    always @(posedge clk) begin
        if (take_byte)
            {rhi, cfg_region, op} <= {cfg_addr[7:0], rhi, cfg_region};
        else if (addr_zero)
            cfg_region <= (state == S_NC) ? R_HISTORY : R_CTRL;
        else if (addr_ctrl)
            cfg_region <= R_CTRL;
    end

    // in_index needs no register of its own: the slot stays in cfg_addr
    // until the next command's first byte, at least a byte time after
    // in_valid. (Between commands cfg_region and cfg_addr follow the bytes
    // shifting through; the core looks at them only with a pulse.)
    always @* in_index = cfg_addr[SLOT_BITS-1:0];

    // The resync timer: reset by every byte, and whenever no command is partial.
    always @(posedge clk) begin
        if (rst || rx_valid || nbyte == 4'd0) quiet <= {(RW + 1){1'b0}};
        else if (!quiet[RW])                  quiet <= quiet + 1'b1;
    end

    // ---- the sequencer

    // Begin a reply: header h, then n bytes of cfg_wdata.
    task reply(input [7:0] h, input [3:0] n);
        begin
            hdr      <= h;
            hdr_pend <= 1'b1;
            ntx      <= n;
        end
    endtask

    always @(posedge clk) begin
        step_start  <= 1'b0;
        state_clear <= 1'b0;
        in_valid    <= 1'b0;
        cfg_we      <= 1'b0;
        cfg_re      <= 1'b0;
        if (tx_shift) ntx <= ntx - 4'd1;
        if (tx_take)  hdr_pend <= 1'b0;
        if (rst) begin
            state    <= S_RX;
            nbyte    <= 4'd0;
            neurons  <= {(SLOT_BITS + 1){1'b0}};
            hdr      <= 8'd0;
            hdr_pend <= 1'b0;
            ntx      <= 4'd0;
            activity <= 1'b0;
        end else begin
            case (state)
                S_RX: begin
                    // A framing error or a stale partial command restarts the
                    // count; a byte that arrives just as it goes stale is the
                    // first of a new command (the chain needs no reset: the
                    // last 12 bytes are what counts).
                    if (rx_ferr) begin
                        nbyte <= 4'd0;
                    end else if (rx_valid) begin
                        nbyte <= (nbyte_live == 4'd11) ? 4'd0 : nbyte_live + 4'd1;
                        if (nbyte_live == 4'd11) state <= S_EXEC;
                    end else if (quiet[RW]) begin
                        nbyte <= 4'd0;
                    end
                end

                S_EXEC: begin
                    if (cmd_bad) begin
                        reply("E", 4'd1);
                        state <= S_TX;
                    end else if (!busy) begin
                        case (op)
                            OP_WRITE: begin
                                cfg_we <= 1'b1;
                                state  <= S_RX;
                            end
                            OP_READ: begin
                                cfg_re <= 1'b1;
                                reply("R", 4'd8);
                                state  <= S_RD;
                            end
                            OP_INPUT: begin
                                in_valid <= 1'b1;
                                state    <= S_RX;
                            end
                            OP_STEP: begin
                                step_start <= 1'b1;
                                activity   <= ~activity;
                                state      <= S_STEP;
                            end
                            OP_CLEAR: begin
                                state_clear <= 1'b1;
                                state       <= S_CLR0;
                            end
                            default: begin  // OP_IDENT
                                cfg_re <= 1'b1;
                                reply("I", 4'd4);
                                state  <= S_RD;
                            end
                        endcase
                    end
                end

                S_STEP: begin
                    if (step_done) begin
                        cfg_re <= 1'b1;  // ctrl word 0: neuron_count
                        state  <= S_NC;
                    end
                end

                S_NC: begin
                    if (cfg_rvalid) begin
                        neurons <= (|cfg_rdata[31:SLOT_BITS]) ? ALL_SLOTS
                                 : {1'b0, cfg_rdata[SLOT_BITS-1:0]};
                        state   <= S_HIST;
                    end
                end

                S_HIST: begin
                    cfg_re <= 1'b1;  // the next history word, or cycles (ctrl 24)
                    if (slot_end) begin
                        reply("D", 4'd4);
                        state <= S_RD;
                    end else begin
                        state <= S_HWAIT;
                    end
                end

                S_HWAIT: begin
                    if (spike) begin
                        reply("O", 4'd2);
                        state <= S_TX;
                    end else if (hist_in) begin
                        state <= S_HIST;
                    end
                end

                S_RD: if (word_in) state <= S_TX;

                S_TX: begin
                    if (tx_done) begin
                        if (tx_last) begin
                            state <= S_RX;
                        end else if (cfg_region == R_HISTORY) begin
                            state <= S_HIST;  // an 'O' went out: the next slot
                        end else begin
                            cfg_re <= 1'b1;   // the next word of a ctrl triple
                            ntx    <= 4'd4;
                            state  <= S_RD;
                        end
                    end
                end

                S_CLR0: state <= S_CLR;

                S_CLR: begin
                    if (!busy) begin
                        reply("K", 4'd0);
                        state <= S_TX;
                    end
                end

                default: state <= S_RX;
            endcase
        end
    end

    // out_valid and out_index are not needed (see above); this keeps lint quiet
    // about them without hiding any other unused signal.
    wire unused_ok = &{1'b0, out_valid, out_index};
endmodule

`default_nettype wire
