// host_uart: a behavioural host UART for the test benches of this
// directory (tb_link.v, tb_uart.v): 8N1 at BAUD scaled by +host_ppm=N
// (default 0), so both the sender and the receiver may be off the board's
// rate; each byte it sends starts at a random fraction of a board clock
// (+seed=N), so the board samples at every phase.
//
//   send(b, good_stop)  drives `line_out`: start bit, b LSB first, a stop
//                       bit that is low when good_stop is 0 (then one high
//                       bit time, so the line idles again)
//   rx_byte, rx         every byte decoded from `line_in` (sampled in the
//                       middle of each bit) triggers the event rx with the
//                       byte in rx_byte; a low stop bit prints "X ..."
`timescale 1ns / 1ps
`default_nettype none

module host_uart #(
    parameter CLK_HZ = 24000000,  // the board's clock, for the random phase
    parameter BAUD   = 3000000
) (
    output reg  line_out,
    input  wire line_in
);
    localparam real CLK_NS = 1.0e9 / CLK_HZ;

    real    bit_ns;
    integer ppm, seed;
    reg [7:0] rx_byte;
    event     rx;

    initial begin
        line_out = 1'b1;
        if (!$value$plusargs("host_ppm=%d", ppm)) ppm = 0;
        if (!$value$plusargs("seed=%d", seed)) seed = 1;
        bit_ns = 1.0e9 / BAUD * (1.0 + ppm / 1.0e6);
    end

    // The receiver.
    integer k;
    initial begin
        #1;
        forever begin
            @(negedge line_in);
            #(bit_ns * 1.5);
            for (k = 0; k < 8; k = k + 1) begin
                rx_byte[k] = line_in;
                #(bit_ns);
            end
            if (line_in !== 1'b1) $display("X bad stop bit from the board at %0t", $time);
            -> rx;
        end
    end

    task send(input [7:0] b, input good_stop);
        integer j;
        begin
            #(($random(seed) & 1023) * CLK_NS / 1024.0);
            line_out = 1'b0;
            #(bit_ns);
            for (j = 0; j < 8; j = j + 1) begin
                line_out = b[j];
                #(bit_ns);
            end
            line_out = good_stop;
            #(bit_ns);
            if (!good_stop) begin
                line_out = 1'b1;
                #(bit_ns);
            end
        end
    endtask
endmodule

`default_nettype wire
