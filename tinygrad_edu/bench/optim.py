"""Optimizer step speed: our fused C update vs the same rule as multi-pass numpy vs torch.optim, in one run.

    python -m tinygrad_edu.bench optim [--sizes 1000000 10000000] [--repeats 7] [--quick]

One float32 parameter of n elements with its gradient. For SGD with momentum, Adam and AdamW: time per step
of the optimizer class (`step()` on the C backend), of the raw fused kernel alone, of the numpy reference rule
(backend/reference.py: one pass per arithmetic operation), and of torch.optim with foreach=True and
fused=True when PyTorch is installed. The fused kernel reads and writes each buffer once, so its speed is
set by memory bandwidth: the table gives its effective GB/s next to a plain copy's, measured in the same run.
"""
import numpy as np

from .timing import median_time

# rule name -> (our class, its keyword arguments, bytes moved per element per step in float32:
#               param r+w, grad r, and each state buffer r+w)
RULES = {
    "SGD-momentum": ("SGD", {"lr": 0.01, "momentum": 0.9}, 4 * (2 + 1 + 2)),
    "Adam": ("Adam", {"lr": 1e-3}, 4 * (2 + 1 + 2 + 2)),
    "AdamW": ("AdamW", {"lr": 1e-3, "weight_decay": 1e-2}, 4 * (2 + 1 + 2 + 2)),
}


def add_arguments(parser):
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 10_000_000], help="parameter counts")
    parser.add_argument("--repeats", type=int, default=7, help="timed repeats (the median is reported)")
    parser.add_argument("--quick", action="store_true", help="1M parameters only, 3 repeats")


def copy_bandwidth_gbs(n, repeats):
    """GB/s of np.copyto over n float32: the memory speed the fused kernels are measured against."""
    source, target = np.ones(n, np.float32), np.empty(n, np.float32)
    seconds = median_time(lambda: np.copyto(target, source), repeats)
    return 2 * 4 * n / seconds / 1e9


def ours(rule, n, repeats):
    """(seconds per optimizer step on the C backend, seconds per raw kernel call, seconds per numpy-reference step)."""
    import tinygrad_edu as tg
    from tinygrad_edu import backend, optim
    class_name, kwargs, _ = RULES[rule]
    param = tg.tensor(np.random.default_rng(0).standard_normal(n).astype(np.float32), requires_grad=True)
    param.grad = tg.tensor(np.full(n, 1e-3, np.float32))
    optimizer = getattr(optim, class_name)([param], **kwargs)
    backend.use("c")
    optimizer.step()  # creates the state buffers
    step_time = median_time(optimizer.step, repeats)
    raw_time = median_time(_raw_kernel(optimizer, param), repeats)
    backend.use("numpy")
    reference_time = median_time(optimizer.step, repeats)
    backend.use("c")
    return step_time, raw_time, reference_time


def _raw_kernel(optimizer, param):
    """A call of the rule's fused C kernel on this parameter's buffers, without the optimizer's Python around it."""
    from tinygrad_edu.backend import c
    state, grad = optimizer.state[param], param.grad.data
    if "exp_avg" in state:
        return lambda: c.adam_step(param.data, grad, state["exp_avg"], state["exp_avg_sq"], None,
                                   step_size=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, 
                                   weight_decay=0.0, param_decay=1.0, maximize=False)
    return lambda: c.sgd_step(param.data, grad, state["momentum_buffer"], lr=0.01, momentum=0.9, dampening=0.0,
                              weight_decay=0.0, nesterov=False, maximize=False, lecture_style=False)


def torch_times(rule, n, repeats):
    """{"foreach": seconds, "fused": seconds} per torch.optim step, or {} without PyTorch."""
    try:
        import torch
    except ImportError:
        return {}
    torch.set_num_threads(1)
    class_name, kwargs, _ = RULES[rule]
    times = {}
    for variant in ("foreach", "fused"):
        param = torch.nn.Parameter(torch.from_numpy(np.random.default_rng(0).standard_normal(n).astype(np.float32)))
        param.grad = torch.full((n,), 1e-3)
        try:
            optimizer = getattr(torch.optim, class_name)([param], **kwargs, **{variant: True})
        except (RuntimeError, TypeError, ValueError):  # a variant this torch build does not offer
            continue
        optimizer.step()
        times[variant] = median_time(optimizer.step, repeats)
    return times


def report(args):
    import tinygrad_edu as tg
    tg.set_num_threads(1)
    sizes, repeats = ([1_000_000], 3) if args.quick else (args.sizes, args.repeats)
    lines = ["## Optimizer step: fused C kernel vs numpy vs torch.optim (float32, 1 thread)", "",
             "ms per step (medians); ratios are the other's time over ours (above 1: ours is faster).", ""]
    for n in sizes:
        copy_gbs = copy_bandwidth_gbs(n, repeats)
        lines += [f"### {n:,} parameters (copy bandwidth {copy_gbs:.1f} GB/s)", "",
                  "| rule | ours step() | raw kernel | kernel GB/s | numpy | torch foreach | torch fused "
                  "| × numpy | × foreach | × fused |", "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for rule in RULES:
            step_time, raw_time, reference_time = ours(rule, n, repeats)
            torch_time = torch_times(rule, n, repeats)
            gbs = RULES[rule][2] * n / raw_time / 1e9
            foreach, fused = torch_time.get("foreach"), torch_time.get("fused")
            ms = lambda t: "—" if t is None else f"{t * 1e3:.2f}"  # noqa: E731
            ratio = lambda t: "—" if t is None else f"{t / step_time:.2f}"  # noqa: E731
            lines.append(f"| {rule} | {ms(step_time)} | {ms(raw_time)} | {gbs:.1f} | {ms(reference_time)} | "
                         f"{ms(foreach)} | {ms(fused)} | {ratio(reference_time)} | {ratio(foreach)} | {ratio(fused)} |")
        lines.append("")
    return lines


def run(args):
    print("\n".join(report(args)))
    return 0
