"""scikit-learn's BernoulliRBM (PCD-1) on MNIST, one epoch, as a user calls it:
float64 pixels (what x / 255.0 gives) or float32 (which it keeps in float32).

  python3 sklearn_rbm.py --data-dir data --dtype float64 --batch-size 100 [--examples N]
"""

import argparse

import numpy as np
import sklearn
from sklearn.neural_network import BernoulliRBM

from mnist import load_train_images
from timing import Stopwatch, report

parser = argparse.ArgumentParser()
parser.add_argument("--data-dir", default="data")
parser.add_argument("--dtype", choices=("float64", "float32"), default="float64")
parser.add_argument("--batch-size", type=int, default=100)
parser.add_argument("--examples", type=int, default=0, help="first N images (0: all)")
parser.add_argument("--hidden", type=int, default=500)
parser.add_argument("--setting", default="as usually called")
parser.add_argument("--compare-to", default="rbm_cd1_b100", help="the engine workload it matches")
args = parser.parse_args()

x = load_train_images(args.data_dir, np.dtype(args.dtype))
if args.examples:
    x = x[: args.examples]
rbm = BernoulliRBM(n_components=args.hidden, learning_rate=0.05, batch_size=args.batch_size,
                   n_iter=1, random_state=0, verbose=0)
with Stopwatch() as clock:
    rbm.fit(x)
if not np.isfinite(rbm.components_).all() or rbm.components_.dtype != x.dtype:
    raise SystemExit("sklearn_rbm: BernoulliRBM did not train in " + args.dtype)

report(f"sklearn_b{args.batch_size}_{args.dtype}",
       f"scikit-learn {sklearn.__version__} BernoulliRBM 784-{args.hidden} PCD-1, batch "
       f"{args.batch_size}, {args.dtype} input",
       examples=x.shape[0], seconds=clock.seconds, batch_size=args.batch_size,
       compare_to=args.compare_to,
       setting=args.setting, dtype=args.dtype)
