// tb_crc: link_crc16 alone. Reads a file (+script=PATH) of commands:
//   b XX   run the CRC register over byte XX (hex)
//   c      print "C XXXX" (the register) and restart it at 0xFFFF
//   q      print "END" and stop
`timescale 1ns / 1ps
`default_nettype none

module tb_crc;
    reg  [15:0] crc;
    reg  [7:0]  data;
    wire [15:0] next;

    link_crc16 dut (.crc(crc), .data(data), .next(next));

    reg [8*256-1:0] path;
    integer fd, code, arg;
    reg [7:0] cmd;

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
        crc = 16'hFFFF;
        forever begin
            code = $fscanf(fd, " %c", cmd);
            if (code != 1) begin
                $display("X script ends without q");
                $finish;
            end
            case (cmd)
                "b": begin
                    code = $fscanf(fd, "%h", arg);
                    data = arg[7:0];
                    #1;
                    crc = next;
                end
                "c": begin
                    $display("C %04x", crc);
                    crc = 16'hFFFF;
                end
                "q": begin
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
