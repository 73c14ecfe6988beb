/* tinygrad_edu C core: the one ABI.
 *
 * Every exported kernel is declared here and nowhere else; csrc/build_ffi.py hands the lines between
 * the CDEF markers to cffi. tinygrad_edu/backend/c.py validates dtype, shape and contiguity before any
 * pointer crosses; the kernels themselves refuse output buffers that overlap an input (two compares in C).
 */
#ifndef TGE_H
#define TGE_H
#include <stdint.h>

/* CDEF-BEGIN */

/* ---- run time (csrc/gemm.c): the SIMD path picked for this CPU, and the thread count (GEMM and updates) ---- */
const char *tge_simd_path(void);
int tge_get_num_threads(void);
int tge_set_num_threads(int n); /* returns the count in force: 1 in a forked child */

/* ---- GEMM (csrc/gemm.c): C = alpha * op(A) * op(B) + beta * C, row-major ----
 * op(A) is M x K, op(B) is K x N, C is M x N. trans_a / trans_b (0 or 1) say that A / B are stored
 * transposed (A as K x M, B as N x K). lda/ldb/ldc are row strides in elements. When beta == 0, C is
 * not read (it may be uninitialised). batch > 1 repeats the product with element offsets
 * stride_a/stride_b/stride_c between consecutive matrices. Returns 0, -1 when the packing buffer
 * could not be allocated (C is then incomplete), or -2 when C overlaps A or B (nothing computed). */
int tge_sgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha,
              const float *A, int64_t lda, const float *B, int64_t ldb, float beta, float *C,
              int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);
int tge_dgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha,
              const double *A, int64_t lda, const double *B, int64_t ldb, double beta, double *C,
              int64_t ldc, int64_t batch, int64_t stride_a, int64_t stride_b, int64_t stride_c);

/* ---- optimizer updates (csrc/optim.c): one fused, in-place pass per rule ----
 * n elements; param/grad/state buffers are contiguous, of the same dtype, and do not overlap (grad is only
 * read). Every rule first adjusts the gradient the same way:
 *   param *= param_decay (decoupled weight decay, 1 when unused); g = (maximize ? -grad : grad) + weight_decay·param
 * Optional state buffers are NULL when the option is off (no momentum, not centered, no AMSGrad).
 * Each returns 0, or -2 without touching anything when two of its buffers overlap.
 * Per-step scalars (bias corrections, step sizes) come from the optimizer classes (tinygrad_edu/optim). */
int tge_sgd_f32(int64_t n, float *param, const float *grad, float *momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                int lecture_style);
int tge_sgd_f64(int64_t n, double *param, const double *grad, double *momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                int lecture_style);
int tge_adagrad_f32(int64_t n, float *param, const float *grad, float *state_sum, double clr, double eps,
                    double weight_decay, int maximize);
int tge_adagrad_f64(int64_t n, double *param, const double *grad, double *state_sum, double clr, double eps,
                    double weight_decay, int maximize);
int tge_rmsprop_f32(int64_t n, float *param, const float *grad, float *square_avg, float *grad_avg,
                    float *momentum_buffer, double lr, double alpha, double eps, double momentum,
                    double weight_decay, int maximize);
int tge_rmsprop_f64(int64_t n, double *param, const double *grad, double *square_avg, double *grad_avg,
                    double *momentum_buffer, double lr, double alpha, double eps, double momentum,
                    double weight_decay, int maximize);
int tge_adadelta_f32(int64_t n, float *param, const float *grad, float *square_avg, float *acc_delta,
                     double lr, double rho, double eps, double weight_decay, int maximize);
int tge_adadelta_f64(int64_t n, double *param, const double *grad, double *square_avg, double *acc_delta,
                     double lr, double rho, double eps, double weight_decay, int maximize);
int tge_adam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                 float *max_exp_avg_sq, double step_size, double beta1, double beta2, double eps,
                 double weight_decay, double param_decay, int maximize);
int tge_adam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                 double *max_exp_avg_sq, double step_size, double beta1, double beta2, double eps,
                 double weight_decay, double param_decay, int maximize);
