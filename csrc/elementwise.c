/* The element-wise passes of the layers (ReLU forward and backward, Linear's bias and its gradient), the row-wise
 * log softmax, and the cross-entropy forward and backward, in one pass each, split over the threads when big, each
 * compiled for AVX-512, AVX2 and the baseline (multiversion.h). The layer passes and the cross-entropy backward give
 * the same bits as the numpy lines of tinygrad_edu/backend/reference.py: the same IEEE operations, in the same order.
 * The log softmax and the cross-entropy forward come within a few ulp of them: exp and log are not IEEE-exact
 * operations, and libm and numpy compute them differently. */
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

/* log_softmax_rows: an element costs about what 32 cost in a pass like ReLU's (libm's expf takes ~4 ns, against
 * ~0.15 ns), so it takes a second thread at 32 times fewer elements: a 512 × 10 batch of logits already gains */
#define LOG_SOFTMAX_COST 32

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
