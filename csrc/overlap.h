/* Memory-range tests shared by the kernels that refuse aliased buffers (gemm.c, optim.c, elementwise.c), returning -2
 * (tge.h). An output that overlaps an input would be read after it was written, so the result would depend on the
 * order of the loops. The test is made here, not in Python, because two compares per pair are far cheaper than
 * numpy's may_share_memory, which every call would otherwise pay. */
#ifndef TGE_OVERLAP_H
#define TGE_OVERLAP_H
#include <stddef.h>
#include <stdint.h>

static inline int ranges_overlap(const void *p, size_t p_bytes, const void *q, size_t q_bytes)
{
    const uintptr_t p0 = (uintptr_t)p, q0 = (uintptr_t)q;
    return p_bytes && q_bytes && p0 < q0 + q_bytes && q0 < p0 + p_bytes;
}

/* Whether any two of `count` buffers of `bytes` bytes each share memory; NULL entries (absent buffers) never do. */
static inline int any_overlap(const void *const *buffers, int count, size_t bytes)
{
    for (int i = 0; i < count; i++)
        for (int j = i + 1; j < count; j++)
            if (buffers[i] && buffers[j] && ranges_overlap(buffers[i], bytes, buffers[j], bytes)) return 1;
    return 0;
}

#endif
