"""Bad command lines, table-driven, across every subcommand: each ends with a non-zero status and a message of one
or two lines on stderr that names the option, before any work starts, and never with a traceback. Argument
errors exit with 2 (refused while parsing), problems no single argument shows with 1."""
import subprocess
import sys

import pytest

from tinygrad_edu import cli

DIRECTORY, MISSING, PLAIN_FILE = "<dir>", "<dir>/missing/out", "<dir>/file"

# (command line, the option the message must name, exit status)
BAD = [
    (["train", "--batch-size", "0"], "--batch-size", 2),
    (["train", "--batch-size", "-5"], "--batch-size", 2),
    (["train", "--batch-size", "2.5"], "--batch-size", 2),
    (["train", "--epochs", "0"], "--epochs", 2),
    (["train", "--epochs", "-3", "--schedule", "none"], "--epochs", 2),
    (["train", "--val-fraction", "1.5"], "--val-fraction", 2),
    (["train", "--val-fraction", "0"], "--val-fraction", 2),
    (["train", "--samples", "0"], "--samples", 2),
    (["train", "--samples", "5"], "--samples", 2),
    (["train", "--dropout", "1.5"], "--dropout", 2),
    (["train", "--dropout", "-0.2"], "--dropout", 2),
    (["train", "--dropout", "1"], "--dropout", 2),
    (["train", "--lr", "nan"], "--lr", 2),
    (["train", "--lr", "inf"], "--lr", 2),
    (["train", "--lr", "0"], "--lr", 2),
    (["train", "--lr", "-0.1"], "--lr", 2),
    (["train", "--weight-decay", "nan"], "--weight-decay", 2),
    (["train", "--weight-decay", "-1"], "--weight-decay", 2),
    (["train", "--noise", "nan"], "--noise", 2),
    (["train", "--noise", "-0.1"], "--noise", 2),
    (["train", "--dataset", "blobs", "--noise", "0.1"], "--noise", 2),
    (["train", "--patience", "-1"], "--patience", 2),
    (["train", "--patience", "0"], "--patience", 2),
    (["train", "--seed", "-1"], "--seed", 2),
    (["train", "--seed", "abc"], "--seed", 2),
    (["train", "--hidden", "64,x"], "--hidden", 2),
    (["train", "--hidden", "0"], "--hidden", 2),
    (["train", "--hidden", ""], "--hidden", 2),
    (["train", "--save", DIRECTORY], "--save", 2),
    (["train", "--save", MISSING], "--save", 2),
    (["train", "--save", PLAIN_FILE + "/run.npz"], "--save", 2),
    (["train", "--plot", DIRECTORY], "--plot", 2),
    (["train", "--data-root", MISSING], "--data-root", 2),
    (["train", "--data-root", PLAIN_FILE], "--data-root", 2),
    (["train", "--dataset", "cifar"], "--dataset", 2),
    (["train", "--activation", "gelu"], "--activation", 2),
    (["train", "--optimizer", "lion"], "--optimizer", 2),
    (["train", "--schedule", "warmup"], "--schedule", 2),
    (["train", "--bogus"], "--bogus", 2),
    (["train", "--hidden", "200000,200000"], "--hidden", 1),
    (["train", "--dataset", "fashion-mnist", "--data-root", DIRECTORY], "--data-root", 1),
    (["playground", "--optimizers", "adamx"], "--optimizers", 2),
    (["playground", "--optimizers", "adam:lr=nan"], "--optimizers", 2),
    (["playground", "--optimizers", "adam:lr=-1"], "--optimizers", 2),
    (["playground", "--optimizers", "adam:lr="], "--optimizers", 2),
    (["playground", "--optimizers", "adam:lrr=0.1"], "--optimizers", 2),
    (["playground", "--start", "1", "2", "3"], "--start", 2),
    (["playground", "--start", "nan", "1"], "--start", 2),
    (["playground", "--steps", "0"], "--steps", 2),
    (["playground", "--h", "0"], "--h", 2),
    (["playground", "--every", "0"], "--every", 2),
    (["playground", "--digits", "-1"], "--digits", 2),
    (["playground", "--function", "himmelblau"], "--function", 2),
    (["playground", "--out", DIRECTORY], "--out", 2),
    (["compare", "--epochs", "0"], "--epochs", 2),
    (["compare", "--samples", "3"], "--samples", 2),
    (["compare", "--hidden", "1,-2"], "--hidden", 2),
    (["compare", "--batch-size", "0"], "--batch-size", 2),
    (["compare", "--schedule", "warmup"], "--schedule", 2),
    (["compare", "--optimizers", "sgd:lr=inf"], "--optimizers", 2),
    (["compare", "--hidden", "200000,200000"], "--hidden", 1),
    (["schedule", "--rows", "1"], "--rows", 2),
    (["schedule", "--steps", "0"], "--steps", 2),
    (["schedule", "--lr", "-1"], "--lr", 2),
    (["schedule", "--names", "warmup"], "--names", 2),
    (["schedule", "--out", MISSING + ".png"], "--out", 2),
    (["lr-finder", "--start-lr", "1", "--end-lr", "0.1"], "--start-lr", 2),
    (["lr-finder", "--num-steps", "1"], "--num-steps", 2),
    (["lr-finder", "--start-lr", "0"], "--start-lr", 2),
    (["lr-finder", "--end-lr", "nan"], "--end-lr", 2),
    (["lr-finder", "--optimizer", "adamx"], "--optimizer", 2),
    (["init-lab", "--depth", "0"], "--depth", 2),
    (["init-lab", "--width", "0"], "--width", 2),
    (["init-lab", "--batch", "0"], "--batch", 2),
    (["init-lab", "--widths", "64"], "--widths", 2),
    (["init-lab", "--widths", "64,0"], "--widths", 2),
    (["init-lab", "--chain", "nan"], "--chain", 2),
    (["init-lab", "--chain", "1.5", "--symmetry"], "--symmetry", 2),
    (["init-lab", "--activation", "gelu"], "--activation", 2),
    (["init-lab", "--init", "kaiming_uniform"], "--init", 2),
    (["init-lab", "--width", "100000", "--depth", "100"], "--width", 1),
    (["weight-decay", "--lr", "0"], "--lr", 2),
    (["weight-decay", "--decays", "nan"], "--decays", 2),
    (["weight-decay", "--decays", "-0.1"], "--decays", 2),
    (["weight-decay", "--steps", "0"], "--steps", 2),
    (["weight-decay", "--w0", "inf"], "--w0", 2),
    (["weight-decay", "--rows", "0"], "--rows", 2),
    (["batch-noise", "--batch-sizes", "half"], "--batch-sizes", 2),
    (["batch-noise", "--batch-sizes", "0"], "--batch-sizes", 2),
    (["batch-noise", "--batch-sizes", "1000", "--samples", "100"], "--batch-sizes", 2),
    (["batch-noise", "--samples", "1"], "--samples", 2),
    (["batch-noise", "--noise", "nan"], "--noise", 2),
    (["batch-noise", "--draws", "0"], "--draws", 2),
    (["batch-noise", "--lr", "nan"], "--lr", 2),
]


