// link_stream: the board's side of link protocol version 1
// (docs/protocol.md) over any byte stream: the part the UART and the SPI
// variants share. snnc_system.v puts uart_rx.v / uart_tx.v or link_spi.v in
// front of it and snn_core behind it.
//
//   rx bytes -> link_rx (frame parser, CRC, seq, credits; the receive
//               buffer, 512 x 8, the link's one block RAM) -> link_ctrl
//               (executes frames on snn_core's ports) -> link_tx (frames
//               built on the fly, naks from link_rx) -> tx bytes
//
// Memories: link_rx's receive buffer only. Pipelines: see each block.
// TRANSPORT is identity's transport field (0 UART, 1 SPI); on SPI the
// output spikes are always a bitmap when it fits one frame (link_ctrl).
//
// idle: nothing under way in the link: link_rx hunting with no frame
// partly received (so its timeout counter is stopped) and no nak being
// requested, link_ctrl waiting with no frame in the buffer, no identify
// pending and no payload byte left, link_tx between frames with no nak
// pending. With the transport's and the core's idle it makes the system's
// (snnc_system.v).
`default_nettype none

module link_stream #(
    parameter SLOT_BITS    = 10,
    parameter DELAY_BITS   = 4,
    parameter PROFILE_BITS = 8,
    parameter SYN_WORDS    = 16384,
    parameter TIMEOUT_BITS = 16,           // a partial frame dropped after 2^16 quiet clocks
    parameter TRANSPORT    = 0,            // identity's transport: 0 UART, 1 SPI
    parameter [63:0] BUILD_HASH = 64'd0    // identity's build_hash, byte 0 in [7:0]
) (
    input  wire                 clk,
    input  wire                 rst,
    // the byte stream
    input  wire [7:0]           rx_data,      // a byte from the host
    input  wire                 rx_valid,
    output wire [7:0]           tx_data,      // a byte to the host, taken with tx_ready
    output wire                 tx_valid,
    input  wire                 tx_ready,
    output wire                 activity,     // toggles at every step (an LED)
    output wire                 idle,
    // snn_core
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
    input  wire                 cfg_rvalid,
    input  wire [63:0]          cfg_rdata
);
    wire [8:0] buf_addr;
    wire [7:0] buf_data, expected, ident_seq, ident_ver, nak_reason, f_type, f_len, pl_data;
    wire [9:0] rd, wr, free, ident_flush;
    wire       ident_pend, ident_take, nak_req, f_req, f_ack, pl_valid, pl_take;
    wire       rx_idle, ctrl_idle, tx_idle;

    link_rx #(.TIMEOUT_BITS(TIMEOUT_BITS)) u_rx (
        .clk(clk), .rst(rst), .in_data(rx_data), .in_valid(rx_valid),
        .rd_addr(buf_addr), .rd_data(buf_data), .rd(rd), .wr(wr), .free(free),
        .expected(expected), .ident_pend(ident_pend), .ident_take(ident_take),
        .ident_seq(ident_seq), .ident_ver(ident_ver), .ident_flush(ident_flush),
        .nak_req(nak_req), .nak_reason(nak_reason), .idle(rx_idle)
    );

    link_ctrl #(.SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .PROFILE_BITS(PROFILE_BITS),
                .SYN_WORDS(SYN_WORDS), .TRANSPORT(TRANSPORT), .BUILD_HASH(BUILD_HASH)) u_ctrl (
        .clk(clk), .rst(rst), .activity(activity), .idle(ctrl_idle),
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
        .nak_req(nak_req), .nak_reason(nak_reason), .ack(expected), .free(free),
        .idle(tx_idle)
    );

    assign idle = rx_idle && ctrl_idle && tx_idle;
endmodule

`default_nettype wire
