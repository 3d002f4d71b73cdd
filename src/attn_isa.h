/*
 * attn_isa.h - instantiate attn_tmpl.h for the element type attn.c has
 * just defined (T ..., T_SUF the type's suffix, T_FMA its fused
 * multiply-add builtin) at every ISA level (ISA, gemm.h's level, which
 * its products run at): generic (suffix 0), and on
 * x86-64 AVX2 + FMA (suffix 1) and AVX-512F (suffix 2: the loops of the
 * softmax in 512-bit vectors; built for AVX2 under -DGEMM_AVX512_EMULATE,
 * as gemm.c does, so that the level can be tested without the CPU).
 * VBYTES is the level's vector width in bytes, VACC how many vector
 * registers a kernel may fill with partial sums (16 of AVX-512's 32,
 * 12 of the 16 of SSE2 and AVX2): register tiles are sized from them.
 * X512, defined for the real AVX-512 level only, has attn_tmpl.h do
 * four steps with AVX-512 instructions (vmax, vmin, vldexp and anylow
 * there), and
 * X256, at the AVX2 level, two (vmax, vmin), its FMAs with constants
 * (vfmac) and the test of normal() with AVX2's intrinsics.  FUSED, at
 * both, says that FMA rounds once (at the generic level it is a
 * multiply and an add), which divl() needs.
 */
#define SUF CAT(T_SUF, 0)
#define ISA GEMM_ISA_GENERIC
#define TARGET
#define FMA GEN_FMA
#define VBYTES 16
#define VACC 12
#include "attn_tmpl.h"
#undef SUF
#undef ISA
#undef TARGET
#undef FMA
#undef VBYTES
#undef VACC

#if defined(__x86_64__)
#define SUF CAT(T_SUF, 1)
#define ISA GEMM_ISA_AVX2
#define TARGET __attribute__((target("avx2,fma")))
#define FMA T_FMA
#define VBYTES 32
#define VACC 12
#define X256
#define FUSED
#include "attn_tmpl.h"
#undef FUSED
#undef X256
#undef SUF
#undef ISA
#undef TARGET
#undef FMA
#undef VBYTES
#undef VACC

#define SUF CAT(T_SUF, 2)
#define ISA GEMM_ISA_AVX512
#ifdef GEMM_AVX512_EMULATE
#define TARGET __attribute__((target("avx2,fma")))
#elif defined(__clang__)	/* which has no prefer-vector-width */
#define TARGET __attribute__((target("avx512f,avx2,fma")))
#else
#define TARGET __attribute__((target("avx512f,avx2,fma,prefer-vector-width=512")))
#endif
#define FMA T_FMA
#define VBYTES 64
#define VACC 16
#ifndef GEMM_AVX512_EMULATE
#define X512
#endif
#define FUSED
#include "attn_tmpl.h"
#undef FUSED
#undef X512
#undef SUF
#undef ISA
#undef TARGET
#undef FMA
#undef VBYTES
#undef VACC
#endif
