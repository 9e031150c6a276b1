// Package wire is the byte-level link protocol between the host and the
// FPGA board, version 1 (docs/protocol.md): the frames, their encoding,
// a streaming decoder, and the helpers that cut a step's spikes and a
// configuration image into frames. The same bytes travel over UART and
// SPI; this package knows nothing of either, of timing or of
// retransmission, which belong to the driver.
//
// A frame is
//
//	Sync 0xA5 | type u8 | seq u8 | len u8 | payload (len bytes, ≤ 250) | CRC-16 u16, high byte first
//
// with every multi-byte payload field little-endian and the CRC
// (CRC-16/IBM-3740, "CCITT-FALSE", see CRC16) over type..payload. Frames
// are at most 256 bytes because the board buffers whole received frames
// in one 512-byte block RAM and checks the CRC before it acts.
//
// Encode or AppendFrame writes a Frame; a Decoder (or a Reader around an
// io.Reader) finds frames in a stream, dropping and counting garbage,
// false sync bytes, bad CRCs and meaningless payloads, with at most one
// frame held, whatever it is fed. InputFrames and OutputFrames choose AER
// or bitmap for a step's spikes; ConfigWrites packs an fpga.Image's words
// into Write frames.
//
// The decoder's fuzz test runs in seconds with
//
//	go test -run '^$' -fuzz FuzzDecoder -fuzztime 20000x ./driver/wire
package wire
