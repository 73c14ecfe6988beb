/* GEMM for tinygrad_edu. Placeholder portable kernel: correct, unblocked. */
#include "tge.h"

static int num_threads = 1;

const char *tge_simd_path(void) { return "portable"; }
int tge_get_num_threads(void) { return num_threads; }
void tge_set_num_threads(int n) { num_threads = n < 1 ? 1 : n; }

#define DEFINE_GEMM(NAME, T)                                                                         \
    void NAME(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, T alpha, const T *A,       \
              int64_t lda, const T *B, int64_t ldb, T beta, T *C, int64_t ldc, int64_t batch,        \
              int64_t stride_a, int64_t stride_b, int64_t stride_c) {                                \
        for (int64_t b = 0; b < batch; b++) {                                                        \
            const T *a = A + b * stride_a, *bb = B + b * stride_b;                                   \
            T *c = C + b * stride_c;                                                                 \
            for (int64_t i = 0; i < M; i++)                                                          \
                for (int64_t j = 0; j < N; j++) {                                                    \
                    T acc = 0;                                                                       \
                    for (int64_t p = 0; p < K; p++)                                                  \
                        acc += (trans_a ? a[p * lda + i] : a[i * lda + p]) *                         \
                               (trans_b ? bb[j * ldb + p] : bb[p * ldb + j]);                        \
                    c[i * ldc + j] = alpha * acc + (beta == 0 ? 0 : beta * c[i * ldc + j]);          \
                }                                                                                    \
        }                                                                                            \
    }

DEFINE_GEMM(tge_sgemm, float)
DEFINE_GEMM(tge_dgemm, double)
