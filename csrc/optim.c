/* Fused optimizer updates: one pass over param, grad and state per rule (see tge.h).
 *
 * The rules are written once, for a generic element type, in optim_kernels.inc; this file instantiates them
 * for float and double.
 */
#include <math.h>

#include "tge.h"

#define T float
#define SQRT sqrtf
#define KERNEL(rule) tge_##rule##_f32
#include "optim_kernels.inc"
#undef T
#undef SQRT
#undef KERNEL

#define T double
#define SQRT sqrt
#define KERNEL(rule) tge_##rule##_f64
#include "optim_kernels.inc"
#undef T
#undef SQRT
#undef KERNEL
