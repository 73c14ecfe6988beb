/* Fused optimizer updates: one pass over param, grad and state per rule (see tge.h).
 *
 * The rules are written once, for a generic element type, in optim_kernels.inc; this file instantiates them
 * for float and double.
 */
#include <float.h>
#include <math.h>

#include "tge.h"

/* Each kernel is compiled for AVX-512, AVX2 and the baseline, and the dynamic loader binds the best one this CPU
 * runs (GCC function multi-versioning). Wider vectors do not change a single rounding: IEEE sqrt and division are
 * exact in every width, and -std=c11 forbids fusing a*b+c. */
#define KERNEL_TARGETS __attribute__((target_clones("avx512f", "avx2", "default")))
#define INLINE_LOOP static inline __attribute__((always_inline)) void

#define T float
#define T_MIN FLT_MIN
#define FABS fabsf
#define SQRT sqrtf
#define KERNEL(rule) tge_##rule##_f32
#include "optim_kernels.inc"
#undef T
#undef T_MIN
#undef FABS
#undef SQRT
#undef KERNEL

#define T double
#define T_MIN DBL_MIN
#define FABS fabs
#define SQRT sqrt
#define KERNEL(rule) tge_##rule##_f64
#include "optim_kernels.inc"
#undef T
#undef T_MIN
#undef FABS
#undef SQRT
#undef KERNEL
