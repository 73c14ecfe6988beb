/* GEMM for tinygrad_edu: C = alpha·op(A)·op(B) + beta·C, float32 and float64, row-major.
 *
 * The blocked driver (gemm_driver.inc) is shared by every CPU; only the micro-kernel (gemm_ukernel.inc)
 * differs. It is compiled three times per dtype — AVX-512, AVX2+FMA and portable C — with gcc `target`
 * attributes instead of -march flags, and the best one this CPU supports is picked once at run time, so one
 * build runs correctly on any x86-64 machine. TINYGRAD_EDU_SIMD=avx2|portable forces a lower path (tests use
 * it to check all three on one machine).
 */
#include <immintrin.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "overlap.h"
#include "parallel.h"
#include "tge.h"

static int64_t round_up(int64_t n, int64_t multiple) { return (n + multiple - 1) / multiple * multiple; }
static size_t round_up_size(size_t n, size_t multiple) { return (n + multiple - 1) / multiple * multiple; }

/* Where element (row, col) of a row-major matrix with rows ld elements apart lies, or of one stored transposed. */
static int64_t element_offset(int64_t ld, int transposed, int64_t row, int64_t col)
{
    return transposed ? col * ld + row : row * ld + col;
}

static int num_threads = 1; /* set once from the environment (setup below), then by tge_set_num_threads */
/* Set in the child of a fork(): OpenMP's worker threads do not survive fork, and the first parallel region would
 * wait for them forever, so a forked process computes on its own thread only. */
static int forked;

/* Below about a million flops (a few microseconds) waking a second thread costs more than it saves. */
static int threads_for(int64_t M, int64_t N, int64_t K)
{
    return (double)M * (double)N * (double)K < 5e5 ? 1 : num_threads;
}

/* Up to about 160³ multiply-adds packing A costs as much as the arithmetic saves by it, so small products read A in
 * place (see docs/performance.md, SMALL_PRODUCT_MAX_VOLUME). */
#define SMALL_PRODUCT_MAX_VOLUME (1 << 22)
static int is_small_product(int64_t M, int64_t N, int64_t K)
{
    return (double)M * (double)N * (double)K <= SMALL_PRODUCT_MAX_VOLUME;
}

/* An X·Wᵀ product with at most this many rows is computed swapped, as Cᵀ = W·Xᵀ, reading W in place instead of
 * packing it (TYPED(swap_pays) in gemm_driver.inc; see docs/performance.md, SWAP_MAX_ROWS). */
#define SWAP_MAX_ROWS 32

/* Threads share out a product in pieces (TYPED(gemm_in_pieces) in gemm_driver.inc) rather than one band each: on a
 * shared machine one core often runs slower than the other for seconds at a time, and with even bands the faster
 * thread then waits (see docs/performance.md, PIECE_ROWS). Pieces of rows are PIECE_ROWS tall; a product is cut into
 * pieces when it gives at least MIN_PIECES_PER_THREAD per thread (the guided schedule leaves too little to even out
 * with fewer) and the operand every piece reads packs in at most WHOLE_PACK_MAX_ELEMENTS (2 MiB of float, a 784x256
 * weight matrix whole). */
#define PIECE_ROWS 64
#define MIN_PIECES_PER_THREAD 4
#define WHOLE_PACK_MAX_ELEMENTS (1 << 19)

/* numpy starts an array's data 16 bytes past a 64-byte cache line as often as not (malloc aligns to 16). A
 * vector load that starts there straddles two lines, and two threads writing the two ends of one line make it bounce
 * between their caches: the driver packs B (TYPED(reads_b_in_place)) and picks its thread bands
 * (TYPED(split_by_columns)) with that in mind, and backend.empty_aligned starts the weights on a line. */
#define CACHE_LINE 64 /* bytes, on every x86-64 CPU */

/* The loop nest's cache blocks for one product (TYPED(block_sizes_for) in gemm_driver.inc). */
typedef struct {
    int64_t mc, kc, nc;
} block_sizes;

