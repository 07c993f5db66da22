#!/usr/bin/env python3
"""A least-squares torch model for the byzps_worker tests (test/python-worker.test.ts).

    linear_model.py init OUT.npy
    linear_model.py worker --server A --name N [--rounds R] [--attack A] [--encoding bfloat16] [--shard W]
    linear_model.py evaluate --server A [--until-round R] [--token T]

Each worker prints one JSON line per round it worked on; the evaluator one per evaluation.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'worker', 'python'))
from byzps_worker import Evaluator, Worker, save_initial_parameters  # noqa: E402

INPUTS = 16


def model():
    torch.manual_seed(0)
    return torch.nn.Linear(INPUTS, 1)


def data(seed, batches, batch_size=32):
    """y = x·w* + 1 + noise, w* fixed; batches of (x, y)."""
    truth = torch.from_numpy(np.random.default_rng(0).normal(size=(INPUTS, 1)).astype(np.float32))
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(batches):
        x = torch.from_numpy(rng.normal(size=(batch_size, INPUTS)).astype(np.float32))
        out.append((x, x @ truth + 1 + 0.01 * torch.from_numpy(rng.normal(size=(batch_size, 1)).astype(np.float32))))
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('command', choices=['init', 'worker', 'evaluate'])
    parser.add_argument('out', nargs='?')
    parser.add_argument('--server', default='127.0.0.1:50051')
    parser.add_argument('--name', default='worker-0')
    parser.add_argument('--token', default=None)
    parser.add_argument('--rounds', type=int, default=None)
    parser.add_argument('--until-round', type=int, default=None)
    parser.add_argument('--attack', default=None)
    parser.add_argument('--encoding', default='float32')
    parser.add_argument('--shard', type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)
    net = model()
    loss = torch.nn.functional.mse_loss
    if args.command == 'init':
        save_initial_parameters(net, args.out)
    elif args.command == 'worker':
        worker = Worker(net, loss, data(1 + args.shard, 20), server=args.server, name=args.name, token=args.token, attack=args.attack, encoding=args.encoding)
        report = lambda w, round_, seconds: print(json.dumps({'round': round_, 'pushed': w.pushed, 'refused': w.refused, 'loss': w.last_loss}), flush=True)
        pushed = worker.run(rounds=args.rounds, on_round=report)
        print(json.dumps({'done': True, 'pushed': pushed}), flush=True)
    else:
        evaluator = Evaluator(net, loss, data(99, 4), server=args.server, token=args.token, every=1, classify=False)
        evaluator.run(until_round=args.until_round, on_result=lambda round_, l, a: print(json.dumps({'round': round_, 'loss': l, 'accuracy': a}), flush=True))
        print(json.dumps({'done': True}), flush=True)


if __name__ == '__main__':
    main()
