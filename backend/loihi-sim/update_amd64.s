#include "textflag.h"

// func updateBlocksAVX2(k *vectorConsts, u, v, refractory, in *int32, blocks int, spikeMasks *uint8)
//
// updateNeurons (model.go) for blocks of 8 neurons sharing one
// configuration, 8 lanes of int32 at a time, without a branch. x·f/4096
// rounded toward zero is computed exactly in 32 bits from x = q·4096 + r
// (q = x>>12, r = x&4095): q·f + (r·f)>>12 is the floor, plus 1 where x is
// negative and r·f is not a multiple of 4096. Each block's spiking lanes
// are written as a byte of spikeMasks.
TEXT ·updateBlocksAVX2(SB), NOSPLIT, $0-56
	MOVQ k+0(FP), AX
	MOVL 32(AX), R11 // resetKeep: 0 (reset to zero) or -1 (subtract), the same for every block
	MOVQ u+8(FP), SI
	MOVQ v+16(FP), R8
	MOVQ refractory+24(FP), R9
	MOVQ in+32(FP), DI
	MOVQ blocks+40(FP), DX
	MOVQ spikeMasks+48(FP), R10

	VPBROADCASTD 0(AX), Y6   // decay factor of u
	VPBROADCASTD 4(AX), Y7   // decay factor of v
	VPBROADCASTD 8(AX), Y8   // 4095
	VPBROADCASTD 12(AX), Y9  // bias
	VPBROADCASTD 16(AX), Y10 // threshold
	VPBROADCASTD 20(AX), Y11 // lowest v
	VPBROADCASTD 24(AX), Y12 // highest v
	VPBROADCASTD 28(AX), Y13 // refractory steps after a spike
	VPXOR    Y14, Y14, Y14   // 0
	VPCMPEQD Y15, Y15, Y15   // -1

	XORQ BX, BX // neuron
	XORQ CX, CX // block

loop:
	CMPQ CX, DX
	JGE  done

	// u = wrap24(decay(u) + in); in = 0
	VMOVDQU  (SI)(BX*4), Y0
	VPSRAD   $12, Y0, Y1
	VPAND    Y8, Y0, Y2
	VPMULLD  Y6, Y1, Y1
	VPMULLD  Y6, Y2, Y2
	VPSRLD   $12, Y2, Y3
	VPADDD   Y3, Y1, Y1
	VPAND    Y8, Y2, Y2
	VPCMPEQD Y14, Y2, Y2
	VPSRAD   $31, Y0, Y0
	VPANDN   Y0, Y2, Y2
	VPSUBD   Y2, Y1, Y1
	VPADDD   (DI)(BX*4), Y1, Y1
	VPSLLD   $8, Y1, Y1
	VPSRAD   $8, Y1, Y1
	VMOVDQU  Y1, (SI)(BX*4)
	VMOVDQU  Y14, (DI)(BX*4)

	// y = clamp(decay(v) + u + bias)
	VMOVDQU  (R8)(BX*4), Y0
	VPSRAD   $12, Y0, Y2
	VPAND    Y8, Y0, Y3
	VPMULLD  Y7, Y2, Y2
	VPMULLD  Y7, Y3, Y3
	VPSRLD   $12, Y3, Y4
	VPADDD   Y4, Y2, Y2
	VPAND    Y8, Y3, Y3
	VPCMPEQD Y14, Y3, Y3
	VPSRAD   $31, Y0, Y0
	VPANDN   Y0, Y3, Y3
	VPSUBD   Y3, Y2, Y2
	VPADDD   Y1, Y2, Y2
	VPADDD   Y9, Y2, Y2
	VPMAXSD  Y11, Y2, Y2
	VPMINSD  Y12, Y2, Y2

	// held = refractory > 0; spike = !held && y > threshold
	// refractory = held ? refractory-1 : spike ? steps : 0
	VMOVDQU  (R9)(BX*4), Y0
	VPCMPGTD Y14, Y0, Y3
	VPCMPGTD Y10, Y2, Y4
	VPANDN   Y4, Y3, Y4
	TESTL    R11, R11
	JNZ      subtract

	// reset to zero: v = held || spike ? 0 : y
	VPOR   Y4, Y3, Y5
	VPANDN Y2, Y5, Y2
	JMP    store

subtract:
	// v = held ? v : spike ? y - threshold : y
	VPSUBD Y10, Y2, Y5
	VPAND  Y4, Y5, Y5
	VPANDN Y2, Y4, Y2
	VPOR   Y5, Y2, Y2
	VPANDN Y2, Y3, Y2
	VPAND  (R8)(BX*4), Y3, Y5
	VPOR   Y5, Y2, Y2

store:
	VMOVDQU Y2, (R8)(BX*4)
	VPADDD    Y15, Y0, Y0
	VPAND     Y3, Y0, Y0
	VPAND     Y13, Y4, Y5
	VPOR      Y5, Y0, Y0
	VMOVDQU   Y0, (R9)(BX*4)
	VMOVMSKPS Y4, AX
	MOVB      AX, (R10)(CX*1)

	ADDQ $8, BX
	INCQ CX
	JMP  loop

done:
	VZEROUPPER
	RET

// func spinPause()
//
// PAUSE: a waiting loop's hint to the core, so that a member of team.go
// spinning for the next phase takes fewer of the resources a sibling
// hardware thread is using for the work.
TEXT ·spinPause(SB), NOSPLIT, $0-0
	PAUSE
	RET
