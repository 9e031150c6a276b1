// link_rx: the receiving half of the link layer, protocol version 1
// (docs/protocol.md): finds frames in the byte stream from the transport
// (uart_rx.v or link_spi.v), checks them, and keeps the accepted ones in
// the receive buffer for link_ctrl.
//
// Memory: the receive buffer, 512 x 8 bits, one iCE40 block RAM
// (SB_RAM40_4K in 512x8 mode): a ring holding whole frames as they came,
// sync byte and CRC included (6 + len bytes a frame, the size the host's
// credit counts), frame after frame without gaps:
//   base+0 0xA5   base+1 type   base+2 seq   base+3 len
//   base+4 .. base+3+len payload   then CRC high, CRC low.
// Write port: this block, the byte just received. Read port: link_ctrl
// (rd_addr in, rd_data the next clock, registered).
//
// Pointers count bytes mod 1024 (one bit beyond the address, so a full ring
// differs from an empty one): `rd` (link_ctrl: start of the oldest frame not
// finished), `wr` (here: end of the accepted frames), and the frame being
// received at wr .. wr+off. free = 512 - (wr - rd) is the host's credit
// (registered, a clock behind: below); a byte at offset off is written only
// when off < free, so the bytes of a frame that does not fit never touch
// the frames waiting to run.
//
// Pipeline, per received byte (one clock each; bytes are at least 64 clocks
// apart: 8 per bit on the UART, 8 per SCK period on SPI):
//   HUNT  wait for 0xA5 (anything else, the idle 0x00 included, is skipped)
//   TYPE  a host type 0x01..0x07, else back to HUNT (0xA5 starts anew)
//   SEQ   kept
//   LEN   the type's allowed lengths (identify 1, write 5..244, read 5,
//         reset 0, input-aer odd <= 249, input-bitmap 1..250, run 2), else
//         back to HUNT, with a nak `header` when len > 250; room = the frame
//         fits the free bytes
//   BODY  len + 2 bytes; after the last one the CRC register must be 0
// and then, in this order: a CRC failure naks `crc`; an identify is
// accepted whatever its seq (not stored: its version and seq go to
// link_ctrl, with the flush point wr); seq ahead of `expected` by 1..127
// naks `sequence`, behind by 1..128 naks `duplicate`; no room naks
// `overflow`; else the frame is accepted: wr += 6 + len, expected += 1.
// A partial frame with no byte for 2^TIMEOUT_BITS clocks is dropped (nak
// `timeout`). At most one nak is requested between two accepted frames.
// Hunting resumes at the next incoming byte after any rejection.
`default_nettype none

module link_rx #(
    parameter TIMEOUT_BITS = 16   // a partial frame dropped after 2^TIMEOUT_BITS quiet clocks
) (
    input  wire       clk,
    input  wire       rst,
    input  wire [7:0] in_data,     // from the transport
    input  wire       in_valid,
    // the buffer's read port and the ring, for link_ctrl
    input  wire [8:0] rd_addr,
    output reg  [7:0] rd_data,
    input  wire [9:0] rd,          // link_ctrl's read pointer
    output reg  [9:0] wr,          // end of the accepted frames
    output reg  [9:0] free,        // 0..512, a clock behind rd and wr
    output reg  [7:0] expected,    // the seq expected next
    // an accepted identify
    output reg        ident_pend,  // set on accept, cleared by ident_take
    input  wire       ident_take,
    output reg  [7:0] ident_seq,
    output reg  [7:0] ident_ver,
    output reg  [9:0] ident_flush, // wr when the identify was accepted
    // nak requests (one-clock pulse)
    output reg        nak_req,
    output reg  [7:0] nak_reason,
    // hunting, no frame partly received (the timeout stopped), no nak asked
    output wire       idle
);
    localparam [2:0] HUNT = 3'd0, TYPE = 3'd1, SEQ = 3'd2, LEN = 3'd3, BODY = 3'd4;
    localparam [7:0] SYNC = 8'hA5;
    localparam [7:0] NAK_CRC = 8'd1, NAK_SEQ = 8'd2, NAK_DUP = 8'd3, NAK_OVF = 8'd4,
                     NAK_TIMEOUT = 8'd5, NAK_HEADER = 8'd6;

    reg [7:0] mem [0:511];

    reg [2:0]  state;
    reg [15:0] crc;
    reg [7:0]  ftype, fseq, flen;
    reg [8:0]  off;        // offset of the next byte in the frame
    reg [8:0]  left;       // bytes of payload and CRC still to come
    reg        room;
    reg        nak_ok;     // no nak since the last accepted frame
    reg [TIMEOUT_BITS:0] quiet;


    wire [15:0] crc_next;
    link_crc16 u_crc (.crc(crc), .data(in_data), .next(crc_next));

    // The type and the length allowed for it.
    wire type_ok = (in_data >= 8'h01) && (in_data <= 8'h07);
    reg  len_ok;
    always @* begin
        case (ftype[2:0])
            3'd1:    len_ok = (in_data == 8'd1);
            3'd2:    len_ok = (in_data >= 8'd5) && (in_data <= 8'd244);
            3'd3:    len_ok = (in_data == 8'd5);
            3'd4:    len_ok = (in_data == 8'd0);
            3'd5:    len_ok = in_data[0] && (in_data <= 8'd249);
            3'd6:    len_ok = (in_data >= 8'd1) && (in_data <= 8'd250);
            3'd7:    len_ok = (in_data == 8'd2);
            default: len_ok = 1'b0;
        endcase
    end
    wire [9:0] need = {2'b00, in_data} + 10'd6;  // bytes of the frame
    wire [7:0] ahead = fseq - expected;

    // The buffer: write the byte at wr + off when it is inside the free space.
    wire       we    = in_valid && (state != HUNT || in_data == SYNC) && ({1'b0, off} < free);
    wire [8:0] waddr = wr[8:0] + off;
    always @(posedge clk) begin
        if (we) mem[waddr] <= in_data;
        rd_data <= mem[rd_addr];
    end

    wire timeout = quiet[TIMEOUT_BITS];
    assign idle = (state == HUNT) && !in_valid && !nak_req;

    // free is registered, which keeps two subtractions off the paths into
    // the buffer's write enable and into link_ctrl. It lags rd and wr by a
    // clock: rd only grows (space given back, counted a clock late: on the
    // safe side), and wr grows when a frame is accepted, at least 64 clocks
    // before the next byte can arrive.
    always @(posedge clk)
        if (rst) free <= 10'd512;
        else     free <= 10'd512 - (wr - rd);

    always @(posedge clk) begin
        nak_req <= 1'b0;
        if (ident_take) ident_pend <= 1'b0;
        if (rst || in_valid || state == HUNT) quiet <= {(TIMEOUT_BITS + 1){1'b0}};
        else if (!timeout)                    quiet <= quiet + 1'b1;
        if (rst) begin
            state      <= HUNT;
            wr         <= 10'd0;
            expected   <= 8'd0;
            ident_pend <= 1'b0;
            nak_ok     <= 1'b1;
            off        <= 9'd0;
        end else if (timeout) begin
            state <= HUNT;
            off   <= 9'd0;
            if (nak_ok) begin
                nak_req    <= 1'b1;
                nak_reason <= NAK_TIMEOUT;
                nak_ok     <= 1'b0;
            end
        end else if (in_valid) begin
            off <= off + 9'd1;
            crc <= crc_next;
            case (state)
                HUNT: begin
                    off <= (in_data == SYNC) ? 9'd1 : 9'd0;
                    crc <= 16'hFFFF;
                    if (in_data == SYNC) state <= TYPE;
                end
                TYPE: begin
                    ftype <= in_data;
                    if (!type_ok) begin
                        // a bad type that is a sync byte starts a new frame
                        state <= (in_data == SYNC) ? TYPE : HUNT;
                        off   <= (in_data == SYNC) ? 9'd1 : 9'd0;
                        crc   <= 16'hFFFF;
                    end else begin
                        state <= SEQ;
                    end
                end
                SEQ: begin
                    fseq  <= in_data;
                    state <= LEN;
                end
                LEN: begin
                    flen <= in_data;
                    left <= {1'b0, in_data} + 9'd2;
                    room <= (need <= free);
                    if (!len_ok) begin
                        state <= HUNT;
                        off   <= 9'd0;
                        if (in_data > 8'd250 && nak_ok) begin
                            nak_req    <= 1'b1;
                            nak_reason <= NAK_HEADER;
                            nak_ok     <= 1'b0;
                        end
                    end else begin
                        state <= BODY;
                    end
                end
                default: begin  // BODY
                    left <= left - 9'd1;
                    if (left == 9'd1) begin
                        state <= HUNT;
                        off   <= 9'd0;
                        if (crc_next != 16'd0) begin
                            if (nak_ok) begin
                                nak_req    <= 1'b1;
                                nak_reason <= NAK_CRC;
                                nak_ok     <= 1'b0;
                            end
                        end else if (ftype == 8'h01) begin
                            ident_pend  <= 1'b1;
                            ident_seq   <= fseq;
                            ident_ver   <= rd_ver;
                            ident_flush <= wr;
                            expected    <= fseq + 8'd1;
                            nak_ok      <= 1'b1;
                        end else if (ahead != 8'd0) begin
                            if (nak_ok) begin
                                nak_req    <= 1'b1;
                                nak_reason <= ahead[7] ? NAK_DUP : NAK_SEQ;
                                nak_ok     <= 1'b0;
                            end
                        end else if (!room) begin
                            if (nak_ok) begin
                                nak_req    <= 1'b1;
                                nak_reason <= NAK_OVF;
                                nak_ok     <= 1'b0;
                            end
                        end else begin
                            wr       <= wr + {2'b00, flen} + 10'd6;
                            expected <= expected + 8'd1;
                            nak_ok   <= 1'b1;
                        end
                    end
                end
            endcase
        end
    end

    // An identify's version byte (offset 4), kept apart from the buffer: an
    // identify is accepted even when the buffer is full, and never stored.
    reg [7:0] rd_ver;
    always @(posedge clk)
        if (in_valid && state == BODY && off == 9'd4) rd_ver <= in_data;
endmodule

`default_nettype wire
