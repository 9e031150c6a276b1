package wire

// The frame check is CRC-16/IBM-3740, better known as CRC-16/CCITT-FALSE:
// polynomial 0x1021, initial value 0xFFFF, no reflection of input or
// output, no final XOR; its check value (the CRC of the ASCII bytes
// "123456789") is 0x29B1. It is sent high byte first so that the CRC of a
// whole frame after the sync byte, check included, is 0: the board's
// receiver runs one CRC register over every byte it stores and tests it
// for zero at the end, without holding the received check apart.
const (
	CRCPoly  = 0x1021
	CRCInit  = 0xFFFF
	CRCCheck = 0x29B1 // CRC16([]byte("123456789"))
)

// crcTable is the byte-at-a-time table of CRCPoly (MSB first).
var crcTable = func() (t [256]uint16) {
	for i := range t {
		c := uint16(i) << 8
		for range 8 {
			if c&0x8000 != 0 {
				c = c<<1 ^ CRCPoly
			} else {
				c <<= 1
			}
		}
		t[i] = c
	}
	return t
}()

// UpdateCRC continues a CRC over p; start from CRCInit.
func UpdateCRC(crc uint16, p []byte) uint16 {
	for _, b := range p {
		crc = crc<<8 ^ crcTable[byte(crc>>8)^b]
	}
	return crc
}

// CRC16 returns the frame check of p (CRC-16/IBM-3740).
func CRC16(p []byte) uint16 { return UpdateCRC(CRCInit, p) }