def with_paths(argv, tmp_path):
    """The command line with the placeholders made real: a directory, a file in it, a path under a missing one."""
    (tmp_path / "file").write_text("not a directory")
    return [word.replace(DIRECTORY, str(tmp_path)) for word in argv]


def run(argv, capsys):
    """(exit status, stdout, stderr) of cli.main(argv), in this process."""
    try:
        status = cli.main(argv)
    except SystemExit as exit_info:  # argparse refuses while parsing
        status = exit_info.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def test_the_table_covers_every_subcommand_with_at_least_forty_command_lines():
    assert len(BAD) >= 40 and {argv[0] for argv, _, _ in BAD} == set(cli.COMMANDS)


@pytest.mark.parametrize("argv, option, status", BAD, ids=[" ".join(argv) for argv, _, _ in BAD])
def test_a_bad_command_line_is_one_clear_line(argv, option, status, tmp_path, capsys):
    code, out, err = run(with_paths(argv, tmp_path), capsys)
    assert code == status
    assert out == ""  # refused before any work
    assert "Traceback" not in err and 1 <= len(err.strip().splitlines()) <= 2
    assert err.startswith(f"tinygrad-edu {argv[0]}: error: ") and option in err


def test_an_unknown_command_names_the_choices(capsys):
    code, _, err = run(["trian"], capsys)
    assert code == 2 and "invalid choice: 'trian'" in err and "train" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("argv, status, message", [
    (["train", "--batch-size", "0"], 2, "tinygrad-edu train: error: --batch-size must be a positive integer, got 0\n"),
    (["lr-finder", "--start-lr", "1", "--end-lr", "0.5"], 2,
     "tinygrad-edu lr-finder: error: --start-lr must be below --end-lr, got 1 and 0.5\n"),
    (["train", "--hidden", "200000,200000"], 1, "tinygrad-edu train: error: the MLP 2-200000-200000-3 has "),
])
def test_exit_codes_end_to_end(argv, status, message):
    """The same through a real process: `python -m tinygrad_edu` reports the status to the shell."""
    result = subprocess.run([sys.executable, "-m", "tinygrad_edu", *argv], capture_output=True, text=True,
                            timeout=120, check=False)
    assert result.returncode == status and result.stdout == ""
    assert result.stderr.startswith(message) and "Traceback" not in result.stderr
