"""Build hook: cffi compiles the C core (csrc/) into tinygrad_edu._tge at install time."""
from setuptools import setup

setup(cffi_modules=["csrc/build_ffi.py:ffibuilder"])
