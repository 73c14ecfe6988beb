/* Splitting work between the threads of an OpenMP parallel region (gemm_driver.inc, optim.c). */
#ifndef TGE_PARALLEL_H
#define TGE_PARALLEL_H
#include <omp.h>
#include <stdint.h>

/* The calling thread's contiguous share [*first, *end) of `units` units of work: as even as integers allow, in
 * thread order, and depending only on `units` and the team size. */
static inline void thread_share(int64_t units, int64_t *first, int64_t *end)
{
    const int64_t thread = omp_get_thread_num(), team = omp_get_num_threads();
    *first = units * thread / team;
    *end = units * (thread + 1) / team;
}

#endif
