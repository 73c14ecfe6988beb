/* The element-wise passes of the layers (ReLU forward and backward, Linear's bias and its gradient), the row-wise
 * log softmax, and the cross-entropy forward and backward (their contracts: tge.h), in one pass each, split over the
 * threads when big, each compiled for AVX-512, AVX2 and the baseline (multiversion.h). */
#include <string.h>
#include <tgmath.h>

#include "multiversion.h"
#include "overlap.h"
#include "parallel.h"
#include "tge.h"

/* sum_rows: running sums held in registers (4 × 64 bytes, a quarter of the AVX-512 register file, enough
 * independent additions to hide their latency), and threads take whole blocks of such columns */
#define SUM_ROWS_VECTORS 4
#define SUM_ROWS_BLOCK (SUM_ROWS_VECTORS * 64 / (int64_t)sizeof(T))

/* log_softmax_rows: an element costs about what 32 cost in a pass like ReLU's (its expf), so it takes a second thread
 * at 32 times fewer elements (see docs/performance.md, LOG_SOFTMAX_COST) */
#define LOG_SOFTMAX_COST 32

#define T float
#define TYPED(name) name##_f32        /* a helper or type of this dtype */
#define KERNEL(name) tge_##name##_f32 /* an exported kernel (tge.h) */
#include "elementwise_kernels.inc"
#undef T
#undef TYPED
#undef KERNEL

#define T double
#define TYPED(name) name##_f64
#define KERNEL(name) tge_##name##_f64
#include "elementwise_kernels.inc"
#undef T
#undef TYPED
#undef KERNEL
