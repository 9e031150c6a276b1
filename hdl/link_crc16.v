// link_crc16: one byte of the link's frame check, CRC-16/IBM-3740 (also
// called CRC-16/CCITT-FALSE; docs/protocol.md, "CRC"): polynomial 0x1021,
// MSB first, no reflection, no final XOR. The register starts at 0xFFFF
// (the caller's reset value); the check of "123456789" is 0x29B1.
//
// Memories: none. Pipeline: none, combinational: next = crc after `data`.
// The caller holds the register: link_rx runs one over type .. CRC of a
// received frame and tests it for zero; link_tx runs one over type ..
// payload of a frame it sends and appends it high byte first.
//
// The twin in Go is driver/wire's CRC16; testbench/link pins them to each
// other on random data.
`default_nettype none

module link_crc16 (
    input  wire [15:0] crc,   // the register before the byte
    input  wire [7:0]  data,  // the byte
    output reg  [15:0] next   // the register after it
);
    integer i;
    always @* begin
        next = crc ^ {data, 8'h00};
        for (i = 0; i < 8; i = i + 1)
            next = next[15] ? ({next[14:0], 1'b0} ^ 16'h1021) : {next[14:0], 1'b0};
    end
endmodule

`default_nettype wire
