// uart_rx: 8N1 UART receiver.
//
// The line is asynchronous to clk: it passes a two-flop synchroniser, and a
// third flop keeps the previous synchronised level so that a byte starts only
// on a falling edge (a line held low, a "break", yields one framing error and
// then nothing until it has gone high again).
//
// Timing, with DIV = round(CLK_HZ / BAUD) clocks per bit (at least 4):
//   - the falling edge is seen within one clock of where it happened (after
//     the fixed two-clock delay of the synchroniser, which every later sample
//     shares, so it does not move the sampling point);
//   - the start bit is sampled DIV/2 clocks after the edge is seen, that is
//     DIV/2 .. DIV/2+1 clocks into the bit, its middle; a start bit that is
//     high again there was a glitch and is ignored;
//   - each data bit (least significant first) and the stop bit are sampled
//     DIV clocks after the previous sample;
//   - the receiver is ready for the next start bit right after sampling the
//     stop bit, in the middle of it, so a sender slightly faster than BAUD is
//     not lost.
// The stop bit is sampled 9.5 bits (plus up to one clock) after the edge, so
// a sender may be up to 3.9 % fast or 5.5 % slow at 8 clocks per bit (24 MHz,
// 3 Mbaud), 5.2 % fast or 5.5 % slow at 208 (24 MHz, 115,200 baud). Rounding
// DIV is an error of its own, counted against that: none at 24 MHz / 3 Mbaud
// (exactly 8), 0.16 % at 24 MHz / 115,200 (208 for 208.33: the receiver
// expects 115,385 baud).
//
// Outputs: `valid` pulses for one clock when a byte with a good stop bit has
// arrived; `frame_err` pulses instead when the stop bit was low, and that byte
// is dropped. `data` holds the byte from `valid` until the first data bit of
// the next byte is shifted in (at least 1.5 bit times later). `idle` is high
// while no byte is being received (a falling edge still in the synchroniser
// is not seen yet: the virtual board's harness waits for its own bytes).
`default_nettype none

module uart_rx #(
    parameter CLK_HZ = 24000000,
    parameter BAUD   = 3000000
) (
    input  wire       clk,
    input  wire       rst,       // synchronous, active high
    input  wire       rx,        // the line; idles high
    output reg  [7:0] data,      // the byte, least significant bit first on the line
    output reg        valid,     // one-clock pulse: data holds a byte
    output reg        frame_err, // one-clock pulse: a byte whose stop bit was 0
    output wire       idle       // waiting for a start bit
);
    localparam integer DIV  = (CLK_HZ + BAUD / 2) / BAUD;  // clocks per bit, rounded
    localparam integer CW   = $clog2(DIV);                 // width of the bit timer
    localparam integer LAST_I = DIV - 1;
    localparam [CW-1:0] LAST = LAST_I[CW-1:0];             // bit timer reload: DIV clocks
    localparam integer MID_I  = DIV / 2 - 1;
    localparam [CW-1:0] MID  = MID_I[CW-1:0];              // to the middle of the start bit

    localparam [1:0] IDLE  = 2'd0,  // waiting for a falling edge
                     START = 2'd1,  // to the middle of the start bit
                     DATA  = 2'd2,  // eight data bits
                     STOP  = 2'd3;  // to the middle of the stop bit

    // sync[0], sync[1]: the synchroniser; sync[2]: the previous level.
    reg [2:0] sync;
    wire      line = sync[1];
    wire      fall = sync[2] & ~sync[1];

    reg [1:0]    state;
    reg [CW-1:0] timer;  // clocks to the next sample, minus one
    reg [2:0]    nbit;   // data bits received

    assign idle = (state == IDLE);

    always @(posedge clk) begin
        if (rst) sync <= 3'b111;
        else     sync <= {sync[1:0], rx};
    end

    always @(posedge clk) begin
        valid     <= 1'b0;
        frame_err <= 1'b0;
        if (rst) begin
            state <= IDLE;
            timer <= {CW{1'b0}};
            nbit  <= 3'd0;
            data  <= 8'd0;
        end else if (state == IDLE) begin
            if (fall) begin
                state <= START;
                timer <= MID;
            end
        end else if (timer != {CW{1'b0}}) begin
            timer <= timer - 1'b1;
        end else begin
            // A sample point.
            timer <= LAST;
            case (state)
                START: state <= line ? IDLE : DATA;
                DATA: begin
                    data <= {line, data[7:1]};
                    nbit <= nbit + 3'd1;
                    if (nbit == 3'd7) state <= STOP;
                end
                default: begin  // STOP
                    state     <= IDLE;
                    valid     <= line;
                    frame_err <= ~line;
                end
            endcase
        end
    end
endmodule

`default_nettype wire
