/* Splitting work between the threads of an OpenMP parallel region (gemm_driver.inc, optim.c, elementwise.c). */
#ifndef TGE_PARALLEL_H
#define TGE_PARALLEL_H
#include <omp.h>
#include <stdint.h>

#include "tge.h"

/* Below this many elements a pass takes a few microseconds, about what waking a second thread costs. */
#define PARALLEL_MIN_ELEMENTS 65536

/* Threads for an element-wise pass over n elements (optimizer updates, layer passes). */
static inline int threads_for_elements(int64_t n)
{
    return n < PARALLEL_MIN_ELEMENTS ? 1 : tge_get_num_threads();
}

/* The calling thread's contiguous share [*first, *end) of `units` units of work: as even as integers allow, in
 * thread order, and depending only on `units` and the team size. */
static inline void thread_share(int64_t units, int64_t *first, int64_t *end)
{
    const int64_t thread = omp_get_thread_num(), team = omp_get_num_threads();
    *first = units * thread / team;
    *end = units * (thread + 1) / team;
}

#endif
