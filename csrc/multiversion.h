/* Kernels compiled for AVX-512, AVX2 and the baseline, of which the dynamic loader binds the best one this CPU runs
 * (GCC function multi-versioning), so one build serves every x86-64 machine. Wider vectors do not change a single
 * rounding: IEEE addition, multiplication, sqrt and division are exact in every width, and -std=c11 forbids fusing
 * a*b+c. Used by optim.c and elementwise.c. */
#ifndef TGE_MULTIVERSION_H
#define TGE_MULTIVERSION_H

#define MULTIVERSIONED __attribute__((target_clones("avx512f", "avx2", "default")))

#endif
