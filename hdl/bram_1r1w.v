// bram_1r1w.v - a memory with one registered read port and one write port,
// written so that yosys infers iCE40 block RAM (SB_RAM40_4K) for it.
//
// Memory: DEPTH words of WIDTH bits; the meaning of the bits belongs to the
// instance (see core_memories.v). The write port has LANES write enables,
// each for WIDTH / LANES consecutive bits (we[0] for the lowest): a lane
// whose enable is 0 keeps its bits. In the iCE40 block RAM a lane is a
// group of whole SB_RAM40_4K (or their bit mask in the 256 x 16 mode).
//
// Pipeline: one stage. The address presented in cycle c with re = 1 gives
// rdata in cycle c+1; with re = 0 rdata holds its value (the BRAM's read
// clock enable), which the history scanner uses to stall.
//
// A read and a write of the same address in the same cycle return an
// undefined word: (* no_rw_check *) tells yosys so, which saves the
// collision-emulation flip-flops and comparators it would otherwise add
// (about 40 logic cells per memory). No client of this module depends on
// such a collision: the accumulator forwards instead (core_accum.v).
// In simulation the memory starts as X (the FPGA starts block RAM at 0):
// every word the core reads is written first by configuration or by a
// state clear.
module bram_1r1w #(
    parameter WIDTH = 16,
    parameter DEPTH = 256,
    parameter ABITS = 8,
    parameter LANES = 1            // must divide WIDTH
) (
    input                  clk,
    input                  re,
    input      [ABITS-1:0] raddr,
    output reg [WIDTH-1:0] rdata,
    input      [LANES-1:0] we,
    input      [ABITS-1:0] waddr,
    input      [WIDTH-1:0] wdata
);

    (* no_rw_check *)
    reg [WIDTH-1:0] mem [0:DEPTH-1];

    localparam LW = WIDTH / LANES;

    integer i;
    always @(posedge clk) begin
        for (i = 0; i < LANES; i = i + 1)
            if (we[i]) mem[waddr][i*LW +: LW] <= wdata[i*LW +: LW];
        if (re) rdata <= mem[raddr];
    end

endmodule
