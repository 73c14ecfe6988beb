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

/* Runs the block (the macro's last argument, a { ... } whose commas pass through `...`) on `threads` threads as an
 * OpenMP parallel region, or in the calling thread alone when `threads` is 1: thread_share then hands it all the work.
 * A region costs even a team of one thread, which libgomp builds and tears down on every entry (see
 * docs/performance.md, PARALLEL). */
#define PARALLEL(threads, ...)                                    \
    do {                                                          \
        const int team_ = (threads);                              \
        if (team_ == 1) {                                         \
            __VA_ARGS__                                           \
        } else {                                                  \
            _Pragma("omp parallel num_threads(team_)") __VA_ARGS__ \
        }                                                         \
    } while (0)

/* for (int64_t i = 0; i < count; i++) body, on `threads` threads, each taking its thread_share of the iterations */
#define PARALLEL_FOR(threads, i, count, ...)                           \
    PARALLEL(threads, {                                                \
        int64_t first_, end_;                                          \
        thread_share(count, &first_, &end_);                           \
        for (int64_t i = first_; i < end_; i++) __VA_ARGS__            \
    })

#endif
