// syn_weight.v - the synaptic increment: snnc's one Verilog definition of
// what a spike through one synapse adds to its target's input (Go twin:
// loihisim.Increment with the weight classes of docs/fpga-core.md).
//
// A weight class (ctrl words 8..15, 8 bits each) is
//   [4:0] shift = s + 2,  [5] signed,  [6] negate,  [7] unused.
// The weight value is v = sext9(m) if signed, else -m if negate, else m
// (9-bit two's complement), and the increment is
//   ((v sign-extended to 26 bits) << shift) >>> 2, low 24 bits,
// i.e. m * 2^s, rounded toward minus infinity when s < 0 (s = -2, -1),
// modulo 2^24 like the accumulator it feeds.
//
// No memories; the eight classes are flip-flops in core_control.v.
// Pipeline, LATENCY = 2, one synapse per clock, no stall:
//   stage 1  look up the class, form the 9-bit value v (negate when asked)
//   stage 2  the 26-bit left shift; the output is bits [25:2]
module syn_weight (
    input             clk,
    input      [63:0] classes,     // class k in [8k+7:8k]
    input      [2:0]  cls,         // cycle c
    input      [7:0]  m,           // cycle c
    output     [23:0] inc          // cycle c + 2
);

    wire [7:0] c = classes[{cls, 3'b000} +: 8];
    wire [8:0] pos = {1'b0, m};
    wire [8:0] value = c[5] ? {m[7], m} : c[6] ? 9'd0 - pos : pos;

    reg [8:0] v1;
    reg [4:0] shift1;
    always @(posedge clk) begin
        v1     <= value;
        shift1 <= c[4:0];
    end

    wire [25:0] wide = {{17{v1[8]}}, v1} << shift1;
    reg  [23:0] inc2;
    always @(posedge clk) inc2 <= wide[25:2];

    assign inc = inc2;

    wire unused_bits = &{1'b0, c[7], wide[1:0]};

endmodule