/* ---- micro-kernels ---------------------------------------------------------------------------------------
 * Tile shapes: MR rows × NR = NV·VL columns, as many accumulators as the register file holds comfortably
 * (AVX-512: 32 registers, 16 accumulators; AVX2: 16 registers, 12 accumulators). MR = 8 makes the usual batch
 * sizes (multiples of 8) fill whole tiles. Each set also has a narrow tile, one vector wide and taller, for
 * products with few columns (a 10-class output layer would leave most of a wide tile empty). AVX-512 also has a
 * short tile for small products, 4 rows × 4 vectors: it reads A in place from 4 rows instead of 8 (row addresses
 * fit in registers), loads B 4 times per 4 broadcasts instead of 2 per 8, and wastes fewer rows on a 10-row C;
 * packed products run slower on it, hence a tile of its own (see docs/performance.md, SMALL tile). */
#define MAX_MR 16
#define MAX_NR 64
#define B_IN_PLACE_MAX_ROWS 64 /* see TYPED(reads_b_in_place) in gemm_driver.inc */
#define PREFETCH_C_MIN_KC 64   /* see TYPED(tile) in gemm_driver.inc */
#define ROWS_FIRST_MAX_K 48    /* see TYPED(tiles_along_rows) in gemm_driver.inc */
enum { WIDE, NARROW, SMALL, TILES }; /* the tiles of one SIMD path, see TYPED(tile_for) in gemm_driver.inc */
#define UK_CONCAT_(a, b) a##b
#define UK_CONCAT(a, b) UK_CONCAT_(a, b) /* pastes the values of macros, e.g. UK_NAME##_body */

#define UK_TARGET __attribute__((target("avx512f")))
#define T float
#define V __m512
#define VL 16
#define V_ZERO() _mm512_setzero_ps()
#define V_LOADU(p) _mm512_loadu_ps(p)
#define V_STOREU(p, v) _mm512_storeu_ps(p, v)
#define V_BCAST(x) _mm512_set1_ps(x)
#define V_FMA(a, b, acc) _mm512_fmadd_ps(a, b, acc)
#define V_MUL(a, b) _mm512_mul_ps(a, b)
#define UK_NAME ukernel_avx512_f32
#define MR 8
#define NV 2
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx512_f32_narrow
#define MR 16
#define NV 1
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx512_f32_small
#define MR 4
#define NV 4
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

#define UK_TARGET __attribute__((target("avx512f")))
#define T double
#define V __m512d
#define VL 8
#define V_ZERO() _mm512_setzero_pd()
#define V_LOADU(p) _mm512_loadu_pd(p)
#define V_STOREU(p, v) _mm512_storeu_pd(p, v)
#define V_BCAST(x) _mm512_set1_pd(x)
#define V_FMA(a, b, acc) _mm512_fmadd_pd(a, b, acc)
#define V_MUL(a, b) _mm512_mul_pd(a, b)
#define UK_NAME ukernel_avx512_f64
#define MR 12
#define NV 2
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx512_f64_narrow
#define MR 16
#define NV 1
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx512_f64_small
#define MR 4
#define NV 4
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

#define UK_TARGET __attribute__((target("avx2,fma")))
#define T float
#define V __m256
#define VL 8
#define V_ZERO() _mm256_setzero_ps()
#define V_LOADU(p) _mm256_loadu_ps(p)
#define V_STOREU(p, v) _mm256_storeu_ps(p, v)
#define V_BCAST(x) _mm256_set1_ps(x)
#define V_FMA(a, b, acc) _mm256_fmadd_ps(a, b, acc)
#define V_MUL(a, b) _mm256_mul_ps(a, b)
#define UK_NAME ukernel_avx2_f32
#define MR 6
#define NV 2
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx2_f32_narrow
#define MR 12
#define NV 1
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

