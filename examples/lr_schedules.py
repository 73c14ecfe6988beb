"""Learning-rate schedules over 200 steps, starting from (or peaking at) 0.1: step decay, the lectures' linear
decay η₀(1 − t/T) and exponential decay η₀e^(−t/T), cosine annealing, SGDR (cosine with warm restarts),
cyclical rates and one-cycle — printed every 20 steps and drawn one panel each, with the formula and whether a
training loop steps it per epoch or per batch (the registry `train --schedule` reads too).

    python examples/lr_schedules.py [FIGURES_DIR]      (default figures/)
"""
import sys
from pathlib import Path

from tinygrad_edu import lab
from tinygrad_edu.lab.tables import format_table

figures = Path(sys.argv[1] if len(sys.argv) > 1 else "figures")
figures.mkdir(parents=True, exist_ok=True)

steps = 200
values = {name: lab.schedule_values(lab.make_schedule(name, lr=0.1, steps=steps), steps) for name in lab.SCHEDULES}
rows = [(t, *(values[name][t] for name in values)) for t in range(0, steps, 20)]
print(format_table(["t", *values], rows, ["d"] + [".4f"] * len(values)))
lab.save_figure(lambda path: lab.plot_schedule({name: lab.make_schedule(name, 0.1, steps) for name in lab.SCHEDULES},
                                               steps, path), figures / "lr_schedules.png")
