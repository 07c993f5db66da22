#!/usr/bin/env python3
"""A small CNN on Fashion-MNIST, trained through byzps with byzps_worker (fashion_cnn.sh runs it).

    fashion_cnn.py init --out theta0.npy          θ₀ of the CNN, for byzps ps --initial-parameters
    fashion_cnn.py worker --index I --workers N   one worker on shard I of N (--attack sign-flip:k=4)
    fashion_cnn.py evaluate --until-round R       follows θ, reports test loss and accuracy to the server

Data: Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist), read from its IDX files.
"""
import argparse
import gzip
import logging
import os
import socket
import sys
import zlib

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..'))
from byzps_worker import Evaluator, Worker, save_initial_parameters  # noqa: E402

DATA_DIR = '/usr/share/datasets/fashion-mnist'


def cnn():
    """Two 5×5 convolutions with max pooling and a linear classifier: 11,274 parameters."""
    return nn.Sequential(
        nn.Conv2d(1, 8, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # 8 × 14 × 14
        nn.Conv2d(8, 16, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # 16 × 7 × 7
        nn.Flatten(), nn.Linear(16 * 7 * 7, 10),
    )


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as file:
        data = file.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * k:8 + 4 * k], 'big') for k in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def load(split, data_dir, keep=None):
    """Images as float32 in [0, 1], shape (n, 1, 28, 28), and int64 labels; only the examples `keep` when given."""
    prefix = 'train' if split == 'train' else 't10k'
    found = lambda name: next(p for p in (os.path.join(data_dir, name + '.gz'), os.path.join(data_dir, name)) if os.path.exists(p))
    images = read_idx(found(f'{prefix}-images-idx3-ubyte'))
    labels = read_idx(found(f'{prefix}-labels-idx1-ubyte'))
    if keep is not None:
        images, labels = images[keep], labels[keep]
    return torch.from_numpy(images.astype(np.float32) / 255).unsqueeze(1), torch.from_numpy(labels.astype(np.int64))


class ShardBatches:
    """Mini-batches of worker `index`'s shard (a seeded IID split of the 60,000 training images), reshuffled each pass."""

    def __init__(self, data_dir, index, workers, batch_size, seed, examples=60_000):
        order = np.random.default_rng(seed).permutation(examples)
        shard = np.sort(order[index * examples // workers:(index + 1) * examples // workers])
        self.images, self.labels = load('train', data_dir, shard)
        self.batch_size = batch_size
        self.rng = np.random.default_rng(seed + 1 + index)

    def __iter__(self):
        order = torch.from_numpy(self.rng.permutation(len(self.labels)))
        for start in range(0, len(order) - self.batch_size + 1, self.batch_size):
            picked = order[start:start + self.batch_size]
            yield self.images[picked], self.labels[picked]


def test_batches(data_dir, size, batch_size=1000):
    images, labels = load('test', data_dir, np.arange(size))
    return [(images[i:i + batch_size], labels[i:i + batch_size]) for i in range(0, len(labels), batch_size)]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('command', choices=['init', 'worker', 'evaluate'])
    parser.add_argument('--server', default='127.0.0.1:50051')
    parser.add_argument('--token', default=os.environ.get('BYZPS_TOKEN'))
    parser.add_argument('--data-dir', default=DATA_DIR)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--out', default='theta0.npy')
    parser.add_argument('--index', type=int, default=None, help='worker: its shard (default: from a hash of the host name, for replicas)')
    parser.add_argument('--name', default=None, help='worker: its name (default: worker-INDEX, or the host name without --index)')
    parser.add_argument('--workers', type=int, default=8)
    parser.add_argument('--batch-size', type=int, default=32)
    parser.add_argument('--attack', default='', help="e.g. sign-flip:k=4, gaussian:sigma=200, label-flip, alie:n=8,f=2")
    parser.add_argument('--encoding', default='float32', choices=['float32', 'bfloat16'])
    parser.add_argument('--rounds', type=int, default=None, help='worker: stop after this many rounds')
    parser.add_argument('--until-round', type=int, default=None, help='evaluate: stop once θ of this round is evaluated')
    parser.add_argument('--every', type=int, default=10, help='evaluate: every this many rounds')
    parser.add_argument('--test-size', type=int, default=10_000)
    parser.add_argument('--stall-seconds', type=float, default=30, help='evaluate: end when no round opens for this long')
    parser.add_argument('--result', default='', help='evaluate: write the last evaluation to this file')
    args = parser.parse_args()
    torch.set_num_threads(1)
    logging.basicConfig(level=logging.WARNING, format='%(message)s')
    torch.manual_seed(args.seed)
    model = cnn()
    if args.command == 'init':
        save_initial_parameters(model, args.out)
        print(f'θ₀ of the CNN ({sum(p.numel() for p in model.parameters())} parameters) in {args.out}', flush=True)
    elif args.command == 'worker':
        index = args.index if args.index is not None else zlib.crc32(socket.gethostname().encode()) % args.workers
        name = args.name or (f'worker-{args.index}' if args.index is not None else socket.gethostname())
        data = ShardBatches(args.data_dir, index, args.workers, args.batch_size, args.seed)
        worker = Worker(model, nn.functional.cross_entropy, data, server=args.server, name=name, token=args.token,
                        attack=args.attack or None, encoding=args.encoding)
        worker.run(rounds=args.rounds)
    else:
        data = test_batches(args.data_dir, args.test_size)
        evaluator = Evaluator(model, nn.functional.cross_entropy, data, server=args.server, token=args.token, every=args.every)
        last = evaluator.run(until_round=args.until_round, stall_seconds=args.stall_seconds,
                             on_result=lambda r, loss, acc: print(f'round {r}: test loss {loss:.4g}, accuracy {acc:.4f}', flush=True))
        if last is not None and args.result:
            stalled = f' (training stalled: no round for {args.stall_seconds:g} s)' if evaluator.stalled else ''
            with open(args.result, 'w') as file:
                file.write(f'round {last[0]}{stalled}: test loss {last[1]:.4g}, accuracy {last[2]:.4f}\n')


if __name__ == '__main__':
    main()