#define UK_TARGET __attribute__((target("avx2,fma")))
#define T double
#define V __m256d
#define VL 4
#define V_ZERO() _mm256_setzero_pd()
#define V_LOADU(p) _mm256_loadu_pd(p)
#define V_STOREU(p, v) _mm256_storeu_pd(p, v)
#define V_BCAST(x) _mm256_set1_pd(x)
#define V_FMA(a, b, acc) _mm256_fmadd_pd(a, b, acc)
#define V_MUL(a, b) _mm256_mul_pd(a, b)
#define UK_NAME ukernel_avx2_f64
#define MR 6
#define NV 2
#include "gemm_ukernel.inc"
#define UK_NAME ukernel_avx2_f64_narrow
#define MR 12
#define NV 1
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

/* portable C: plain scalars; the compiler vectorises what the baseline ISA allows */
#define UK_TARGET
#define T float
#define V float
#define VL 1
#define V_ZERO() 0.0f
#define V_LOADU(p) (*(p))
#define V_STOREU(p, v) (*(p) = (v))
#define V_BCAST(x) (x)
#define V_FMA(a, b, acc) ((a) * (b) + (acc))
#define V_MUL(a, b) ((a) * (b))
#define UK_NAME ukernel_portable_f32
#define MR 4
#define NV 8
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

#define UK_TARGET
#define T double
#define V double
#define VL 1
#define V_ZERO() 0.0
#define V_LOADU(p) (*(p))
#define V_STOREU(p, v) (*(p) = (v))
#define V_BCAST(x) (x)
#define V_FMA(a, b, acc) ((a) * (b) + (acc))
#define V_MUL(a, b) ((a) * (b))
#define UK_NAME ukernel_portable_f64
#define MR 4
#define NV 8
#include "gemm_ukernel.inc"
#include "gemm_isa_end.inc"

/* ---- the blocked driver, once per dtype ------------------------------------------------------------------ */
#define T float
#define TYPED(name) name##_f32
#include "gemm_driver.inc"
#undef T
#undef TYPED

#define T double
#define TYPED(name) name##_f64
#include "gemm_driver.inc"
#undef T
#undef TYPED

/* ---- SIMD transposers (the gather of packing, see gemm_driver.inc) -----------------------------------------
 * An 8×8 (float) or 4×4 (double) block is loaded row by row, transposed in registers with AVX2 shuffles and
 * stored column by column: dst[c·width + r] = src[r·ld + c]. */
