# The test files of the C kernels, which scripts/sanitize.sh and scripts/valgrind.sh run by default (sourced by both).
KERNEL_TESTS=(tests/test_gemm.py tests/test_optim_kernels.py tests/test_elementwise_kernels.py tests/test_softmax_kernels.py
              tests/test_kernel_properties.py tests/test_backend.py tests/test_alignment.py)
