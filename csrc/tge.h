/* tinygrad_edu C core: the one ABI.
 *
 * Every exported kernel is declared here, with its contract, and nowhere else; csrc/build_ffi.py hands the lines
 * between the CDEF markers to cffi. What holds for every kernel:
 *   - Arrays are dense and row-major, of the lengths the contract gives, each pointer aligned to its element type;
 *     tinygrad_edu/backend/c.py makes sure of that before a pointer crosses (it copies or refuses other arrays).
 *   - _f32 kernels (and tge_sgemm) take float arrays, _f64 kernels (and tge_dgemm) double arrays, with one contract.
 *   - A kernel allocates no Python object and never aborts: it returns 0, or a negative code
 *       -1  out of memory (the GEMM's packing buffers only; C is then incomplete)
 *       -2  buffers that must be apart share memory (csrc/overlap.h); nothing is written
 *       -3  a class index outside [0, cols); nothing is written
 *   - Results do not depend on the thread count: each element is computed by one thread, in an order the shapes fix.
 */
#ifndef TGE_H
#define TGE_H
#include <stdint.h>

/* CDEF-BEGIN */

/* ---- run time (csrc/gemm.c) ----
 * tge_simd_path: the SIMD path the GEMM runs on this CPU, "avx512", "avx2" or "portable": the best the CPU has, or a
 *   lower one forced by the environment variable TINYGRAD_EDU_SIMD.
 * tge_get_num_threads, tge_set_num_threads: how many threads the GEMM, the updates and the layer passes may use, at
 *   first TINYGRAD_EDU_NUM_THREADS or the number of processors. n < 1 sets 1, and a process forked after the core
 *   started keeps 1 (OpenMP's threads do not survive fork). Both return the count in force. */
const char *tge_simd_path(void);
int tge_get_num_threads(void);
int tge_set_num_threads(int n);

/* ---- GEMM (csrc/gemm.c, gemm_driver.inc): C = alpha·op(A)·op(B) + beta·C, `batch` times ----
 *   trans_a, trans_b   0: op(X) = X;  1: op(X) = Xᵀ (A is then stored K × M, B N × K)
 *   M, N, K            op(A) is M × K, op(B) K × N and C M × N; any may be 0 (K = 0 gives C = beta·C)
 *   alpha, beta        when beta is 0, C is not read: it may hold anything, NaN included
 *   A, lda, B, ldb     the operands as stored, and the elements from one of their rows to the next
 *   C, ldc             the output and its row stride (ldc ≥ N)
 *   batch, stride_a,   product i (0 ≤ i < batch) reads A + i·stride_a and B + i·stride_b and writes C + i·stride_c;
 *   stride_b, stride_c each operand lies within its batch·stride_x elements (for batch 1: stride_x is its size)
 * Refuses: C overlapping A or B (-2). Returns -1 when a packing buffer cannot be allocated.
 * The portable path has no fused multiply-add, so its bits differ from the SIMD paths'. */
int tge_sgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
              const float *B, int64_t ldb, float beta, float *C, int64_t ldc, int64_t batch, int64_t stride_a,
              int64_t stride_b, int64_t stride_c);
int tge_dgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha, const double *A, int64_t lda,
              const double *B, int64_t ldb, double beta, double *C, int64_t ldc, int64_t batch, int64_t stride_a,
              int64_t stride_b, int64_t stride_c);

/* ---- optimizer updates (csrc/optim.c, optim_kernels.inc): one fused pass per rule, in place ----
 * Each has the bits of its numpy twin <rule>_step in tinygrad_edu/backend/reference.py. Common arguments:
 *   n                  the elements of param and of every buffer (≥ 0)
 *   param              the parameters, updated in place
 *   grad               their gradient, only read
 *   state buffers      the rule's running state, updated in place, named as in PyTorch's optimizer state; an optional
 *                      one is NULL when its option is off
 *   lr, step sizes     per-step scalars, bias corrections folded in by the optimizer classes (tinygrad_edu/optim)
 *   weight_decay       L2 decay: the rule's g = ±grad + weight_decay·param (0: none)
 *   param_decay        decoupled decay (AdamW): param *= param_decay before the step (1: none); a caller sets at
 *                      most one of the two decays
 *   maximize           nonzero: g = −grad + ..., ascent
 * A double scalar is rounded to the element type once, as numpy rounds a Python float meeting a float32 array. A
 * decaying state that falls below the smallest normal number is stored as 0 (why: tinygrad_edu/optim/optimizer.py).
 * Refuses: two buffers that share memory (-2). */

