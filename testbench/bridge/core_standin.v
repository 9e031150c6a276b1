// core_standin: a behavioural stand-in for snn_core, for testing host_bridge
// alone (test bench only; never synthesised).
//
// It has snn_core's ports and timing contract (docs/fpga-core.md) but no
// neurons. What it does instead is chosen so that the host can predict every
// reply through the bridge:
//   - every region is a plain 64-bit memory of 2^SLOT_BITS words (the address
//     wraps), except ctrl (region 0), history (6) and slot_state (3);
//   - ctrl 0, 1 (neuron_count, slot_count) are read/write, 16..18 read the
//     constants VERSION, CAPS, SYN_WORDS, 24..26 the counters of the last
//     step, 27 the status bits;
//   - an input spike sets the pending bit of its slot (any slot: range checks
//     are the bridge's business here);
//   - a step lasts STEP_CYCLES clocks; at its end slot n spikes iff its input
//     was pending and n < neuron_count; history[n] = {history[n], spike};
//     all pending bits clear; cycles = STEP_CYCLES, events = the number of
//     pending inputs, spikes = the number of spikes;
//   - a state clear keeps busy for slot_count (at least 1) clocks and clears
//     history, pending and status;
//   - reads answer after READ_LATENCY clocks.
// It checks the bridge's side of the contract and prints "X ..." for each
// violation: a command pulse while busy, two command pulses in one clock, an
// X on a command or address.
`timescale 1ns / 1ps
`default_nettype none

module core_standin #(
    parameter SLOT_BITS    = 4,
    parameter STEP_CYCLES  = 37,
    parameter READ_LATENCY = 3,
    parameter VERSION      = 32'h0001_0000,
    parameter CAPS         = 32'h0008_0404,
    parameter SYN_WORDS    = 32'd16
) (
    input  wire                 clk,
    input  wire                 rst,
    output reg                  busy,
    input  wire                 step_start,
    output reg                  step_done,
    input  wire                 state_clear,
    input  wire                 in_valid,
    input  wire [SLOT_BITS-1:0] in_index,
    output reg                  out_valid,
    output reg  [SLOT_BITS-1:0] out_index,
    input  wire                 cfg_we,
    input  wire                 cfg_re,
    input  wire [3:0]           cfg_region,
    input  wire [15:0]          cfg_addr,
    input  wire [63:0]          cfg_wdata,
    output wire                 cfg_rvalid,
    output wire [63:0]          cfg_rdata
);
    localparam integer SLOTS = 1 << SLOT_BITS;

    reg [63:0] mem [0:16*SLOTS-1];  // {region, addr mod SLOTS}
    reg [31:0] neuron_count, slot_count, cycles, events, spikes, status;
    reg [SLOTS-1:0] pending;
    reg [31:0] history [0:SLOTS-1];

    reg [READ_LATENCY-1:0] rv_pipe;
    reg [63:0] rd_pipe [0:READ_LATENCY-1];
    assign cfg_rvalid = rv_pipe[READ_LATENCY-1];
    assign cfg_rdata  = rd_pipe[READ_LATENCY-1];

    integer timer, i, n, ev, sp;
    reg clearing;
    reg [63:0] word;

    wire [SLOT_BITS-1:0] slot = cfg_addr[SLOT_BITS-1:0];

    initial begin
        busy = 0; step_done = 0; out_valid = 0; out_index = 0;
        neuron_count = 0; slot_count = 0; cycles = 0; events = 0; spikes = 0; status = 0;
        pending = 0; rv_pipe = 0; clearing = 0; timer = 0;
        for (i = 0; i < SLOTS; i = i + 1) history[i] = 0;
        for (i = 0; i < 16 * SLOTS; i = i + 1) mem[i] = 0;
        for (i = 0; i < READ_LATENCY; i = i + 1) rd_pipe[i] = 0;
    end

    always @(posedge clk) begin
        step_done <= 1'b0;
        rv_pipe <= {rv_pipe[READ_LATENCY-2:0], 1'b0};
        for (i = READ_LATENCY - 1; i > 0; i = i - 1) rd_pipe[i] <= rd_pipe[i-1];

        if (!rst && (step_start + state_clear + in_valid + cfg_we + cfg_re) > 1)
            $display("X standin: two command pulses in one clock at %0t", $time);
        if (!rst && (^{step_start, state_clear, in_valid, cfg_we, cfg_re}) === 1'bx)
            $display("X standin: a command pulse is X at %0t", $time);
        if (!rst && busy && (step_start || state_clear || in_valid || cfg_we || cfg_re)) begin
            $display("X standin: command pulse while busy at %0t", $time);
            status[1] <= 1'b1;
        end

        if (rst) begin
            busy <= 1'b0;
            rv_pipe <= 0;
        end else if (busy) begin
            if (timer > 1) begin
                timer <= timer - 1;
            end else begin
                busy <= 1'b0;
                if (clearing) begin
                    for (i = 0; i < SLOTS; i = i + 1) history[i] = 0;
                    pending <= 0;
                    status <= 0;
                end else begin
                    ev = 0; sp = 0;
                    for (n = 0; n < SLOTS; n = n + 1) begin
                        if (pending[n]) ev = ev + 1;
                        if (pending[n] && n < neuron_count) begin
                            sp = sp + 1;
                            history[n] = {history[n][30:0], 1'b1};
                        end else begin
                            history[n] = {history[n][30:0], 1'b0};
                        end
                    end
                    pending <= 0;
                    cycles <= STEP_CYCLES;
                    events <= ev;
                    spikes <= sp;
                    step_done <= 1'b1;
                end
            end
        end else if (step_start) begin
            busy <= 1'b1; clearing <= 1'b0; timer <= STEP_CYCLES;
        end else if (state_clear) begin
            busy <= 1'b1; clearing <= 1'b1;
            timer <= (slot_count > 0) ? slot_count : 1;
        end else if (in_valid) begin
            if (^in_index === 1'bx) $display("X standin: in_index is X at %0t", $time);
            pending[in_index] <= 1'b1;
        end else if (cfg_we || cfg_re) begin
            if (^{cfg_region, cfg_addr} === 1'bx)
                $display("X standin: cfg address is X at %0t", $time);
            if (cfg_we) begin
                if (^cfg_wdata === 1'bx) $display("X standin: cfg_wdata is X at %0t", $time);
                case (cfg_region)
                    4'd0: case (cfg_addr)
                              16'd0: neuron_count <= cfg_wdata[31:0];
                              16'd1: slot_count   <= cfg_wdata[31:0];
                              default: ;
                          endcase
                    4'd3: pending[slot] <= cfg_wdata[0];
                    4'd6: history[slot] = cfg_wdata[31:0];
                    default: mem[{cfg_region, slot}] <= cfg_wdata;
                endcase
            end else begin
                case (cfg_region)
                    4'd0: case (cfg_addr)
                              16'd0:  word = neuron_count;
                              16'd1:  word = slot_count;
                              16'd16: word = VERSION;
                              16'd17: word = CAPS;
                              16'd18: word = SYN_WORDS;
                              16'd24: word = cycles;
                              16'd25: word = events;
                              16'd26: word = spikes;
                              16'd27: word = status;
                              default: word = 0;
                          endcase
                    4'd3: word = {63'd0, pending[slot]};
                    4'd6: word = {32'd0, history[slot]};
                    default: word = mem[{cfg_region, slot}];
                endcase
                rv_pipe[0] <= 1'b1;
                rd_pipe[0] <= word;
            end
        end
    end
endmodule

`default_nettype wire
