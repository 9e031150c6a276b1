// neuron_lif.v - the integer CUBA LIF update of one neuron: snnc's one
// Verilog definition of the neuron arithmetic (docs/neuron-model.md; its Go
// twin is NeuronConfig.Update in backend/loihi-sim/model.go, and tests pin
// the two to each other spike for spike and bit for bit).
//
//   u' = wrap24(trunc0(u * decay_u / 4096) + acc)
//   if r > 0:  r' = r - 1, v' = v (held), no spike
//   else:      x = trunc0(v * (4096 - dv) / 4096) + u' + (bias_mant << bias_exp)
//              spike iff x > vth << 6 (on the unclipped x)
//              no spike:          v' = clip(x, -(2^23-1), 2^23-1)
//              spike, reset zero: v' = 0,                          r' = refractory
//              spike, subtract:   v' = clip(x, ...) - (vth << 6),  r' = refractory
//
// The held v is not carried down the pipeline: v_we is 0 while refractory
// and the write-back (core_update.v) then leaves v in state_uv as it was,
// which is v' = v without 5 x 24 flip-flops. On a spike x > vth << 6 >= 0,
// so only the upper clip can apply, and clip(x) - (vth << 6) is either
// x - (vth << 6) or, when x >= 2^23, (2^23-1) - (vth << 6) = {~vth, 6'h3f}
// (vth << 6 has 23 bits); both lie in 0 .. 2^23-1.
//
// No memories. A free-running pipeline (one neuron per clock, no stall),
// LATENCY = 5: inputs presented in cycle c give outputs in cycle c+5.
//
//   stage 1  register the operands; 4096 - dv; bias = bias_mant << bias_exp
//   stage 2  the products, each split at bit 16 of the state so every
//            multiply is at most 16 x 16 (one SB_MAC16 with synth_ice40 -dsp,
//            or a small logic multiplier on the HX8K):
//              p = u * f = (sext(u[23:16]) * f) << 16 + u[15:0] * f
//   stage 3  trunc0(p / 4096) = floor(p / 4096) + (p < 0 and p mod 4096 != 0):
//            floor(p / 4096) = (hi << 4) + (lo >> 12) and p mod 4096 = lo[11:0],
//            because (hi << 16) is a multiple of 4096;
//            bias - (vth << 6) - 1 for the threshold test
//   stage 4  u' = wrap24(du + acc);  dv + bias;  dv + bias - thr - 1
//   stage 5  x = dv + bias + u';  x > thr  <=>  (dv + bias - thr - 1) + u' >= 0,
//            computed beside x so the compare is not in series with the add;
//            beside both, the low 24 bits of x - thr = (dv + bias - thr - 1)
//            + u' + 1, the residue of a reset by subtraction
//   output   (combinational) refractory, clip and reset-on-spike in the
//            write-back multiplexer: the reset is not a synchronous reset
//            of the clip chain, which kept the v path short on the UP5K.
//            The reset mode and vth ride along from stage 1 to choose the
//            residue (and its clipped form) there.
//
// Widths: the decayed v lies in [-2^23, 2^23-1], u' in 24 bits and the bias
// in [-2^19, 2^19-128], so x needs 26 bits and x - thr - 1 27; both are
// carried in 27 bits.
module neuron_lif (
    input                clk,
    // state and input of the neuron, cycle c
    input  signed [23:0] u_in,
    input  signed [23:0] v_in,
    input         [23:0] acc_in,       // I(t) modulo 2^24
    input         [3:0]  r_in,         // refractory steps left
    // its profile (docs/fpga-core.md, region 1), cycle c
    input         [11:0] decay_u,      // 4095 - du
    input         [11:0] dv,
    input         [16:0] vth,
    input         [12:0] bias_mant,
    input         [2:0]  bias_exp,
    input         [3:0]  refractory,
    input                reset_sub,    // 1: reset by subtraction, 0: to zero
    // results, cycle c + 5
    output        [23:0] u_out,
    output        [23:0] v_out,
    output               v_we,         // 0: v keeps its value (refractory)
    output        [3:0]  r_out,
    output               spike
);

    // ---- stage 1: operands
    reg        [23:0] u1, v1, acc1;
    reg        [11:0] fu1;             // decay_u
    reg        [12:0] fv1;             // 4096 - dv, 1..4096
    reg signed [19:0] bias1;           // bias_mant << bias_exp
    reg        [16:0] vth1;            // thr = vth << 6
    reg        [3:0]  r1, refr1;
    reg               rs1;             // reset by subtraction
    always @(posedge clk) begin
        u1    <= u_in;
        v1    <= v_in;
        acc1  <= acc_in;
        fu1   <= decay_u;
        fv1   <= 13'd4096 - {1'b0, dv};
        bias1 <= $signed({{7{bias_mant[12]}}, bias_mant}) <<< bias_exp;
        vth1  <= vth;
        r1    <= r_in;
        refr1 <= refractory;
        rs1   <= reset_sub;
    end

    // ---- stage 2: products, split at bit 16 of the state
    reg        [27:0] plo_u2;          // u[15:0] * decay_u, unsigned
    reg signed [20:0] phi_u2;          // sext(u[23:16]) * decay_u
    reg        [28:0] plo_v2;          // v[15:0] * (4096 - dv), unsigned
    reg signed [21:0] phi_v2;          // sext(v[23:16]) * (4096 - dv)
    reg               us2, vs2;        // signs of u and v
    reg        [23:0] acc2;
    reg signed [19:0] bias2;
    reg        [3:0]  r2, refr2;
    reg        [16:0] vth2;
    reg               rs2;
    always @(posedge clk) begin
        plo_u2 <= {12'd0, u1[15:0]} * {16'd0, fu1};
        phi_u2 <= $signed({{13{u1[23]}}, u1[23:16]}) * $signed({9'd0, fu1});
        plo_v2 <= {13'd0, v1[15:0]} * {16'd0, fv1};
        phi_v2 <= $signed({{14{v1[23]}}, v1[23:16]}) * $signed({9'd0, fv1});
        us2    <= u1[23];
        vs2    <= v1[23];
        acc2   <= acc1;
        bias2  <= bias1;
        r2     <= r1;
        refr2  <= refr1;
        vth2   <= vth1;
        rs2    <= rs1;
    end

    // ---- stage 3: trunc0 of both products
    // A negative product with a nonzero remainder rounds up by one; the
    // correction enters the sum as a carry-in.
    wire cu = us2 & (|plo_u2[11:0]);
    wire cv = vs2 & (|plo_v2[11:0]);
    reg        [23:0] du3;             // trunc0(u * decay_u / 4096)
    reg signed [24:0] dv3;             // trunc0(v * (4096 - dv) / 4096)
    reg        [23:0] acc3;
    reg signed [19:0] bias3;
    reg signed [24:0] bt3;             // bias - thr - 1
    reg        [3:0]  r3, refr3;
    reg        [16:0] vth3;
    reg               rs3;
    // Only the low 24 bits of the u sum and 25 of the v sum are kept: the
    // results are no larger in magnitude than u and v.
    wire [24:0] du_sum = {phi_u2, 4'd0} + {9'd0, plo_u2[27:12]} + {24'd0, cu};
    wire [25:0] dv_sum = {phi_v2, 4'd0} + {9'd0, plo_v2[28:12]} + {25'd0, cv};
    wire unused_sum_tops = &{1'b0, du_sum[24], dv_sum[25]};
    always @(posedge clk) begin
        du3   <= du_sum[23:0];
        dv3   <= dv_sum[24:0];
        acc3  <= acc2;
        bias3 <= bias2;
        bt3   <= {{5{bias2[19]}}, bias2} + {2'b11, ~vth2, 6'h3f};   // + ~thr
        r3    <= r2;
        refr3 <= refr2;
        vth3  <= vth2;
        rs3   <= rs2;
    end

    // ---- stage 4: u' and the two partial sums of the v path
    reg        [23:0] u4;
    reg signed [26:0] vb4;             // dv + bias
    reg signed [26:0] vt4;             // dv + bias - thr - 1
    reg        [3:0]  r4, refr4;
    reg        [16:0] vth4;
    reg               rs4;
    always @(posedge clk) begin
        u4    <= du3 + acc3;           // wrap24: the carry out is dropped
        vb4   <= {{2{dv3[24]}}, dv3} + {{7{bias3[19]}}, bias3};
        vt4   <= {{2{dv3[24]}}, dv3} + {{2{bt3[24]}}, bt3};
        r4    <= r3;
        refr4 <= refr3;
        vth4  <= vth3;
        rs4   <= rs3;
    end

    // ---- stage 5: x and the threshold test side by side
    reg        [23:0] u5;
    reg signed [26:0] x5;
    reg               gt5;             // x > vth << 6
    reg        [23:0] s5;              // x - thr, low 24 bits
    reg        [3:0]  r5, refr5;
    reg        [16:0] vth5;
    reg               rs5;
    wire signed [26:0] g4 = vt4 + {{3{u4[23]}}, u4};
    wire unused_g4_low = &{1'b0, g4[25:0]};   // only the sign matters
    always @(posedge clk) begin
        u5    <= u4;
        x5    <= vb4 + {{3{u4[23]}}, u4};
        gt5   <= ~g4[26];
        // x - thr = g4 + 1, as a subtraction so that the +1 is the carry-in
        s5    <= u4 - ~vt4[23:0];
        r5    <= r4;
        refr5 <= refr4;
        vth5  <= vth4;
        rs5   <= rs4;
    end

    // ---- output: clip, refractory and reset-on-spike
    // x is clipped to [-(2^23-1), 2^23-1]: it overflows upwards when it is
    // positive with any of bits 25..23 set, downwards when it is negative
    // and either bits 25..23 are not all set or it is exactly -2^23.
    wire       refr_active = |r5;
    wire       pos_ovf = ~x5[26] & (|x5[25:23]);
    wire       neg_ovf = x5[26] & (~(&x5[25:23]) | ~(|x5[22:0]));
    wire [23:0] x_clip = pos_ovf ? 24'h7fffff : neg_ovf ? 24'h800001 : x5[23:0];
    // After a spike (x > thr >= 0, so never neg_ovf): the residue
    // clip(x) - thr, or 0.
    wire [23:0] v_reset = ~rs5 ? 24'd0 : pos_ovf ? {1'b0, ~vth5, 6'h3f} : s5;

    assign u_out = u5;
    assign spike = ~refr_active & gt5;
    assign v_out = gt5 ? v_reset : x_clip;
    assign v_we  = ~refr_active;
    assign r_out = refr_active ? r5 - 4'd1 : gt5 ? refr5 : 4'd0;

endmodule
