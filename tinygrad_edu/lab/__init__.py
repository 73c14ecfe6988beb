"""Teaching experiments, each a function returning a result with `.table()` (text) and `.plot(path)` (matplotlib):

- `playground`: optimizers on 2-D/1-D test functions (`FUNCTIONS`), their paths over the contour, step tables;
- `init_lab`, `linear_chain`: activation variance and gradient norms layer by layer (vanishing/exploding, unequal
  widths); `symmetry_lab`: a zero init's hidden units get equal gradients and stay copies of each other;
- `compare_optimizers`: the same MLP trained with several optimizers, loss curves together;
- `plot_schedule`, `make_schedule`, `lr_range_test`, `plot_lr_finder`: learning-rate schedules and the LR range test;
- `plot_decision_regions`: what a 2-D classifier predicts over the plane;
- `weight_decay_lab`: L2 through Adam's scaling versus decoupled weight decay (AdamW), on a zero-gradient weight;
- `batch_noise_lab`: full-batch GD and mini-batch SGD paths on one loss surface, gradient noise against batch size;
- `playground_page`: the playground as an offline HTML page, with sliders for η, β₁, β₂ and the step over runs
  precomputed on a grid;
- `training_page`: an offline HTML page that replays MLPs training on a 2-D dataset, epoch by epoch.
"""
from .batch_noise import BatchNoiseResult, batch_noise_lab
from .choices import LabError
from .compare import DEFAULT_OPTIMIZERS, CompareResult, Task, compare_optimizers, lr_range_test
from .functions import FUNCTIONS, TestFunction, get_function
from .init_lab import ACTIVATIONS, INITS, InitLabResult, diagonal, init_lab, linear_chain, plot_init_lab
from .optimizers import optimizer_classes, resolve
from .playground import PlaygroundResult, Trajectory, playground
from .playground_page import playground_page
from .plotting import save_figure
from .regions import plot_decision_regions
from .schedules import SCHEDULES, make_schedule, plot_lr_finder, plot_schedule, schedule_values
from .symmetry import SymmetryResult, symmetry_lab, unit_spread
from .training_page import TrainingPage, training_page
from .weight_decay import WeightDecayResult, weight_decay_lab

__all__ = ["LabError", "FUNCTIONS", "TestFunction", "get_function", "playground", "PlaygroundResult", "Trajectory",
           "optimizer_classes", "resolve", "init_lab", "linear_chain", "diagonal", "plot_init_lab", "InitLabResult",
           "ACTIVATIONS", "INITS", "compare_optimizers", "CompareResult", "DEFAULT_OPTIMIZERS", "Task",
           "lr_range_test", "SCHEDULES", "make_schedule", "schedule_values", "plot_schedule", "plot_lr_finder",
           "save_figure", "plot_decision_regions", "symmetry_lab", "SymmetryResult", "unit_spread",
           "weight_decay_lab", "WeightDecayResult", "batch_noise_lab", "BatchNoiseResult", "training_page",
           "TrainingPage", "playground_page"]
