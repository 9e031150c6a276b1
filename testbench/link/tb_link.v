// tb_link: snnc_system (hdl/snnc_system.v: the link of protocol version 1
// and the real snn_core, by default in a small configuration: SLOT_BITS 4,
// DELAY_BITS 2, SYN_WORDS 16, PROFILE_BITS 2, block RAM only) driven by a
// behavioural host over the UART (host_uart.v, LINK_SPI = 0) or SPI
// (host_spi.v, LINK_SPI = 1). +zero_mem starts the core's memories at 0.
//
// The host follows a script file (+script=PATH), one command per line:
//   s XX      send byte XX (hex): a UART byte, or one SPI transfer
//   f XX      UART: send byte XX with a bad (low) stop bit
//   w N       wait until N bytes of board frames (decimal, counted from the
//             start) have arrived: on SPI the host clocks idle bytes 0x00
//             meanwhile; "X timeout" and stop if they do not within the
//             time that N bytes take plus 20 ms of simulated time
//   p N       leave the link alone for N microseconds (SPI: deselected)
//   q         collect stray bytes (UART: 200 bit times; SPI: 64 idle
//             transfers), check that the system is idle, print "END", stop
// and prints, on standard output:
//   B XX      each byte from the board (on SPI, idle bytes 0x00 included)
//   A N       the activity output after each change (N = 0 or 1)
//   X ...     a failure: a bad stop bit from the board, a timeout, the
//             board sending after it said it was idle, not idle at the end
//   END       the end of the script
// Board frames are counted by a small parser: 0xA5 starts a frame, its
// fourth byte is len, it ends 6 + len bytes after its start; other bytes
// between frames are not counted.
//
// The idle output is checked against what the board does: once it has been
// high, the board must not start sending a frame before the host has sent
// a byte of its own (on SPI the idle bytes the host clocks while waiting
// do not count), since the virtual board stops its clock while idle.
`timescale 1ns / 1ps
`default_nettype none

