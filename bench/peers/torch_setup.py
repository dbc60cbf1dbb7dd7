"""What the PyTorch peers share: their common flags, the thread setting under test,
a fixed seed and the MNIST training images as one float32 tensor."""

import argparse

import torch

from mnist import load_train_images


def parse_and_load(add_flags):
    """Parses the common flags plus those `add_flags(parser)` adds, applies
    --threads and the seed, and returns (args, images as an N x 784 tensor)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="data")
    parser.add_argument("--threads", type=int, default=2, help="torch.set_num_threads")
    parser.add_argument("--batch-size", type=int, default=100)
    parser.add_argument("--examples", type=int, default=0, help="first N images (0: all)")
    parser.add_argument("--setting", default="as usually called")
    add_flags(parser)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    data = torch.from_numpy(load_train_images(args.data_dir))
    if args.examples:
        data = data[: args.examples]
    return args, data
