"""Teaching experiments: 2-D test functions and the optimizer playground, the init & gradient-flow lab,
optimizer comparison on a real task, learning-rate schedules and the LR range test, drawn when matplotlib is installed."""
from .choices import LabError
from .functions import FUNCTIONS, TestFunction, get_function
from .playground import PlaygroundResult, Trajectory, playground
