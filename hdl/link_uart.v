// link_uart: the board's link, protocol version 1 (docs/protocol.md), over
// the UART; the same ports as host_bridge.v (protocol v0), so a board top
// swaps one for the other.
//
//   uart_rx -> link_rx (frame parser, CRC, seq, credits; the receive buffer,
//              512 x 8, the link's one block RAM) -> link_ctrl (executes
//              frames on snn_core's ports) -> link_tx (frames built on the
//              fly, naks from link_rx) -> uart_tx
//
// Memories: link_rx's receive buffer only. Pipelines: see each block.
`default_nettype none

module link_uart #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter PROFILE_BITS = 8,
    parameter SYN_WORDS    = 16384,
    parameter CLK_HZ       = 24000000,
    parameter BAUD         = 3000000,
    parameter TIMEOUT_BITS = 16,           // a partial frame dropped after 2^16 quiet clocks
    parameter [63:0] BUILD_HASH = 64'd0    // identity's build_hash, byte 0 in [7:0]
) (
    input  wire                 clk,
    input  wire                 rst,
    input  wire                 uart_rx,
    output wire                 uart_tx,
    output wire                 activity,     // toggles at every step (an LED)
    output wire                 step_start,
    output wire                 state_clear,
    output wire                 in_valid,
    output wire [SLOT_BITS-1:0] in_index,
    output wire                 cfg_we,
    output wire                 cfg_re,
    output wire [3:0]           cfg_region,
    output wire [15:0]          cfg_addr,
    output wire [63:0]          cfg_wdata,
    input  wire                 busy,
    input  wire                 step_done,
    input  wire                 out_valid,    // unused: spikes are read from history
    input  wire [SLOT_BITS-1:0] out_index,    // unused, as out_valid
    input  wire                 cfg_rvalid,
    input  wire [63:0]          cfg_rdata
);
    wire [7:0] rx_data, tx_data;
    wire       rx_valid, rx_ferr, tx_valid, tx_ready;

    uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_urx (
        .clk(clk), .rst(rst), .rx(uart_rx),
        .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr)
    );
    uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_utx (
        .clk(clk), .rst(rst),
        .data(tx_data), .valid(tx_valid), .ready(tx_ready), .tx(uart_tx)
    );

    wire [8:0] buf_addr;
    wire [7:0] buf_data, expected, ident_seq, ident_ver, nak_reason, f_type, f_len, pl_data;
    wire [9:0] rd, wr, free, ident_flush;
    wire       ident_pend, ident_take, nak_req, f_req, f_ack, pl_valid, pl_take;

    link_rx #(.TIMEOUT_BITS(TIMEOUT_BITS)) u_rx (
        .clk(clk), .rst(rst), .in_data(rx_data), .in_valid(rx_valid),
        .rd_addr(buf_addr), .rd_data(buf_data), .rd(rd), .wr(wr), .free(free),
        .expected(expected), .ident_pend(ident_pend), .ident_take(ident_take),
        .ident_seq(ident_seq), .ident_ver(ident_ver), .ident_flush(ident_flush),
        .nak_req(nak_req), .nak_reason(nak_reason)
    );

    link_ctrl #(.SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .PROFILE_BITS(PROFILE_BITS),
                .SYN_WORDS(SYN_WORDS), .BUILD_HASH(BUILD_HASH)) u_ctrl (
        .clk(clk), .rst(rst), .activity(activity),
        .buf_addr(buf_addr), .buf_data(buf_data), .rd(rd), .wr(wr), .free(free),
        .expected(expected), .ident_pend(ident_pend), .ident_take(ident_take),
        .ident_seq(ident_seq), .ident_ver(ident_ver), .ident_flush(ident_flush),
        .f_req(f_req), .f_type(f_type), .f_len(f_len), .f_ack(f_ack),
        .pl_valid(pl_valid), .pl_data(pl_data), .pl_take(pl_take),
        .step_start(step_start), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region),
        .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .busy(busy), .step_done(step_done), .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    link_tx u_tx (
        .clk(clk), .rst(rst),
        .out_data(tx_data), .out_valid(tx_valid), .out_ready(tx_ready),
        .f_req(f_req), .f_type(f_type), .f_len(f_len), .f_ack(f_ack),
        .pl_valid(pl_valid), .pl_data(pl_data), .pl_take(pl_take),
        .nak_req(nak_req), .nak_reason(nak_reason), .ack(expected), .free(free)
    );

    // A byte with a bad stop bit is dropped by uart_rx; the frame it was in
    // then fails its CRC or times out. out_valid/out_index are not needed.
    wire unused_ok = &{1'b0, rx_ferr, out_valid, out_index};
endmodule

`default_nettype wire