__attribute__((target("avx2"))) static void block_avx2_f32(const float *src, int64_t ld, float *dst, int64_t width)
{
    __m256 r[8], t[8], u[8];
    for (int row = 0; row < 8; row++) r[row] = _mm256_loadu_ps(src + row * ld);
    for (int pair = 0; pair < 4; pair++) { /* interleave rows 2p, 2p+1 */
        t[2 * pair] = _mm256_unpacklo_ps(r[2 * pair], r[2 * pair + 1]);
        t[2 * pair + 1] = _mm256_unpackhi_ps(r[2 * pair], r[2 * pair + 1]);
    }
    for (int half = 0; half < 2; half++) { /* columns c and c+4 of four rows, per 128-bit lane */
        __m256 *in = t + 4 * half, *out = u + 4 * half;
        out[0] = _mm256_shuffle_ps(in[0], in[2], _MM_SHUFFLE(1, 0, 1, 0));
        out[1] = _mm256_shuffle_ps(in[0], in[2], _MM_SHUFFLE(3, 2, 3, 2));
        out[2] = _mm256_shuffle_ps(in[1], in[3], _MM_SHUFFLE(1, 0, 1, 0));
        out[3] = _mm256_shuffle_ps(in[1], in[3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int col = 0; col < 4; col++) { /* join the lanes of rows 0-3 and rows 4-7 */
        _mm256_storeu_ps(dst + col * width, _mm256_permute2f128_ps(u[col], u[col + 4], 0x20));
        _mm256_storeu_ps(dst + (col + 4) * width, _mm256_permute2f128_ps(u[col], u[col + 4], 0x31));
    }
}

__attribute__((target("avx2"))) static void block_avx2_f64(const double *src, int64_t ld, double *dst, int64_t width)
{
    __m256d r0 = _mm256_loadu_pd(src), r1 = _mm256_loadu_pd(src + ld);
    __m256d r2 = _mm256_loadu_pd(src + 2 * ld), r3 = _mm256_loadu_pd(src + 3 * ld);
    __m256d t0 = _mm256_unpacklo_pd(r0, r1), t1 = _mm256_unpackhi_pd(r0, r1); /* columns 0|2, 1|3 */
    __m256d t2 = _mm256_unpacklo_pd(r2, r3), t3 = _mm256_unpackhi_pd(r2, r3);
    _mm256_storeu_pd(dst, _mm256_permute2f128_pd(t0, t2, 0x20));
    _mm256_storeu_pd(dst + width, _mm256_permute2f128_pd(t1, t3, 0x20));
    _mm256_storeu_pd(dst + 2 * width, _mm256_permute2f128_pd(t0, t2, 0x31));
    _mm256_storeu_pd(dst + 3 * width, _mm256_permute2f128_pd(t1, t3, 0x31));
}

/* A 16×16 float block with AVX-512: pairs of rows interleaved within 128-bit lanes, then whole lanes gathered
 * across rows in two rounds of lane shuffles. Doubles keep the AVX2 4×4 block (see docs/performance.md, 16×16
 * AVX-512 transposer). */
__attribute__((target("avx512f"))) static void block_avx512_f32(const float *src, int64_t ld, float *dst, int64_t width)
{
    __m512 r[16], t[16], u[16];
    for (int row = 0; row < 16; row++) r[row] = _mm512_loadu_ps(src + row * ld);
    for (int pair = 0; pair < 8; pair++) { /* interleave rows 2p, 2p+1 */
        t[2 * pair] = _mm512_unpacklo_ps(r[2 * pair], r[2 * pair + 1]);
        t[2 * pair + 1] = _mm512_unpackhi_ps(r[2 * pair], r[2 * pair + 1]);
    }
    for (int group = 0; group < 4; group++) { /* lane L of u[4g + c]: column 4L + c of rows 4g .. 4g+3 */
        __m512 *in = t + 4 * group, *out = u + 4 * group;
        out[0] = _mm512_shuffle_ps(in[0], in[2], _MM_SHUFFLE(1, 0, 1, 0));
        out[1] = _mm512_shuffle_ps(in[0], in[2], _MM_SHUFFLE(3, 2, 3, 2));
        out[2] = _mm512_shuffle_ps(in[1], in[3], _MM_SHUFFLE(1, 0, 1, 0));
        out[3] = _mm512_shuffle_ps(in[1], in[3], _MM_SHUFFLE(3, 2, 3, 2));
    }
    for (int c = 0; c < 4; c++) { /* column 4L + c = lane L of u[c], u[4 + c], u[8 + c], u[12 + c] */
        __m512 low01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x44);
        __m512 high01 = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xEE);
        __m512 low23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x44);
        __m512 high23 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xEE);
        _mm512_storeu_ps(dst + c * width, _mm512_shuffle_f32x4(low01, low23, 0x88));
        _mm512_storeu_ps(dst + (4 + c) * width, _mm512_shuffle_f32x4(low01, low23, 0xDD));
        _mm512_storeu_ps(dst + (8 + c) * width, _mm512_shuffle_f32x4(high01, high23, 0x88));
        _mm512_storeu_ps(dst + (12 + c) * width, _mm512_shuffle_f32x4(high01, high23, 0xDD));
    }
}

