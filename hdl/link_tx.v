// link_tx: the sending half of the link layer, protocol version 1
// (docs/protocol.md): builds each board frame on the fly, byte by byte, as
// the transport (uart_tx.v or link_spi.v) takes them: 0xA5, type, seq, len,
// payload, CRC high, CRC low.
//
// Memories: none (no transmit buffer). The payload comes from link_ctrl one
// byte at a time (pl_valid / pl_data, taken with pl_take); link_ctrl states
// the length first and must deliver exactly that many bytes. A nak is built
// here from link_rx's request and the live ack / free, so that it does not
// wait behind a step that link_ctrl is running.
//
// Pipeline: one state per byte of the frame; a byte is offered to the
// transport (valid) and the next state taken when it accepts it (ready, a
// function of the transport's registers only). Between frames a
// pending nak goes first, then link_ctrl's request (f_req, acknowledged by a
// one-clock f_ack as the frame begins). `seq` counts the frames sent, mod 256.
`default_nettype none

module link_tx (
    input  wire       clk,
    input  wire       rst,
    // to the transport
    output reg  [7:0] out_data,
    output wire       out_valid,
    input  wire       out_ready,
    // frames of link_ctrl
    input  wire       f_req,
    input  wire [7:0] f_type,
    input  wire [7:0] f_len,
    output reg        f_ack,
    input  wire       pl_valid,
    input  wire [7:0] pl_data,
    output wire       pl_take,
    // naks of link_rx
    input  wire       nak_req,
    input  wire [7:0] nak_reason,
    input  wire [7:0] ack,        // link_rx's expected seq
    input  wire [9:0] free,       // link_rx's free bytes
    output wire       idle        // between frames, no nak pending
);
    localparam [2:0] IDLE = 3'd0, SYNC = 3'd1, TYPE = 3'd2, SEQ = 3'd3, LEN = 3'd4,
                     PAY = 3'd5, CRCH = 3'd6, CRCL = 3'd7;

    reg [2:0]  state;
    reg [7:0]  seq, ftype, left;
    reg [15:0] crc;
    reg        own;          // the frame is a nak, built here
    reg [1:0]  nb;           // the nak's payload byte
    reg        nak_pend;
    reg [7:0]  nak_r;

    reg [7:0] nak_byte;
    always @* begin
        case (nb)
            2'd0:    nak_byte = nak_r;
            2'd1:    nak_byte = ack;
            2'd2:    nak_byte = free[7:0];
            default: nak_byte = {6'd0, free[9:8]};
        endcase
    end

    always @* begin
        case (state)
            SYNC:    out_data = 8'hA5;
            TYPE:    out_data = ftype;
            SEQ:     out_data = seq;
            LEN:     out_data = left;
            PAY:     out_data = own ? nak_byte : pl_data;
            CRCH:    out_data = crc[15:8];
            default: out_data = crc[7:0];
        endcase
    end

    assign idle      = (state == IDLE) && !nak_pend;
    assign out_valid = (state != IDLE) && (state != PAY || own || pl_valid);
    wire   take      = out_valid && out_ready;
    assign pl_take   = take && (state == PAY) && !own;

    wire [15:0] crc_next;
    link_crc16 u_crc (.crc(crc), .data(out_data), .next(crc_next));

    always @(posedge clk) begin
        f_ack <= 1'b0;
        if (nak_req) begin
            nak_pend <= 1'b1;
            nak_r    <= nak_reason;
        end
        if (rst) begin
            state    <= IDLE;
            seq      <= 8'd0;
            nak_pend <= 1'b0;
            own      <= 1'b0;
        end else if (state == IDLE) begin
            crc <= 16'hFFFF;
            nb  <= 2'd0;
            if (nak_pend) begin
                nak_pend <= nak_req;  // a request in this very clock waits
                own      <= 1'b1;
                ftype    <= 8'h84;
                left     <= 8'd4;
                state    <= SYNC;
            end else if (f_req && !f_ack) begin
                f_ack <= 1'b1;
                own   <= 1'b0;
                ftype <= f_type;
                left  <= f_len;
                state <= SYNC;
            end
        end else if (take) begin
            if (state != SYNC && state != CRCH) crc <= crc_next;
            case (state)
                SYNC: state <= TYPE;
                TYPE: state <= SEQ;
                SEQ:  state <= LEN;
                LEN:  state <= (left == 8'd0) ? CRCH : PAY;
                PAY: begin
                    left <= left - 8'd1;
                    nb   <= nb + 2'd1;
                    if (left == 8'd1) state <= CRCH;
                end
                CRCH: state <= CRCL;
                default: begin
                    state <= IDLE;
                    seq   <= seq + 8'd1;
                end
            endcase
        end
    end
endmodule

`default_nettype wire
