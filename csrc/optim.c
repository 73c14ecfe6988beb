/* Fused optimizer updates: one pass over param, grad and state per rule (see tge.h).
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
