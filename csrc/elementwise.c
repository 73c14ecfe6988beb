/* The element-wise passes of the layers (ReLU forward and backward, Linear's bias) in one pass each, split over
 * the threads when big. They give the same bits as the numpy lines of tinygrad_edu/backend/reference.py: one
 * IEEE operation per element, in the same order. */
#include "overlap.h"
#include "parallel.h"
#include "tge.h"

#define T float
#define KERNEL(name) tge_##name##_f32
#include "elementwise_kernels.inc"
#undef T
#undef KERNEL

#define T double
#define KERNEL(name) tge_##name##_f64
#include "elementwise_kernels.inc"
#undef T
#undef KERNEL
