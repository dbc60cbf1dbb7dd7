"""A short, idiomatic PyTorch CPU joint-training step of a 784-500-1000 DBM on
MNIST for one epoch: mean-field positive phase (10 Gauss-Seidel steps, the visible
input computed once), 100 persistent particles advanced 5 block-Gibbs sweeps per
update, momentum SGD. The same products per batch as the engine's finetune()
(bench/flops.hpp); the starting weights are random (speed does not depend on them).

  python3 torch_dbm.py --data-dir data --threads 2 [--examples N]
"""

import torch

from timing import Stopwatch, report
from torch_setup import parse_and_load


def dbm_flags(parser):
    parser.add_argument("--particles", type=int, default=100)
    parser.add_argument("--sweeps", type=int, default=5)
    parser.add_argument("--mean-field-steps", type=int, default=10)


args, data = parse_and_load(dbm_flags)
n = data.shape[0]
sizes = (784, 500, 1000)
W = [torch.randn(sizes[l], sizes[l + 1]) * 0.01 for l in range(2)]
a = [torch.zeros(s) for s in sizes]
dW = [torch.zeros_like(w) for w in W]
da = [torch.zeros_like(x) for x in a]
x = [torch.bernoulli(torch.full((args.particles, s), 0.5)) for s in sizes]  # particles
lr, momentum, decay = 0.001, 0.9, 0.0002


def mean_field(v):
    visible_input = v @ W[0]
    mu1 = torch.sigmoid(2 * visible_input + a[1])  # doubled bottom-up initialisation
    mu2 = torch.sigmoid(mu1 @ W[1] + a[2])
    for _ in range(args.mean_field_steps):
        mu1 = torch.sigmoid(visible_input + mu2 @ W[1].t() + a[1])
        mu2 = torch.sigmoid(mu1 @ W[1] + a[2])
    return [v, mu1, mu2]


def gibbs_sweep():
    x[0] = torch.bernoulli(torch.sigmoid(x[1] @ W[0].t() + a[0]))
    x[2] = torch.bernoulli(torch.sigmoid(x[1] @ W[1] + a[2]))
    p1 = torch.sigmoid(x[0] @ W[0] + x[2] @ W[1].t() + a[1])
    x[1] = torch.bernoulli(p1)
    return p1


@torch.no_grad()
def joint_step(v):
    mu = mean_field(v)
    for _ in range(args.sweeps):
        p1 = gibbs_sweep()
    negative = [x[0], p1, x[2]]  # odd layer: the probabilities (Rao-Blackwellised)
    for l in range(2):
        grad = mu[l].t() @ mu[l + 1] / v.shape[0] - negative[l].t() @ negative[l + 1] / args.particles
        dW[l].mul_(momentum).add_(lr * (grad - decay * W[l]))
        W[l].add_(dW[l])
    for l in range(3):
        da[l].mul_(momentum).add_(lr * (mu[l].mean(0) - negative[l].mean(0)))
        a[l].add_(da[l])


with Stopwatch() as clock:
    order = torch.randperm(n)
    for begin in range(0, n, args.batch_size):
        joint_step(data[order[begin : begin + args.batch_size]])
if not all(torch.isfinite(w).all() for w in W):
    raise SystemExit("torch_dbm: the weights are not finite")

report(f"torch_dbm_joint_b{args.batch_size}_threads{args.threads}",
       f"PyTorch {torch.__version__} DBM 784-500-1000 joint training, batch {args.batch_size}, "
       f"{args.mean_field_steps} mean-field steps, {args.particles} particles x {args.sweeps} "
       f"sweeps, torch.set_num_threads({args.threads})",
       examples=n, seconds=clock.seconds, batch_size=args.batch_size,
       compare_to="dbm_joint_b100", setting=args.setting, torch_threads=torch.get_num_threads())
