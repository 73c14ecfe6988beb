/* The arithmetic peak of this machine's cores, measured (see tge.h): the ceiling against which a GEMM's GFLOP/s are
 * judged, since the micro-kernel does nothing but vector multiply-adds once its operands are in cache.
 *
 * Each thread runs PROBE_CHAINS independent chains acc ← acc·x + y on the widest float vectors of the GEMM's SIMD
 * path. A chain waits for its own previous result, 4 cycles on current x86 cores, so one chain alone would measure
 * that latency; twelve keep busy up to three multiply-add units that each start one operation per cycle. No memory is
 * read or written in the loop, so nothing but the arithmetic is timed.
 */
#include <immintrin.h>
#include <stdint.h>
#include <string.h>

#include "tge.h"

#define PROBE_CHAINS 12

/* The sum of every thread's probe is stored here: without a use, the compiler would drop the loops. */
static volatile float probe_result;

/* A probe for one vector type V: set1 broadcasts a float, multiply_add(a, x, y) = a·x + y, add(a, b) = a + b. It
 * returns the sum of all lanes of all chains. */
#define PROBE(name, target, V, set1, multiply_add, add)                                         \
    target static float name(int64_t rounds)                                                    \
    {                                                                                           \
        const V x = set1(0.999999f), y = set1(1e-6f);                                           \
        V acc[PROBE_CHAINS];                                                                    \
        for (int c = 0; c < PROBE_CHAINS; c++) acc[c] = set1((float)c);                         \
        for (int64_t r = 0; r < rounds; r++)                                                    \
            for (int c = 0; c < PROBE_CHAINS; c++) acc[c] = multiply_add(acc[c], x, y);         \
        V total = acc[0];                                                                       \
        for (int c = 1; c < PROBE_CHAINS; c++) total = add(total, acc[c]);                      \
        float lanes[sizeof(V) / sizeof(float)], sum = 0;                                        \
        memcpy(lanes, &total, sizeof total);                                                    \
        for (size_t lane = 0; lane < sizeof(V) / sizeof(float); lane++) sum += lanes[lane];     \
        return sum;                                                                             \
    }

/* The portable path has no fused multiply-add: SSE, the baseline of x86-64, multiplies, then adds. */
#define SSE_MULTIPLY_ADD(a, x, y) _mm_add_ps(_mm_mul_ps(a, x), y)

PROBE(probe_avx512, __attribute__((target("avx512f"))), __m512, _mm512_set1_ps, _mm512_fmadd_ps, _mm512_add_ps)
PROBE(probe_avx2, __attribute__((target("avx2,fma"))), __m256, _mm256_set1_ps, _mm256_fmadd_ps, _mm256_add_ps)
PROBE(probe_portable, , __m128, _mm_set1_ps, SSE_MULTIPLY_ADD, _mm_add_ps)

double tge_fma_probe_f32(int64_t rounds)
{
    const char *path = tge_simd_path();
    const int threads = tge_get_num_threads(); /* 1 in a forked child, whose OpenMP threads are gone */
    float (*probe)(int64_t) = probe_portable;
    int lanes = 4;
    if (strcmp(path, "avx512") == 0) probe = probe_avx512, lanes = 16;
    else if (strcmp(path, "avx2") == 0) probe = probe_avx2, lanes = 8;
    if (rounds < 0) rounds = 0;
    float sum = 0;
#pragma omp parallel num_threads(threads) reduction(+ : sum)
    sum += probe(rounds);
    probe_result = sum;
    return 2.0 * lanes * PROBE_CHAINS * (double)rounds * threads;
}
