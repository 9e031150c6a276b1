// link_spi: the SPI transport of the link (docs/protocol.md, "SPI"): the
// board is the peripheral, mode 0 (SCK idles low, both sides sample on the
// rising edge), MSB first, 8-bit words, chip select active low, full
// duplex. It turns the pins into the byte stream of link_stream.v, as
// uart_rx.v and uart_tx.v do for the UART.
//
// Memories: none. The pins are asynchronous to clk: sck, cs_n and mosi each
// pass two flip-flops (sck a third, the previous level, to find its rising
// edge), with the same delay, so the mosi seen at a detected rising edge is
// the level it had at that edge. The edge is acted on 2..3 clocks after it
// happened; SCK at most CLK_HZ/8 leaves 4 clocks or more from a rising edge
// to the next falling one, and 8 to the next rising one.
//
// Receiving: at each rising edge with cs_n low, mosi is shifted in; the
// eighth bit completes a byte, given to link_rx with a one-clock rx_valid.
//
// Sending: miso is bit 7 of the shift register `sh`, which shifts left
// after each rising edge has been seen (the host sampled that bit at the
// edge; the next one is on the line 2..3 clocks later, well before the next
// rising edge). The byte to send is chosen only where no rising edge can be
// in flight: while cs_n is high, and at the eighth rising edge of a byte
// (the next byte's first rising edge is a whole SCK period later). Then a
// byte that link_tx offers is taken (tx_ready), else `sh` holds the idle
// byte 0x00 and `full` is low, and a byte that link_tx offers later is
// taken at the next such point. The host must therefore lower cs_n at least
// half an SCK period (4 clocks at CLK_HZ/8) before the first rising edge,
// as SPI controllers do. A transfer ended (cs_n high) in the middle of a
// byte loses that byte in both directions: the frame it was in fails its
// CRC, which the protocol recovers from.
//
// idle: no byte partly shifted, no byte of link_tx waiting in `sh`, no
// received byte being handed over.
`default_nettype none

module link_spi (
    input  wire       clk,
    input  wire       rst,
    // the pins
    input  wire       spi_sck,
    input  wire       spi_cs_n,
    input  wire       spi_mosi,
    output wire       spi_miso,
    // bytes from the host, to link_rx
    output reg  [7:0] rx_data,
    output reg        rx_valid,
    // bytes to the host, from link_tx
    input  wire [7:0] tx_data,
    input  wire       tx_valid,
    output wire       tx_ready,
    output wire       idle
);
    reg [2:0] sck_s;   // [0], [1]: synchroniser; [2]: the previous level
    reg [1:0] cs_s, mosi_s;
    wire      rise     = sck_s[1] & ~sck_s[2];
    wire      deselect = cs_s[1];

    reg [2:0] nbit;    // bits of the current byte so far
    reg [6:0] rsh;     // bits received, the first one highest
    reg [7:0] sh;      // bits to send, the next one in [7]
    reg       full;    // sh holds a byte of link_tx not yet begun

    assign spi_miso = sh[7];
    // The points where the next byte is chosen (above); a function of
    // registers only, as uart_tx's ready, so link_tx may look at it.
    assign tx_ready = !rst && (deselect ? !full : (rise && nbit == 3'd7));
    assign idle     = (nbit == 3'd0) && !full && !rx_valid;

    always @(posedge clk) begin
        if (rst) begin
            sck_s  <= 3'b000;
            cs_s   <= 2'b11;
            mosi_s <= 2'b00;
        end else begin
            sck_s  <= {sck_s[1:0], spi_sck};
            cs_s   <= {cs_s[0], spi_cs_n};
            mosi_s <= {mosi_s[0], spi_mosi};
        end
    end

    always @(posedge clk) begin
        rx_valid <= 1'b0;
        if (rst) begin
            nbit <= 3'd0;
            sh   <= 8'h00;
            full <= 1'b0;
        end else if (deselect) begin
            nbit <= 3'd0;
            if (!full) begin
                // empty, or a byte cut short by cs_n: offer link_tx's next
                sh   <= tx_valid ? tx_data : 8'h00;
                full <= tx_valid;
            end
        end else if (rise) begin
            nbit <= nbit + 3'd1;
            full <= 1'b0;
            if (nbit == 3'd7) begin
                rx_data  <= {rsh, mosi_s[1]};
                rx_valid <= 1'b1;
                sh       <= tx_valid ? tx_data : 8'h00;
                full     <= tx_valid;
            end else begin
                rsh <= {rsh[5:0], mosi_s[1]};
                sh  <= {sh[6:0], 1'b0};
            end
        end
    end
endmodule

`default_nettype wire
