// host_spi: a behavioural SPI controller (the host) for tb_link.v, mode 0
// (SCK idles low, both sides sample on the rising edge, change after the
// falling one), MSB first, 8-bit words, as docs/protocol.md ("SPI") says.
//
// SCK runs at CLK_HZ / +sck_div=N (default 8, the fastest the board
// allows), its edges at a random phase against the board's clock (+seed=N):
// each byte starts at a random fraction of a clock, so back-to-back bytes
// run at the full rate, their SCK low phase up to a clock longer. Chip
// select is lowered half an SCK period before the first rising edge and
// stays low from byte to byte until deselect() (+cs_per_byte=1: raised
// after every byte, for half an SCK period).
//
//   xfer(b)      one full-duplex byte: b on mosi; the byte on miso goes to
//                rx_byte and triggers the event rx
//   deselect()   raise chip select (if low) for at least half an SCK period
`timescale 1ns / 1ps
`default_nettype none

module host_spi #(
    parameter CLK_HZ = 24000000
) (
    output reg  sck,
    output reg  cs_n,
    output reg  mosi,
    input  wire miso
);
    localparam real CLK_NS = 1.0e9 / CLK_HZ;

    real    half_ns;
    integer div, seed, per_byte;
    reg [7:0] rx_byte;
    event     rx;

    initial begin
        sck  = 1'b0;
        cs_n = 1'b1;
        mosi = 1'b0;
        if (!$value$plusargs("sck_div=%d", div)) div = 8;
        if (!$value$plusargs("seed=%d", seed)) seed = 1;
        if (!$value$plusargs("cs_per_byte=%d", per_byte)) per_byte = 0;
        half_ns = div * CLK_NS / 2.0;
    end

    task deselect;
        begin
            if (!cs_n) begin
                cs_n = 1'b1;
                #(half_ns);
            end
        end
    endtask

    task xfer(input [7:0] b);
        integer j;
        begin
            #(($random(seed) & 1023) * CLK_NS / 1024.0);
            cs_n = 1'b0;
            for (j = 7; j >= 0; j = j - 1) begin
                mosi = b[j];
                #(half_ns);
                sck = 1'b1;
                rx_byte[j] = miso;
                #(half_ns);
                sck = 1'b0;
            end
            -> rx;
            if (per_byte != 0) deselect;
        end
    endtask
endmodule

`default_nettype wire
