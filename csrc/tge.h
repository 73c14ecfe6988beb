/* tinygrad_edu C core: the one ABI.
 *
 * Every exported kernel is declared here and nowhere else; csrc/build_ffi.py hands the lines between
 * the CDEF markers to cffi. The kernels trust their arguments: tinygrad_edu/backend/c.py validates
 * dtype, shape, contiguity and aliasing before any pointer crosses.
 */
#ifndef TGE_H
#define TGE_H
#include <stdint.h>

/* CDEF-BEGIN */

/* ---- run time: which SIMD path was picked for this CPU, and the thread count ---- */
const char *tge_simd_path(void);
int tge_get_num_threads(void);
void tge_set_num_threads(int n);

/* ---- GEMM: C = alpha * op(A) * op(B) + beta * C, row-major ----
 * op(A) is M x K, op(B) is K x N, C is M x N. trans_a / trans_b (0 or 1) say that A / B are stored
 * transposed (A as K x M, B as N x K). lda/ldb/ldc are row strides in elements. When beta == 0, C is
 * not read (it may be uninitialised). batch > 1 repeats the product with element offsets
 * stride_a/stride_b/stride_c between consecutive matrices. */
void tge_sgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha,
               const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
               int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);
void tge_dgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha,
               const double *A, int64_t lda, const double *B, int64_t ldb, double beta, double *C,
               int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);

/* CDEF-END */

#endif
