// spram.v - a single-port memory written so that yosys infers the UP5K's
// SB_SPRAM256KA (16K x 16 each; wider instances cascade by width).
//
// Memory: DEPTH words of WIDTH bits; the meaning of the bits belongs to the
// instance (see core_memories.v).
//
// Pipeline: one stage. In cycle c either the word at addr is written
// (we = 1) or it is read, giving rdata in cycle c+1; during a write rdata
// keeps its value. This is the SPRAM's own behaviour (no read during
// write), and yosys 0.23 maps the memory to SPRAM only in this form and
// with ram_style "huge".
// SPRAM is not initialised by the bitstream: the host writes every word the
// core reads.
module spram #(
    parameter WIDTH = 16,
    parameter DEPTH = 16384,
    parameter ABITS = 14
) (
    input                  clk,
    input                  we,
    input      [ABITS-1:0] addr,
    input      [WIDTH-1:0] wdata,
    output reg [WIDTH-1:0] rdata
);

    (* ram_style = "huge" *)
    reg [WIDTH-1:0] mem [0:DEPTH-1];

    always @(posedge clk) begin
        if (we) mem[addr] <= wdata;
        else rdata <= mem[addr];
    end

endmodule
