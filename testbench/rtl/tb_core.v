// tb_core.v - drives snn_core from a text file of commands (docs/fpga-core.md,
// "Reading and writing from a test bench"), one per line, four hexadecimal
// fields `op region addr data`:
//   1 write data to region/addr            -
//   2 read region/addr                     R region addr data
//   3 input spike for slot addr            -
//   4 run one step                         O slot (per output spike, in order),
//                                          then D cycles events spikes
//                                          (ctrl words 24, 25, 26 read back)
//   5 state clear                          -
//   6 dump u, v of slots 0..addr-1         S slot u v (24-bit two's complement)
//   0 finish                               # done
// Numbers are printed in hexadecimal without 0x and without leading zeros
// (%0h). Nothing else reaches stdout except lines that start with '#'.
// Errors (no +cmds, unreadable file, malformed line, end of file before op 0,
// a step or read that never finishes) go to stderr as "tb_core: ..." and
// end the run without "# done", so a harness can tell.
//
// The parameters are the core's; pass them on the command line.
// Icarus Verilog (from the repository root):
//   $ iverilog -g2005 -s tb_core -o tb_core.vvp \
//     -Ptb_core.SLOT_BITS=10 -Ptb_core.DELAY_BITS=4 -Ptb_core.SYN_WORDS=16384 \
//     -Ptb_core.PROFILE_BITS=8 -Ptb_core.USE_SPRAM=1 \
//     testbench/rtl/tb_core.v hdl/bram_1r1w.v hdl/spram.v hdl/neuron_lif.v \
//     hdl/syn_weight.v hdl/core_memories.v hdl/core_control.v hdl/core_deliver.v \
//     hdl/core_accum.v hdl/core_update.v hdl/snn_core.v
//   $ vvp -n tb_core.vvp +cmds=commands.txt
// With Verilator 5.006 (--binary and --timing work in this version; the clock is
// a delay loop, so no C++ harness is needed; the "$ " keeps Verilator from
// reading these comment lines as its own metacomments):
//   $ verilator --binary --timing -Wno-fatal --top-module tb_core -Mdir obj_tb \
//     -GSLOT_BITS=10 -GDELAY_BITS=4 -GSYN_WORDS=16384 -GPROFILE_BITS=8 -GUSE_SPRAM=1 \
//     testbench/rtl/tb_core.v hdl/bram_1r1w.v ... hdl/snn_core.v   (same list)
//   $ obj_tb/Vtb_core +cmds=commands.txt
// (-Wno-fatal only for the test bench's own style warnings; the core is
// clean under verilator --lint-only -Wall.)
module tb_core;
    parameter SLOT_BITS    = 10;
    parameter DELAY_BITS   = 4;
    parameter SYN_WORDS    = 16384;
    parameter PROFILE_BITS = 8;
    parameter USE_SPRAM    = 1;
    // longest wait for a step, a clear or a read, in clock cycles
    parameter MAX_WAIT     = 50000000;

    localparam STDERR = 32'h8000_0002;

    reg clk = 1'b0;
    always #5 clk = ~clk;

    reg                  rst = 1'b1;
    reg                  step_start = 1'b0, state_clear = 1'b0;
    reg                  in_valid = 1'b0;
    reg  [SLOT_BITS-1:0] in_index = {SLOT_BITS{1'b0}};
    reg                  cfg_we = 1'b0, cfg_re = 1'b0;
    reg  [3:0]           cfg_region = 4'd0;
    reg  [15:0]          cfg_addr = 16'd0;
    reg  [63:0]          cfg_wdata = 64'd0;
    wire                 busy, step_done, out_valid, cfg_rvalid;
    wire [SLOT_BITS-1:0] out_index;
    wire [63:0]          cfg_rdata;

    snn_core #(
        .SLOT_BITS(SLOT_BITS), .DELAY_BITS(DELAY_BITS), .SYN_WORDS(SYN_WORDS),
        .PROFILE_BITS(PROFILE_BITS), .USE_SPRAM(USE_SPRAM)
    ) dut (
        .clk(clk), .rst(rst), .busy(busy),
        .step_start(step_start), .step_done(step_done), .state_clear(state_clear),
        .in_valid(in_valid), .in_index(in_index),
        .out_valid(out_valid), .out_index(out_index),
        .cfg_we(cfg_we), .cfg_re(cfg_re), .cfg_region(cfg_region),
        .cfg_addr(cfg_addr), .cfg_wdata(cfg_wdata),
        .cfg_rvalid(cfg_rvalid), .cfg_rdata(cfg_rdata)
    );

    // Output spikes, in the order the core emits them.
    always @(posedge clk)
        if (out_valid) $display("O %0h", out_index);

    reg [1023:0] path;
    integer      fd, n, waited;
    reg  [31:0]  i;
    reg [63:0]   op, region, addr, data, rd, d24, d25, d26;
    reg          running;

    // fail reports an error and ends the run. Verilator lets a process run
    // on after $finish until it waits, so fail waits forever.
    task fail;
        input [8*64-1:0] msg;
        begin
            $fdisplay(STDERR, "tb_core: %0s (command %0h %0h %0h %0h)", msg, op, region, addr, data);
            $finish;
            forever @(posedge clk);
        end
    endtask

    task cfg_read;
        input  [3:0]  rg;
        input  [15:0] ad;
        output [63:0] val;
        begin
            cfg_re     <= 1'b1;
            cfg_region <= rg;
            cfg_addr   <= ad;
            @(posedge clk);
            cfg_re <= 1'b0;
            waited = 0;
            while (!cfg_rvalid) begin
                @(posedge clk);
                waited = waited + 1;
                if (waited > 8) fail("no cfg_rvalid after a read");
            end
            val = cfg_rdata;
        end
    endtask

    initial begin
        op = 0; region = 0; addr = 0; data = 0;
        if (!$value$plusargs("cmds=%s", path)) begin
            $fdisplay(STDERR, "tb_core: no command file: pass +cmds=PATH");
            $finish;
            forever @(posedge clk);
        end
        fd = $fopen(path, "r");
        if (fd == 0) begin
            $fdisplay(STDERR, "tb_core: cannot open the command file %0s", path);
            $finish;
            forever @(posedge clk);
        end
        repeat (3) @(posedge clk);
        rst <= 1'b0;
        @(posedge clk);
        running = 1'b1;
        while (running) begin
            n = $fscanf(fd, "%h %h %h %h\n", op, region, addr, data);
            if (n != 4) begin
                if ($feof(fd)) fail("end of the command file before op 0");
                else           fail("malformed command line: want four hex fields");
            end
            case (op)
            64'd0: running = 1'b0;
            64'd1: begin
                cfg_we     <= 1'b1;
                cfg_region <= region[3:0];
                cfg_addr   <= addr[15:0];
                cfg_wdata  <= data;
                @(posedge clk);
                cfg_we <= 1'b0;
            end
            64'd2: begin
                cfg_read(region[3:0], addr[15:0], rd);
                $display("R %0h %0h %0h", region[3:0], addr[15:0], rd);
            end
            64'd3: begin
                in_valid <= 1'b1;
                in_index <= addr[SLOT_BITS-1:0];
                @(posedge clk);
                in_valid <= 1'b0;
            end
            64'd4: begin
                step_start <= 1'b1;
                @(posedge clk);
                step_start <= 1'b0;
                waited = 0;
                while (!step_done) begin
                    @(posedge clk);
                    waited = waited + 1;
                    if (waited > MAX_WAIT) fail("step_done never came");
                end
                cfg_read(4'd0, 16'd24, d24);
                cfg_read(4'd0, 16'd25, d25);
                cfg_read(4'd0, 16'd26, d26);
                $display("D %0h %0h %0h", d24[31:0], d25[31:0], d26[31:0]);
            end
            64'd5: begin
                state_clear <= 1'b1;
                @(posedge clk);
                state_clear <= 1'b0;
                @(posedge clk);
                waited = 0;
                while (busy) begin
                    @(posedge clk);
                    waited = waited + 1;
                    if (waited > MAX_WAIT) fail("state clear never ended");
                end
            end
            64'd6: begin
                for (i = 0; i < addr[31:0]; i = i + 1) begin
                    cfg_read(4'd4, i[15:0], rd);
                    $display("S %0h %0h %0h", i[15:0], rd[23:0], rd[47:24]);
                end
            end
            default: fail("unknown op");
            endcase
        end
        $display("# done");
        $fclose(fd);
        $finish;
    end

endmodule
