"""A short, idiomatic PyTorch CPU RBM trained with CD-1 on MNIST for one epoch: the
code a researcher writes first (float32 tensors, whole-batch matrix products,
torch.bernoulli), not a tuned kernel. Same five products per batch as the engine.

  python3 torch_rbm.py --data-dir data --threads 2 [--batch-size 100] [--examples N]
"""

import torch

from timing import Stopwatch, report
from torch_setup import parse_and_load

args, data = parse_and_load(
    lambda parser: parser.add_argument("--hidden", type=int, default=500))
n, n_visible = data.shape
lr = 0.05
W = torch.randn(n_visible, args.hidden) * 0.01
b = torch.zeros(n_visible)
c = torch.zeros(args.hidden)


@torch.no_grad()
def cd1_step(v0):
    ph0 = torch.sigmoid(v0 @ W + c)
    h0 = torch.bernoulli(ph0)
    pv1 = torch.sigmoid(h0 @ W.t() + b)
    v1 = torch.bernoulli(pv1)
    ph1 = torch.sigmoid(v1 @ W + c)
    batch = v0.shape[0]
    W.add_((v0.t() @ ph0 - v1.t() @ ph1) * (lr / batch))
    b.add_((v0 - v1).mean(0) * lr)
    c.add_((ph0 - ph1).mean(0) * lr)


with Stopwatch() as clock:
    order = torch.randperm(n)
    for begin in range(0, n, args.batch_size):
        cd1_step(data[order[begin : begin + args.batch_size]])
if not torch.isfinite(W).all():
    raise SystemExit("torch_rbm: the weights are not finite")

report(f"torch_rbm_cd1_b{args.batch_size}_threads{args.threads}",
       f"PyTorch {torch.__version__} RBM {n_visible}-{args.hidden} CD-1, batch "
       f"{args.batch_size}, torch.set_num_threads({args.threads})",
       examples=n, seconds=clock.seconds, batch_size=args.batch_size,
       compare_to="rbm_cd1_b100", setting=args.setting, torch_threads=torch.get_num_threads())
