/* Fused optimizer updates: one pass over param, grad and state per rule (contracts: tge.h).
 *
 * The rules are written once, for a generic element type, in optim_kernels.inc; this file instantiates them
 * for float and double.
 */
#include <float.h>
#include <math.h>

#include "multiversion.h"
#include "overlap.h"
#include "parallel.h"
#include "tge.h"

#define INLINE_LOOP static inline __attribute__((always_inline)) void

/* Opens every kernel: return -2 when two of the listed n-element buffers (NULL ones are absent) share memory. */
#define REFUSE_OVERLAP(...)                                                                 \
    do {                                                                                    \
        const void *const buffers_[] = {__VA_ARGS__};                                       \
        const int count_ = (int)(sizeof buffers_ / sizeof *buffers_);                       \
        if (any_overlap(buffers_, count_, (size_t)n * sizeof(T))) return -2;                \
    } while (0)

#define T float
#define T_MIN FLT_MIN
#define FABS fabsf
#define SQRT sqrtf
#define TYPED(name) name##_f32        /* a helper or type of this dtype */
#define KERNEL(name) tge_##name##_f32 /* an exported kernel (tge.h) */
#include "optim_kernels.inc"
#undef T
#undef T_MIN
#undef FABS
#undef SQRT
#undef TYPED
#undef KERNEL

#define T double
#define T_MIN DBL_MIN
#define FABS fabs
#define SQRT sqrt
#define TYPED(name) name##_f64
#define KERNEL(name) tge_##name##_f64
#include "optim_kernels.inc"
#undef T
#undef T_MIN
#undef FABS
#undef SQRT
#undef TYPED
#undef KERNEL