int tge_adamax_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_inf,
                   double step_size, double beta1, double beta2, double eps, double weight_decay,
                   int maximize);
int tge_adamax_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_inf,
                   double step_size, double beta1, double beta2, double eps, double weight_decay,
                   int maximize);
int tge_nadam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                  double grad_step, double avg_step, double beta1, double beta2, double eps,
                  double weight_decay, double param_decay, int maximize);
int tge_nadam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                  double grad_step, double avg_step, double beta1, double beta2, double eps,
                  double weight_decay, double param_decay, int maximize);
int tge_radam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                  double step_size, double beta1, double beta2, double eps, int rectified,
                  double weight_decay, double param_decay, int maximize);
int tge_radam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                  double step_size, double beta1, double beta2, double eps, int rectified,
                  double weight_decay, double param_decay, int maximize);
int tge_lookahead_f32(int64_t n, float *param, float *slow, double alpha);
int tge_lookahead_f64(int64_t n, double *param, double *slow, double alpha);

/* ---- layer passes (csrc/elementwise.c): n contiguous elements, outputs apart from inputs; 0 or -2 (overlap) ----
 * relu: out = max(x, 0) (NaN kept);  relu_backward: grad_in = grad * (out > 0);  add_bias: y[i][j] += bias[j];
 * sum_rows: out[j] = sum over i of x[i][j];
 * log_softmax_rows: out[i][j] = (z[i][j] - m_i) - log sum_k exp(z[i][k] - m_i), m_i = max_k z[i][k], for cols >= 1;
 * cross_entropy_rows: losses[i] = -log_softmax_rows(z)[i][target[i]], probs = exp(z - m_i) / sum_k exp(z[k] - m_i);
 * cross_entropy_backward_rows: dz[i][j] = (probs[i][j] - [j == target[i]]) * scale;
 * these two return -3, writing nothing, when a class index target[i] lies outside [0, cols) */
int tge_relu_f32(int64_t n, const float *x, float *out);
int tge_relu_f64(int64_t n, const double *x, double *out);
int tge_relu_backward_f32(int64_t n, const float *grad, const float *out, float *grad_in);
int tge_relu_backward_f64(int64_t n, const double *grad, const double *out, double *grad_in);
int tge_add_bias_f32(int64_t rows, int64_t cols, float *y, const float *bias);
int tge_add_bias_f64(int64_t rows, int64_t cols, double *y, const double *bias);
int tge_sum_rows_f32(int64_t rows, int64_t cols, const float *x, float *out);
int tge_sum_rows_f64(int64_t rows, int64_t cols, const double *x, double *out);
int tge_log_softmax_rows_f32(int64_t rows, int64_t cols, const float *z, float *out);
int tge_log_softmax_rows_f64(int64_t rows, int64_t cols, const double *z, double *out);
int tge_cross_entropy_rows_f32(int64_t rows, int64_t cols, const float *z, const int64_t *target, float *probs,
                               float *losses);
int tge_cross_entropy_rows_f64(int64_t rows, int64_t cols, const double *z, const int64_t *target, double *probs,
                               double *losses);
int tge_cross_entropy_backward_rows_f32(int64_t rows, int64_t cols, const float *probs, const int64_t *target,
                                        float scale, float *dz);
int tge_cross_entropy_backward_rows_f64(int64_t rows, int64_t cols, const double *probs, const int64_t *target,
                                        double scale, double *dz);

/* ---- the arithmetic peak (csrc/peak.c), for the benchmarks ----
 * `rounds` rounds of float32 vector multiply-adds on independent accumulators, on the SIMD path of tge_simd_path()
 * (fused multiply-adds on avx512 and avx2; on the portable path SSE multiplies, then adds), on tge_get_num_threads()
 * threads at once. Returns the flops done: 2 per multiply-add and lane, all threads together (rounds < 0 counts as 0).
 * Those flops over the call's seconds are the ceiling for the GEMM's float32 GFLOP/s on as many threads. */
double tge_fma_probe_f32(int64_t rounds);

/* CDEF-END */

#endif
