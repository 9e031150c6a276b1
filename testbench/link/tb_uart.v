// tb_uart: uart_rx and uart_tx alone, as an echo.
//
// The host (host_uart.v: BAUD scaled by +host_ppm=N, each byte starting at
// a random fraction of a clock, +seed=N) sends every byte value 00..ff,
// then one byte (0x3c) with a low stop bit and finally 0xa5. Everything
// uart_rx delivers goes through a test-bench queue into uart_tx, whose line
// the host decodes at its own bit time. Printed on standard output:
//   R XX   a byte from uart_rx (valid)
//   F      a framing error from uart_rx
//   B XX   a byte decoded from uart_tx's line
//   X ...  a failure (a bad stop bit from uart_tx, a queue overflow, a
//          UART not idle at the end)
//   END
`timescale 1ns / 1ps
`default_nettype none

module tb_uart;
    parameter CLK_HZ = 24000000;
    parameter BAUD   = 115200;

    localparam real CLK_NS = 1.0e9 / CLK_HZ;

    reg clk = 1'b0;
    reg rst = 1'b1;
    wire line_in, line_out;

    always #(CLK_NS / 2.0) clk = ~clk;

    wire [7:0] rx_data;
    wire       rx_valid, rx_ferr, rx_idle;
    wire [7:0] tx_data;
    wire       tx_valid, tx_ready, tx_idle;

    uart_rx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_rx (
        .clk(clk), .rst(rst), .rx(line_in),
        .data(rx_data), .valid(rx_valid), .frame_err(rx_ferr), .idle(rx_idle)
    );
    uart_tx #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) u_tx (
        .clk(clk), .rst(rst), .data(tx_data), .valid(tx_valid),
        .ready(tx_ready), .tx(line_out), .idle(tx_idle)
    );

    host_uart #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) host (.line_out(line_in), .line_in(line_out));

    // The echo queue: the host sends as fast as the line allows, and may be
    // faster than uart_tx, so the bytes wait here rather than being lost.
    reg [7:0] queue [0:255];
    reg [8:0] head = 9'd0, tail = 9'd0;  // one bit more than the index: full vs empty
    integer   nr = 0;                    // bytes from uart_rx
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

    integer nrx = 0, v, waited;
    always @(host.rx) begin
        $display("B %02x", host.rx_byte);
        nrx = nrx + 1;
    end

    initial begin
        repeat (4) @(posedge clk);
        rst = 1'b0;
        repeat (4) @(posedge clk);
        for (v = 0; v < 256; v = v + 1) host.send(v[7:0], 1'b1);
        host.send(8'h3c, 1'b0);
        host.send(8'ha5, 1'b1);
        // Drain the echo: a fast host leaves a backlog in the queue.
        waited = 0;
        while (nrx < nr && waited < 2000) begin
            #(host.bit_ns);
            waited = waited + 1;
        end
        #(30.0 * host.bit_ns);
        if (!rx_idle || !tx_idle) $display("X uart_rx idle %b, uart_tx idle %b at the end", rx_idle, tx_idle);
        $display("END");
        $finish;
    end
endmodule

`default_nettype wire
