// tb_link: link_uart (protocol version 1) between a bit-banged host UART and
// the real snn_core of hdl/ in a small configuration (SLOT_BITS 4,
// DELAY_BITS 2, SYN_WORDS 16, PROFILE_BITS 2, block RAM only).
//
// The host side is driven by a script file (+script=PATH), one command per
// line:
//   s XX      send byte XX (hex) on the link's RX line at the host's baud
//   f XX      send byte XX with a bad (low) stop bit, then a high bit time
//   w N       wait until N bytes (decimal, counted from the start) have
//             arrived from the board; "X timeout" and stop if they do not
//             within the time that N bytes take plus 20 ms of simulated time
//   p N       leave the line idle for N microseconds
//   q         wait 200 bit times for stray bytes, print "END" and stop
// and prints, on standard output:
//   B XX      each byte received from the link's TX line
//   A N       the activity output after each change (N = 0 or 1)
//   X ...     a failure: a bad stop bit from the link, a timeout
//   END       the end of the script
// The host's bit time is that of BAUD scaled by +host_ppm=N (default 0), and
// each byte it sends starts at a random fraction of a clock (+seed=N).
`timescale 1ns / 1ps
`default_nettype none

module tb_link;
    parameter CLK_HZ    = 24000000;
    parameter BAUD      = 3000000;
    parameter SLOT_BITS = 4;
    parameter TIMEOUT_BITS = 16;

    localparam real CLK_NS = 1.0e9 / CLK_HZ;
    localparam real BIT_NS = 1.0e9 / BAUD;

    reg clk = 1'b0;
    reg rst = 1'b1;
    reg rx  = 1'b1;  // host -> link
    wire tx;         // link -> host
    wire activity;

    always #(CLK_NS / 2.0) clk = ~clk;

    wire                 step_start, state_clear, in_valid, cfg_we, cfg_re;
    wire [SLOT_BITS-1:0] in_index, out_index;
    wire [3:0]           cfg_region;
    wire [15:0]          cfg_addr;
    wire [63:0]          cfg_wdata, cfg_rdata;
    wire                 busy, step_done, out_valid, cfg_rvalid;

    link_uart #(.SLOT_BITS(SLOT_BITS), .DELAY_BITS(2), .PROFILE_BITS(2), .SYN_WORDS(16),
                .CLK_HZ(CLK_HZ), .BAUD(BAUD), .TIMEOUT_BITS(TIMEOUT_BITS),
                .BUILD_HASH(64'h1ba844d2075e913c)) dut (
        .clk(clk), .rst(rst), .uart_rx(rx), .uart_tx(tx), .activity(activity),
        .step_start(step_start), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region),
        .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .busy(busy), .step_done(step_done), .out_valid(out_valid),
        .out_index(out_index), .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    snn_core #(.SLOT_BITS(SLOT_BITS), .DELAY_BITS(2), .SYN_WORDS(16),
               .PROFILE_BITS(2), .USE_SPRAM(0)) core (
        .clk(clk), .rst(rst), .busy(busy),
        .step_start(step_start), .step_done(step_done), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .out_valid(out_valid), .out_index(out_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region),
        .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    // ---- the host's receiver: decode the link's TX line at BAUD

    real    host_bit;  // the host's bit time in ns
    integer ppm, seed;
    integer nrx = 0;
    reg [7:0] rbyte;
    integer k;

    initial begin
        #1;
        forever begin
            @(negedge tx);
            #(host_bit * 1.5);
            for (k = 0; k < 8; k = k + 1) begin
                rbyte[k] = tx;
                #(host_bit);
            end
            if (tx !== 1'b1) $display("X bad stop bit from the link at %0t", $time);
            $display("B %02x", rbyte);
            nrx = nrx + 1;
        end
    end

    always @(activity) if (!rst) $display("A %0d", activity);

    // ---- the host's transmitter

    task send(input [7:0] b, input good_stop);
        integer j;
        begin
            #(($random(seed) & 1023) * CLK_NS / 1024.0);
            rx = 1'b0;
            #(host_bit);
            for (j = 0; j < 8; j = j + 1) begin
                rx = b[j];
                #(host_bit);
            end
            rx = good_stop;
            #(host_bit);
            if (!good_stop) begin
                rx = 1'b1;
                #(host_bit);
            end
        end
    endtask

    // ---- the script

    reg [8*256-1:0] path;
    integer fd, code, arg;
    reg [7:0] cmd;
    real deadline;

    initial begin
        if (!$value$plusargs("script=%s", path)) begin
            $display("X no +script=PATH");
            $finish;
        end
        if (!$value$plusargs("host_ppm=%d", ppm)) ppm = 0;
        if (!$value$plusargs("seed=%d", seed)) seed = 1;
        host_bit = BIT_NS * (1.0 + ppm / 1.0e6);
        fd = $fopen(path, "r");
        if (fd == 0) begin
            $display("X cannot open %0s", path);
            $finish;
        end
        repeat (4) @(posedge clk);
        rst = 1'b0;
        repeat (4) @(posedge clk);
        forever begin
            code = $fscanf(fd, " %c", cmd);
            if (code != 1) begin
                $display("X script ends without q");
                $finish;
            end
            case (cmd)
                "s": begin code = $fscanf(fd, "%h", arg); send(arg[7:0], 1'b1); end
                "f": begin code = $fscanf(fd, "%h", arg); send(arg[7:0], 1'b0); end
                "p": begin code = $fscanf(fd, "%d", arg); #(arg * 1000.0); end
                "w": begin
                    code = $fscanf(fd, "%d", arg);
                    deadline = $realtime + (arg - nrx + 1) * 10.0 * BIT_NS + 20.0e6;
                    while (nrx < arg && $realtime < deadline) #(BIT_NS);
                    if (nrx < arg) begin
                        $display("X timeout waiting for byte %0d (have %0d) at %0t", arg, nrx, $time);
                        $finish;
                    end
                end
                "q": begin
                    #(200.0 * BIT_NS);
                    $display("END");
                    $finish;
                end
                default: begin
                    $display("X bad script command '%c'", cmd);
                    $finish;
                end
            endcase
        end
    end
endmodule

`default_nettype wire