module tb_link;
    parameter CLK_HZ       = 24000000;
    parameter BAUD         = 3000000;
    parameter LINK_SPI     = 0;
    parameter TIMEOUT_BITS = 16;
    parameter SLOT_BITS    = 4;
    parameter DELAY_BITS   = 2;
    parameter SYN_WORDS    = 16;
    parameter PROFILE_BITS = 2;

    localparam real CLK_NS = 1.0e9 / CLK_HZ;
    localparam real BIT_NS = 1.0e9 / BAUD;

    reg  clk = 1'b0;
    reg  rst = 1'b1;
    wire uart_rx, uart_tx, sck, cs_n, mosi, miso, activity, busy, idle;

    always #(CLK_NS / 2.0) clk = ~clk;

    snnc_system #(.SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .SYN_WORDS(SYN_WORDS),
                  .PROFILE_BITS(PROFILE_BITS), .USE_SPRAM(0),
                  .CLK_HZ(CLK_HZ), .BAUD(BAUD), .LINK_SPI(LINK_SPI),
                  .BUILD_HASH(64'h1ba844d2075e913c)) sys (
        .clk(clk), .rst(rst),
        .uart_rx(uart_rx), .uart_tx(uart_tx),
        .spi_sck(sck), .spi_cs_n(cs_n), .spi_mosi(mosi), .spi_miso(miso),
        .activity(activity), .busy(busy), .idle(idle)
    );
    defparam sys.link.TIMEOUT_BITS = TIMEOUT_BITS;

    // +zero_mem: the core's memories start at 0, as block RAM does on the
    // FPGA (Icarus starts them as X), so that a bench with a large core need
    // not write every word over the link first.
    integer zi;
    initial begin
        if ($test$plusargs("zero_mem")) begin
            for (zi = 0; zi < (1 << PROFILE_BITS); zi = zi + 1)
                sys.core.u_memories.m_profile.mem[zi] = 0;
            for (zi = 0; zi < (1 << SLOT_BITS); zi = zi + 1) begin
                sys.core.u_memories.m_slot_profile.mem[zi] = 0;
                sys.core.u_memories.m_slot_state.mem[zi]   = 0;
                sys.core.u_memories.m_state_uv.mem[zi]     = 0;
                sys.core.u_memories.m_accum.mem[zi]        = 0;
                sys.core.u_memories.m_history.mem[zi]      = 0;
            end
            for (zi = 0; zi < (1 << (SLOT_BITS + DELAY_BITS)); zi = zi + 1)
                sys.core.u_memories.g_bram.m_group_ptr.mem[zi] = 0;
            for (zi = 0; zi < SYN_WORDS; zi = zi + 1)
                sys.core.u_memories.g_bram.m_synapse.mem[zi] = 0;
        end
    end

    host_uart #(.CLK_HZ(CLK_HZ), .BAUD(BAUD)) huart (.line_out(uart_rx), .line_in(uart_tx));
    host_spi #(.CLK_HZ(CLK_HZ)) hspi (.sck(sck), .cs_n(cs_n), .mosi(mosi), .miso(miso));

    always @(activity) if (!rst) $display("A %0d", activity);

    // ---- the board's bytes: printed and counted

    integer nframe = 0;  // bytes of board frames so far
    integer foff = 0;    // offset of the next byte in the current frame; 0: between frames
    integer fend = 0;    // the current frame's length
    reg     idle_seen = 1'b0;  // idle since the host last sent a byte

    task board_byte(input [7:0] b);
        begin
            $display("B %02x", b);
            if (foff == 0 && b == 8'hA5) begin
                if (idle_seen) $display("X the board sent a frame at %0t after it was idle", $time);
                foff = 1;
                fend = 6;
                nframe = nframe + 1;
            end else if (foff != 0) begin
                if (foff == 3) fend = 6 + b;
                foff = foff + 1;
                nframe = nframe + 1;
                if (foff == fend) foff = 0;
            end
        end
    endtask

    always @(huart.rx) if (LINK_SPI == 0) board_byte(huart.rx_byte);
    always @(hspi.rx)  if (LINK_SPI != 0) board_byte(hspi.rx_byte);
    always @(posedge clk) if (idle) idle_seen <= 1'b1;
    // On the UART the board's first bit is its falling edge.
    always @(negedge uart_tx) if (!rst && idle_seen && LINK_SPI == 0)
        $display("X the board began a byte at %0t after it was idle", $time);

    // A byte of the host's own: the board may answer it.
    task host_byte(input [7:0] b, input good_stop);
        begin
            idle_seen = 1'b0;
            if (LINK_SPI != 0) hspi.xfer(b);
            else               huart.send(b, good_stop);
        end
    endtask

    // ---- the script

    reg [8*256-1:0] path;
    integer fd, code, arg;
    reg [7:0] cmd;
    real deadline, byte_ns;

    initial begin
        if (!$value$plusargs("script=%s", path)) begin
            $display("X no +script=PATH");
            $finish;
        end
        fd = $fopen(path, "r");
        if (fd == 0) begin
            $display("X cannot open %0s", path);
            $finish;
        end
        repeat (4) @(posedge clk);
        rst = 1'b0;
        repeat (4) @(posedge clk);
        byte_ns = (LINK_SPI != 0) ? 16.0 * hspi.half_ns : 10.0 * BIT_NS;
        forever begin
            code = $fscanf(fd, " %c", cmd);
            if (code != 1) begin
                $display("X script ends without q");
                $finish;
            end
            case (cmd)
                "s": begin code = $fscanf(fd, "%h", arg); host_byte(arg[7:0], 1'b1); end
                "f": begin code = $fscanf(fd, "%h", arg); host_byte(arg[7:0], 1'b0); end
                "p": begin
                    code = $fscanf(fd, "%d", arg);
                    if (LINK_SPI != 0) hspi.deselect;
                    #(arg * 1000.0);
                end
                "w": begin
                    code = $fscanf(fd, "%d", arg);
                    deadline = $realtime + (arg - nframe + 1) * byte_ns + 20.0e6;
                    while (nframe < arg && $realtime < deadline) begin
                        if (LINK_SPI != 0) hspi.xfer(8'h00);
                        else               #(BIT_NS);
                    end
                    if (nframe < arg) begin
                        $display("X timeout waiting for byte %0d (have %0d) at %0t", arg, nframe, $time);
                        $finish;
                    end
                end
                "q": begin
                    if (LINK_SPI != 0) begin
                        repeat (64) hspi.xfer(8'h00);
                        hspi.deselect;
                    end else begin
                        #(200.0 * BIT_NS);
                    end
                    repeat (4) @(posedge clk);
                    if (!idle) $display("X not idle at the end");
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
