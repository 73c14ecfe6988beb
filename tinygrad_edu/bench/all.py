"""Every benchmark with its default settings, collected into one Markdown report.

    python -m tinygrad_edu.bench all [--output bench_report.md]
"""
import argparse
import contextlib
import datetime
import importlib
import io
import platform

ORDER = ("peak", "matmul", "optim", "mlp", "graph")


def add_arguments(parser):
    parser.add_argument("--output", default="bench_report.md", help="where to write the Markdown report")


def _run_captured(name):
    """Run benchmark `name` with its defaults; what it printed."""
    module = importlib.import_module(f"tinygrad_edu.bench.{name}")
    parser = argparse.ArgumentParser()
    module.add_arguments(parser)
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        module.run(parser.parse_args([]))
    return printed.getvalue()


def run(args):
    import tinygrad_edu
    sections = [f"# tinygrad_edu benchmark report ({datetime.date.today()})", "",
                f"- machine: {platform.machine()}, {platform.processor() or 'unknown CPU'}, Python {platform.python_version()}",
                f"- backend: {tinygrad_edu.backend_info()}", ""]
    for name in ORDER:
        print(f"running {name} ...", flush=True)
        output = _run_captured(name)
        print(output)
        sections += [f"## {name}", "", "```", output.rstrip(), "```", ""]
    with open(args.output, "w") as f:
        f.write("\n".join(sections))
    print(f"report written to {args.output}")
    return 0