/* momentum_buffer b (NULL: no momentum), μ = momentum, τ = dampening:
 *   b = μ·b + (1 − τ)·g;  param −= lr·(nesterov ? g + μ·b : b)
 *   lecture_style: b = μ·b + (1 − τ)·lr·g;  param −= nesterov ? lr·g + μ·b : b */
int tge_sgd_f32(int64_t n, float *param, const float *grad, float *momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                int lecture_style);
int tge_sgd_f64(int64_t n, double *param, const double *grad, double *momentum_buffer, double lr,
                double momentum, double dampening, double weight_decay, int nesterov, int maximize,
                int lecture_style);
/* state_sum += g²;  param −= clr·g / (√state_sum + eps) */
int tge_adagrad_f32(int64_t n, float *param, const float *grad, float *state_sum, double clr, double eps,
                    double weight_decay, int maximize);
int tge_adagrad_f64(int64_t n, double *param, const double *grad, double *state_sum, double clr, double eps,
                    double weight_decay, int maximize);
/* square_avg = α·square_avg + (1 − α)·g²;  v = square_avg, or with grad_avg (centered; NULL: not)
 * grad_avg = α·grad_avg + (1 − α)·g and v = square_avg − grad_avg²;  s = g / (√v + eps);
 * with momentum_buffer b (NULL: none) b = μ·b + s and s = b;  param −= lr·s */
int tge_rmsprop_f32(int64_t n, float *param, const float *grad, float *square_avg, float *grad_avg,
                    float *momentum_buffer, double lr, double alpha, double eps, double momentum,
                    double weight_decay, int maximize);
int tge_rmsprop_f64(int64_t n, double *param, const double *grad, double *square_avg, double *grad_avg,
                    double *momentum_buffer, double lr, double alpha, double eps, double momentum,
                    double weight_decay, int maximize);
/* square_avg = ρ·square_avg + (1 − ρ)·g²;  δ = √(acc_delta + eps) / √(square_avg + eps)·g;
 * acc_delta = ρ·acc_delta + (1 − ρ)·δ²;  param −= lr·δ */
int tge_adadelta_f32(int64_t n, float *param, const float *grad, float *square_avg, float *acc_delta,
                     double lr, double rho, double eps, double weight_decay, int maximize);
int tge_adadelta_f64(int64_t n, double *param, const double *grad, double *square_avg, double *acc_delta,
                     double lr, double rho, double eps, double weight_decay, int maximize);
/* exp_avg = β₁·exp_avg + (1 − β₁)·g;  v = exp_avg_sq = β₂·exp_avg_sq + (1 − β₂)·g²;  with max_exp_avg_sq (AMSGrad;
 * NULL: not) v = max_exp_avg_sq = max(max_exp_avg_sq, v), NaN kept;  param −= step_size·exp_avg / (√v + eps) */
int tge_adam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                 float *max_exp_avg_sq, double step_size, double beta1, double beta2, double eps,
                 double weight_decay, double param_decay, int maximize);
int tge_adam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                 double *max_exp_avg_sq, double step_size, double beta1, double beta2, double eps,
                 double weight_decay, double param_decay, int maximize);
/* exp_avg as Adam's;  exp_inf = max(β₂·exp_inf, |g| + eps), NaN kept;  param −= step_size·exp_avg / exp_inf */
int tge_adamax_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_inf,
                   double step_size, double beta1, double beta2, double eps, double weight_decay,
                   int maximize);
int tge_adamax_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_inf,
                   double step_size, double beta1, double beta2, double eps, double weight_decay,
                   int maximize);
/* exp_avg, exp_avg_sq as Adam's;  d = 1 / (√exp_avg_sq + eps);  param −= grad_step·g·d;  param −= avg_step·exp_avg·d */
int tge_nadam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                  double grad_step, double avg_step, double beta1, double beta2, double eps,
                  double weight_decay, double param_decay, int maximize);
