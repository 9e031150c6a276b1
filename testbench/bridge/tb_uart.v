// tb_uart: uart_rx and uart_tx alone, as an echo.
//
// A bit-banged host sends every byte value 00..ff at HOST_BAUD (BAUD scaled
// by +host_ppm=N, each byte starting at a random fraction of a clock,
// +seed=N), then one byte (0x3c) with a low stop bit and finally 0xa5.
// Everything uart_rx delivers goes through a test-bench queue into uart_tx,
// whose line the host decodes at its own bit time. Printed on standard output:
//   R XX   a byte from uart_rx (valid)
//   F      a framing error from uart_rx
//   B XX   a byte decoded from uart_tx's line
//   X ...  a failure (a bad stop bit from uart_tx, a queue overflow)
//   END
`timescale 1ns / 1ps
`default_nettype none

module tb_uart;
    parameter CLK_HZ = 24000000;
    parameter BAUD   = 115200;

    localparam real CLK_NS = 1.0e9 / CLK_HZ;
    localparam real BIT_NS = 1.0e9 / BAUD;

    reg clk = 1'b0;
    reg rst = 1'b1;
    reg line_in = 1'b1;
    wire line_out;

    always #(CLK_NS / 2.0) clk = ~clk;

    wire [7:0] rx_data;
    wire       rx_valid, rx_ferr;
    wire [7:0] tx_data;
    wire       tx_valid, tx_ready;

    uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_rx (
        .clk(clk), .rst(rst), .rx(line_in),
        .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr)
    );
    uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_tx (
        .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid),
        .ready(tx_ready), .tx(line_out)
    );

    // The echo queue: the host sends as fast as the line allows, and may be
    // faster than uart_tx, so the bytes wait here rather than being lost.
    reg [7:0] queue [0:255];
    reg [8:0] head = 9'd0, tail = 9'd0;
    integer   nr = 0;  // bytes from uart_rx  // one bit more than the index: full vs empty
    assign tx_valid = (head != tail);
    assign tx_data  = queue[head[7:0]];

    always @(posedge clk) begin
        if (rx_valid) begin
            $display("R %02x", rx_data);
            nr = nr + 1;
            queue[tail[7:0]] <= rx_data;
            tail <= tail + 9'd1;
            if (tail - head == 9'd256) $display("X echo queue overflow");
        end
        if (rx_ferr) $display("F");
        if (tx_valid && tx_ready) head <= head + 9'd1;
    end

    real    host_bit;
    integer ppm, seed, nrx = 0, k, v, waited;
    reg [7:0] rbyte;

    // The host's receiver.
    initial begin
        #1;
        forever begin
            @(negedge line_out);
            #(host_bit * 1.5);
            for (k = 0; k < 8; k = k + 1) begin
                rbyte[k] = line_out;
                #(host_bit);
            end
            if (line_out !== 1'b1) $display("X bad stop bit from uart_tx at %0t", $time);
            $display("B %02x", rbyte);
            nrx = nrx + 1;
        end
    end

    task send(input [7:0] b, input good_stop);
        integer j;
        begin
            #(($random(seed) & 1023) * CLK_NS / 1024.0);
            line_in = 1'b0;
            #(host_bit);
            for (j = 0; j < 8; j = j + 1) begin
                line_in = b[j];
                #(host_bit);
            end
            line_in = good_stop;
            #(host_bit);
            if (!good_stop) begin
                line_in = 1'b1;
                #(host_bit);
            end
        end
    endtask

    initial begin
        if (!$value$plusargs("host_ppm=%d", ppm)) ppm = 0;
        if (!$value$plusargs("seed=%d", seed)) seed = 1;
        host_bit = BIT_NS * (1.0 + ppm / 1.0e6);
        repeat (4) @(posedge clk);
        rst = 1'b0;
        repeat (4) @(posedge clk);
        for (v = 0; v < 256; v = v + 1) send(v[7:0], 1'b1);
        send(8'h3c, 1'b0);
        send(8'ha5, 1'b1);
        // Drain the echo: a fast host leaves a backlog in the queue.
        waited = 0;
        while (nrx < nr && waited < 2000) begin
            #(host_bit);
            waited = waited + 1;
        end
        #(30.0 * host_bit);
        $display("END");
        $finish;
    end
endmodule

`default_nettype wire
