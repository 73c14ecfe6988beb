"""`python -m tinygrad_edu.bench <benchmark> [options]`: each benchmark is a module here with `add_arguments(parser)` and `run(args)`."""
import argparse
import importlib

BENCHMARKS = {
    "peak": "the arithmetic peak of this machine's cores, the ceiling for GEMM GFLOP/s",
    "matmul": "GEMM GFLOP/s of the C core vs numpy",
    "optim": "fused optimizer updates vs numpy and torch.optim",
    "mlp": "one MLP training step vs PyTorch and a hand-written numpy MLP",
    "graph": "autograd overhead: backward time vs graph size",
    "all": "every benchmark, with a Markdown report",
}


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tinygrad_edu.bench", description=__doc__)
    sub = parser.add_subparsers(dest="benchmark", required=True)
    for name, help_text in BENCHMARKS.items():
        module = importlib.import_module(f"tinygrad_edu.bench.{name}")
        sub_parser = sub.add_parser(name, help=help_text)
        module.add_arguments(sub_parser)
        sub_parser.set_defaults(module=module)
    args = parser.parse_args(argv)
    return args.module.run(args)


if __name__ == "__main__":
    raise SystemExit(main())