__attribute__((target("avx2"))) static void transpose_avx2_f32(const float *src, int64_t ld, int64_t rows,
                                                                int64_t kc, int64_t width, float *dst)
{
    transpose_by_blocks_f32(8, block_avx2_f32, src, ld, rows, kc, width, dst);
}

__attribute__((target("avx2"))) static void transpose_avx2_f64(const double *src, int64_t ld, int64_t rows,
                                                                int64_t kc, int64_t width, double *dst)
{
    transpose_by_blocks_f64(4, block_avx2_f64, src, ld, rows, kc, width, dst);
}

/* 16×16 blocks where whole ones fit, the 8×8 transposer for the ragged rows and columns around them (an 8-row
 * A panel of the wide float tile has no 16-row block at all). */
__attribute__((target("avx512f"))) static void transpose_avx512_f32(const float *src, int64_t ld, int64_t rows,
                                                                    int64_t kc, int64_t width, float *dst)
{
    const int64_t rows16 = rows / 16 * 16, kc16 = kc / 16 * 16;
    transpose_by_blocks_f32(16, block_avx512_f32, src, ld, rows16, kc16, width, dst);
    transpose_avx2_f32(src + kc16, ld, rows16, kc - kc16, width, dst + kc16 * width);
    transpose_avx2_f32(src + rows16 * ld, ld, rows - rows16, kc, width, dst + rows16);
}

/* ---- run-time choices: SIMD path and thread count ---------------------------------------------------------
 * Cache blocks. AVX2 and portable C: kc·nr of B, the micro-panel every tile in a column of tiles reads, is 8-16 KiB
 * and stays in L1; mc·kc of A is 256-288 KiB (L2); kc·nc of B is 2 MiB (L3). AVX-512: a micro-panel of the wide
 * tiles (32 floats or 16 doubles a row) fills all of L1 at kc = 256 already, so it streams from L2 at any kc worth
 * having, and kc is set by what it amortises instead: each tile's start and end (zeroing the accumulators, reading
 * and writing its part of C) come once per kc steps. kc = 768 keeps mc·kc of A at 720-768 KiB, within the 1 MiB or
 * more of L2 of every AVX-512 CPU, and kc·nc of B at 6 MiB (L3) (see docs/performance.md, AVX-512 kc). */
enum { SIMD_PORTABLE, SIMD_AVX2, SIMD_AVX512, SIMD_PATHS };
static const char *const SIMD_NAMES[SIMD_PATHS] = {"portable", "avx2", "avx512"};

/* [path][WIDE, NARROW or SMALL] (chosen by TYPED(tile_for) in gemm_driver.inc). The three tiles of a path share kc,
 * so that a product's K chunks, hence its bits, do not depend on the tile: the same on either side of the
 * small-product limit, and whether a product is computed swapped (Cᵀ, whose columns may call for another tile) or
 * not. AVX2 and portable C have no tile of their own for small products. */
