#include "textflag.h"

// func prefetchRow(first, last *uint8, gh *gradPair)
TEXT ·prefetchRow(SB), NOSPLIT, $0-24
	MOVQ first+0(FP), AX
	PREFETCHT0 (AX)
	MOVQ last+8(FP), AX
	PREFETCHT0 (AX)
	MOVQ gh+16(FP), AX
	PREFETCHT0 (AX)
	RET
