"""L2 regularisation versus decoupled weight decay (lecture 3), on a weight whose data gradient is 0: under Adam
with weight_decay the L2 term λw passes through Adam's division by √v̂, so the weight falls by about lr per step
whatever λ is; under AdamW (decoupled) and under SGD with weight_decay it shrinks as w0·(1 − lr·λ)^t."""
from ... import cli_args
from .common import add_out_argument, add_seed_argument, check_out, write_figure

HELP = "L2 versus decoupled weight decay: a zero-gradient weight under Adam + L2, AdamW and SGD + L2"


def add_arguments(parser):
    parser.add_argument("--lr", type=cli_args.positive_float, default=0.01, help="learning rate of every optimizer")
    parser.add_argument("--decays", nargs="+", type=cli_args.non_negative_float, default=[0.01, 0.1],
                        metavar="LAMBDA", help="weight-decay coefficients λ (PyTorch's weight_decay)")
    parser.add_argument("--steps", type=cli_args.positive_int, default=300, help="updates of every optimizer")
    parser.add_argument("--w0", type=cli_args.finite_float, default=1.0,
                        help="starting value of the zero-gradient weight")
    parser.add_argument("--rows", type=cli_args.positive_int, default=11, help="rows of each printed table")
    add_seed_argument(parser)
    add_out_argument(parser, "the weight and its change per step")


def run(args):
    from ..weight_decay import weight_decay_lab
    check_out(args)
    result = weight_decay_lab(args.lr, args.decays, args.steps, args.w0, seed=args.seed)
    print(result.table(args.rows))
    write_figure(result.plot, args.out)
    return 0
