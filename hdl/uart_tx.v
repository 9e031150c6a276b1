// uart_tx: 8N1 UART transmitter with a valid/ready handshake.
//
// A byte is taken in a clock where `valid` and `ready` are both high. The
// line then carries the start bit (0), the eight data bits least significant
// first and the stop bit (1), each exactly DIV = round(CLK_HZ / BAUD) clocks
// long: 10 · DIV clocks per byte. `ready` is high while idle and also in the
// last clock of a stop bit, so back-to-back bytes follow each other with no
// idle time and the link runs at its full rate (BAUD / 10 bytes per second).
// Rounding DIV changes the real baud to CLK_HZ / DIV: exact at 24 MHz /
// 3 Mbaud (DIV 8), 115,385 for 115,200 at 24 MHz (DIV 208, +0.16 %).
//
// `ready` is a function of this module's registers only (it never looks at
// `valid`), so a sender may compute `valid` from `ready` without a loop.
`default_nettype none

module uart_tx #(
    parameter CLK_HZ = 24000000,
    parameter BAUD   = 3000000
) (
    input  wire       clk,
    input  wire       rst,    // synchronous, active high
    input  wire [7:0] data,   // the byte to send, taken with valid && ready
    input  wire       valid,
    output wire       ready,
    output reg        tx,     // the line; idles high
    output wire       idle    // no byte on the line
);
    localparam integer DIV  = (CLK_HZ + BAUD / 2) / BAUD;  // clocks per bit, rounded
    localparam integer CW   = $clog2(DIV);                 // width of the bit timer
    localparam integer LAST_I = DIV - 1;
    localparam [CW-1:0] LAST = LAST_I[CW-1:0];             // bit timer reload: DIV clocks

    reg          busy;
    reg [CW-1:0] timer;  // clocks left in the current bit, minus one
    reg [3:0]    nbit;   // bits already on the line after the start bit: 0..9
    reg [7:0]    shift;  // data bits still to send, next one in bit 0

    wire bit_end = (timer == {CW{1'b0}});
    wire last    = busy && bit_end && (nbit == 4'd9);  // last clock of the stop bit
    assign ready = ~busy | last;
    assign idle  = ~busy;

    always @(posedge clk) begin
        if (rst) begin
            busy  <= 1'b0;
            tx    <= 1'b1;
            timer <= {CW{1'b0}};
            nbit  <= 4'd0;
            shift <= 8'd0;
        end else if (valid && ready) begin
            busy  <= 1'b1;
            tx    <= 1'b0;  // start bit
            timer <= LAST;
            nbit  <= 4'd0;
            shift <= data;
        end else if (last) begin
            busy <= 1'b0;   // the line stays at the stop level
        end else if (busy) begin
            if (bit_end) begin
                timer <= LAST;
                nbit  <= nbit + 4'd1;
                tx    <= shift[0];              // data bits, then the ones
                shift <= {1'b1, shift[7:1]};    // shifted in: the stop bit
            end else begin
                timer <= timer - 1'b1;
            end
        end
    end
endmodule

`default_nettype wire
