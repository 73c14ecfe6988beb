"""Shared test settings: hypothesis profiles (HYPOTHESIS_PROFILE=valgrind keeps runs under valgrind short)."""
import os

from hypothesis import settings

settings.register_profile("default", deadline=None)
settings.register_profile("valgrind", deadline=None, max_examples=5)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))