int tge_nadam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                  double grad_step, double avg_step, double beta1, double beta2, double eps,
                  double weight_decay, double param_decay, int maximize);
/* exp_avg, exp_avg_sq as Adam's;  param −= step_size·(rectified ? exp_avg / (√exp_avg_sq + eps) : exp_avg) */
int tge_radam_f32(int64_t n, float *param, const float *grad, float *exp_avg, float *exp_avg_sq,
                  double step_size, double beta1, double beta2, double eps, int rectified,
                  double weight_decay, double param_decay, int maximize);
int tge_radam_f64(int64_t n, double *param, const double *grad, double *exp_avg, double *exp_avg_sq,
                  double step_size, double beta1, double beta2, double eps, int rectified,
                  double weight_decay, double param_decay, int maximize);
/* Lookahead's slow weights, no gradient:  slow += alpha·(param − slow);  param = slow */
int tge_lookahead_f32(int64_t n, float *param, float *slow, double alpha);
int tge_lookahead_f64(int64_t n, double *param, double *slow, double alpha);

/* ---- layer passes (csrc/elementwise.c, elementwise_kernels.inc) ----
 * n elements, or a rows × cols matrix. relu, relu_backward, add_bias, sum_rows and cross_entropy_backward_rows give
 * the bits of their numpy twins in tinygrad_edu/backend/reference.py (the same IEEE operations in the same order);
 * log_softmax_rows and cross_entropy_rows come within a few ulp of theirs, as libm's exp and log round differently
 * from numpy's. Refuses: an output overlapping an input (-2); the cross-entropy passes also a class index outside
 * [0, cols) (-3), checked before any is used. */

/* out = max(x, 0): NaN stays NaN and −0 becomes +0, as np.maximum(x, 0) gives */
int tge_relu_f32(int64_t n, const float *x, float *out);
int tge_relu_f64(int64_t n, const double *x, double *out);
/* grad_in = grad·[out > 0], relu's gradient from its output: a product, so an infinite grad where out ≤ 0 gives NaN */
int tge_relu_backward_f32(int64_t n, const float *grad, const float *out, float *grad_in);
int tge_relu_backward_f64(int64_t n, const double *grad, const double *out, double *grad_in);
/* y[i][j] += bias[j] in place (y rows × cols, bias cols); where both are NaN, y's NaN (numpy's may be either) */
int tge_add_bias_f32(int64_t rows, int64_t cols, float *y, const float *bias);
int tge_add_bias_f64(int64_t rows, int64_t cols, double *y, const double *bias);
/* out[j] = 0 + x[0][j] + x[1][j] + ... (cols outputs): numpy's x.sum(axis=0) for cols ≥ 2 (a single column numpy
 * sums pairwise), so a column of −0 sums to +0 */
int tge_sum_rows_f32(int64_t rows, int64_t cols, const float *x, float *out);
int tge_sum_rows_f64(int64_t rows, int64_t cols, const double *x, double *out);
/* out[i][j] = (z[i][j] − m_i) − log Σ_k e^(z[i][k] − m_i), m_i = max_k z[i][k], for each row of z (cols ≥ 1), the sum
 * pairwise as numpy's; a NaN or +inf in a row, or a row of only −inf, makes the row NaN */
int tge_log_softmax_rows_f32(int64_t rows, int64_t cols, const float *z, float *out);
int tge_log_softmax_rows_f64(int64_t rows, int64_t cols, const double *z, double *out);
/* For logits z (rows × cols, cols ≥ 1) and class indices target (rows): probs = the softmax of each row,
 * e^(z[i][j] − m_i) / Σ_k e^(z[i][k] − m_i), and losses[i] = −log_softmax_rows(z)[i][target[i]], bit for bit */
int tge_cross_entropy_rows_f32(int64_t rows, int64_t cols, const float *z, const int64_t *target, float *probs,
                               float *losses);
int tge_cross_entropy_rows_f64(int64_t rows, int64_t cols, const double *z, const int64_t *target, double *probs,
                               double *losses);
/* dz[i][j] = (probs[i][j] − [j = target[i]])·scale: the gradient of scale·Σ losses with respect to the logits */
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
