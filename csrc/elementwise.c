/* The element-wise passes of the layers (ReLU forward and backward, Linear's bias and its gradient) in one pass
 * each, split over the threads when big, each compiled for AVX-512, AVX2 and the baseline (multiversion.h). They
 * give the same bits as the numpy lines of tinygrad_edu/backend/reference.py: the same IEEE operations, in the
 * same order. */
#include <string.h>

#include "multiversion.h"
#include "overlap.h"
#include "parallel.h"
#include "tge.h"

/* sum_rows: running sums held in registers (4 × 64 bytes, a quarter of the AVX-512 register file, enough
 * independent additions to hide their latency), and threads take whole blocks of such columns */
#define SUM_ROWS_VECTORS 4
#define SUM_ROWS_BLOCK (SUM_ROWS_VECTORS * 64 / (int64_t)sizeof(T))

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