#define TILING(mr, nr, mc, kc, nc, name, transposer) {mr, nr, mc, kc, nc, name, name##_in_place, transposer}
static const tiling_f32 tiles_f32[SIMD_PATHS][TILES] = {
    {TILING(4, 8, 256, 256, 2048, ukernel_portable_f32, transpose_scalar_f32),
     TILING(4, 8, 256, 256, 2048, ukernel_portable_f32, transpose_scalar_f32),
     TILING(4, 8, 256, 256, 2048, ukernel_portable_f32, transpose_scalar_f32)},
    {TILING(6, 16, 288, 256, 2048, ukernel_avx2_f32, transpose_avx2_f32),
     TILING(12, 8, 288, 256, 2048, ukernel_avx2_f32_narrow, transpose_avx2_f32),
     TILING(6, 16, 288, 256, 2048, ukernel_avx2_f32, transpose_avx2_f32)},
    {TILING(8, 32, 256, 768, 2048, ukernel_avx512_f32, transpose_avx512_f32),
     TILING(16, 16, 256, 768, 2048, ukernel_avx512_f32_narrow, transpose_avx512_f32),
     TILING(4, 64, 256, 768, 2048, ukernel_avx512_f32_small, transpose_avx512_f32)},
};
static const tiling_f64 tiles_f64[SIMD_PATHS][TILES] = {
    {TILING(4, 8, 128, 256, 1024, ukernel_portable_f64, transpose_scalar_f64),
     TILING(4, 8, 128, 256, 1024, ukernel_portable_f64, transpose_scalar_f64),
     TILING(4, 8, 128, 256, 1024, ukernel_portable_f64, transpose_scalar_f64)},
    {TILING(6, 8, 144, 256, 1024, ukernel_avx2_f64, transpose_avx2_f64),
     TILING(12, 4, 144, 256, 1024, ukernel_avx2_f64_narrow, transpose_avx2_f64),
     TILING(6, 8, 144, 256, 1024, ukernel_avx2_f64, transpose_avx2_f64)},
    {TILING(12, 16, 120, 768, 1024, ukernel_avx512_f64, transpose_avx2_f64),
     TILING(16, 8, 128, 768, 1024, ukernel_avx512_f64_narrow, transpose_avx2_f64),
     TILING(4, 32, 120, 768, 1024, ukernel_avx512_f64_small, transpose_avx2_f64)},
};

static int simd_path = SIMD_PORTABLE;
static pthread_once_t setup_once = PTHREAD_ONCE_INIT;

static void after_fork_in_child(void)
{
    forked = 1;
    num_threads = 1;
}

static void setup(void)
{
    pthread_atfork(NULL, NULL, after_fork_in_child);
    __builtin_cpu_init();
    int best = SIMD_PORTABLE;
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) best = SIMD_AVX2;
    if (__builtin_cpu_supports("avx512f")) best = SIMD_AVX512;
    const char *forced = getenv("TINYGRAD_EDU_SIMD");
    for (int path = 0; forced && path < best; path++) /* only a path the CPU has can be forced */
        if (strcmp(forced, SIMD_NAMES[path]) == 0) best = path;
    simd_path = best;
    const char *threads = getenv("TINYGRAD_EDU_NUM_THREADS");
    num_threads = threads && atoi(threads) > 0 ? atoi(threads) : omp_get_num_procs();
}

const char *tge_simd_path(void)
{
    pthread_once(&setup_once, setup);
    return SIMD_NAMES[simd_path];
}

int tge_get_num_threads(void)
{
    pthread_once(&setup_once, setup);
    return num_threads;
}

int tge_set_num_threads(int n)
{
    pthread_once(&setup_once, setup);
    num_threads = forked || n < 1 ? 1 : n;
    return num_threads;
}

/* The body of tge_sgemm and tge_dgemm (tge.h), one for both dtypes: the product on this CPU's tiles. */
#define GEMM_BODY(suffix)                                                                                            \
    {                                                                                                                \
        pthread_once(&setup_once, setup);                                                                            \
        const product_##suffix product = {.M = M, .N = N, .K = K, .alpha = alpha, .beta = beta,                      \
                                          .a = {A, lda, trans_a}, .b = {B, ldb, trans_b}, .c = {C, ldc, 0}};          \
        return gemm_batched_##suffix(tiles_##suffix[simd_path], &product, batch, stride_a, stride_b, stride_c);     \
    }

int tge_sgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, float alpha, const float *A, int64_t lda,
              const float *B, int64_t ldb, float beta, float *C, int64_t ldc, int64_t batch, int64_t stride_a,
              int64_t stride_b, int64_t stride_c) GEMM_BODY(f32)

int tge_dgemm(int trans_a, int trans_b, int64_t M, int64_t N, int64_t K, double alpha, const double *A, int64_t lda,
              const double *B, int64_t ldb, double beta, double *C, int64_t ldc, int64_t batch, int64_t stride_a,
              int64_t stride_b, int64_t stride_c) GEMM_BODY(f64)
