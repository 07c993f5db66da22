#!/usr/bin/env python3
"""An independent byzps worker, written from docs/PROTOCOL.md and the .proto files alone.

It joins, then for each round long-polls Pull for θ, computes the built-in task's gradient for
its shard exactly as PROTOCOL.md section 8 specifies, and pushes it. For the first --save rounds it
writes θ_r and its gradient as .npy files, and once its θ₀ (and, for synthetic, θ*), so a test can
compare them with the TypeScript implementation.

Usage: byzps_worker.py --stubs DIR --server HOST:PORT --name NAME --task synthetic|fashion-mnist
         --shard W --workers N --seed S --data-seed D --batch-size B --rounds R --out DIR
         [--dimension d] [--hidden H] [--token T] [--save K]
"""
import argparse
import gzip
import json
import math
import os
import sys

import numpy as np

MASK = 0xFFFFFFFF


# Random numbers (PROTOCOL.md section 8, "Random numbers").
def mix32(x):
    x &= MASK
    x = ((x ^ (x >> 16)) * 0x85EBCA6B) & MASK
    x = ((x ^ (x >> 13)) * 0xC2B2AE35) & MASK
    return (x ^ (x >> 16)) & MASK


def derive_seed(seed, *path):
    h = mix32(seed)
    for p in path:
        h = mix32(h ^ mix32(p & MASK) ^ ((mix32((p // 2**32) & MASK) * 0x9E3779B9) & MASK))
    return h


class XorShift32:
    def __init__(self, state):
        self.state = (state & MASK) or 0x9E3779B9

    @classmethod
    def from_seed(cls, seed):
        generator = cls((((seed & MASK) * 0x2545F491) & MASK) ^ 0x6C8E9CF5)
        for _ in range(8):
            generator.next_u32()
        return generator

    def next_u32(self):
        s = self.state
        s ^= (s << 13) & MASK
        s ^= s >> 17
        s ^= (s << 5) & MASK
        self.state = s
        return s

    def next(self):
        return self.next_u32() / 2**32

    def permutation(self, n):
        order = list(range(n))
        for i in range(n - 1, 0, -1):
            j = int(self.next() * (i + 1))
            order[i], order[j] = order[j], order[i]
        return order


# The synthetic task (PROTOCOL.md section 8, "synthetic").
class Synthetic:
    def __init__(self, d, seed, noise=1.0):
        self.d, self.noise = d, noise
        self.curvature = [1.0 if d == 1 else 0.1 + (0.9 * j) / (d - 1) for j in range(d)]
        self.optimum = self.uniform_vector(derive_seed(seed, 0x0B7), math.sqrt(3 / d))
        self.initial = self.uniform_vector(derive_seed(seed, 0x7E0), 1 / math.sqrt(d))

    def uniform_vector(self, seed, half_width):
        generator = XorShift32.from_seed(seed)
        return np.array([half_width * (2 * generator.next() - 1) for _ in range(self.d)], dtype=np.float32)

    def gradient(self, theta, worker, data_seed, round_, batch):
        generator = XorShift32(derive_seed(data_seed, 0x5A3, worker, round_, batch))
        a = math.sqrt(3) * self.noise / math.sqrt(self.d * batch)
        g = np.empty(self.d, dtype=np.float32)
        for j in range(self.d):
            rho = float(theta[j]) - float(self.optimum[j]) - a * (2 * generator.next() - 1)
            g[j] = self.curvature[j] * rho
        return g


# The fashion-mnist task (PROTOCOL.md section 8, "fashion-mnist").
def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as file:
        data = file.read()
    rank = data[3]
    dims = [int.from_bytes(data[4 + 4 * k: 8 + 4 * k], 'big') for k in range(rank)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * rank).reshape(dims)


def locate(directory, name):
    for candidate in (os.path.join(directory, name), os.path.join(directory, name + '.gz')):
        if os.path.exists(candidate):
            return candidate
    raise FileNotFoundError(f'{name} not in {directory}')


class FashionMnist:
    INPUTS, CLASSES = 784, 10

    def __init__(self, hidden, seed, data_dir):
        self.hidden = hidden
        self.images = read_idx(locate(data_dir, 'train-images-idx3-ubyte')).reshape(-1, self.INPUTS)
        self.labels = read_idx(locate(data_dir, 'train-labels-idx1-ubyte'))
        h, c, i = hidden, self.CLASSES, self.INPUTS
        self.b1 = i * h
        self.w2 = self.b1 + h
        self.b2 = self.w2 + h * c
        self.d = self.b2 + c
        generator = XorShift32.from_seed(seed)
        theta = np.zeros(self.d, dtype=np.float32)
        limit1, limit2 = math.sqrt(6 / i), math.sqrt(6 / (h + c))
        for k in range(0, self.b1):
            theta[k] = limit1 * (2 * generator.next() - 1)
        for k in range(self.w2, self.b2):
            theta[k] = limit2 * (2 * generator.next() - 1)
        self.initial = theta
        self.shards = {}

    def shard(self, worker, workers, data_seed):
        key = (worker, workers, data_seed)
        if key not in self.shards:
            n = len(self.labels)
            order = XorShift32.from_seed(derive_seed(data_seed, 0x11D)).permutation(n)
            self.shards[key] = order[(worker * n) // workers:((worker + 1) * n) // workers]
        return self.shards[key]

    def batch(self, worker, workers, data_seed, round_, size):
        shard = self.shard(worker, workers, data_seed)
        m = len(shard)
        orders = {}
        indices = []
        for q in range(round_ * size, round_ * size + size):
            epoch = q // m
            if epoch not in orders:
                orders[epoch] = XorShift32.from_seed(derive_seed(data_seed, worker, epoch)).permutation(m)
            indices.append(shard[orders[epoch][q % m]])
        return indices

    def gradient(self, theta, worker, workers, data_seed, round_, size):
        h, c, i = self.hidden, self.CLASSES, self.INPUTS
        w1 = theta[:self.b1].astype(np.float64).reshape(i, h)
        b1 = theta[self.b1:self.w2].astype(np.float64)
        w2 = theta[self.w2:self.b2].astype(np.float64).reshape(h, c)
        b2 = theta[self.b2:].astype(np.float64)
        g = np.zeros(self.d, dtype=np.float32)
        for index in self.batch(worker, workers, data_seed, round_, size):
            x = self.images[index].astype(np.float64) * (1 / 255)
            y = int(self.labels[index])
            z = b1 + x @ w1
            a = np.maximum(z, 0)
            logits = b2 + a @ w2
            largest = float(logits.max())
            total = 0.0
            for value in np.exp(logits - largest):
                total += float(value)
            p = np.exp(logits - (largest + math.log(total)))
            delta = p.copy()
            delta[y] -= 1
            delta /= size
            active = z > 0
            error = np.where(active, w2 @ delta, 0.0)
            contribution = np.zeros(self.d, dtype=np.float64)
            contribution[self.b2:] = delta
            contribution[self.w2:self.b2] = (np.where(active, z, 0.0)[:, None] * delta[None, :]).reshape(-1)
            contribution[self.b1:self.w2] = error
            contribution[:self.b1] = (x[:, None] * error[None, :]).reshape(-1)
            # One float32-rounded addition per coordinate and example, as the reference accumulates.
            g = (g.astype(np.float64) + contribution).astype(np.float32)
        return g


def main():
    parser = argparse.ArgumentParser()
    for flag in ('--stubs', '--server', '--name', '--task', '--out', '--token', '--data-dir'):
        parser.add_argument(flag, default='')
    for flag in ('--shard', '--workers', '--seed', '--data-seed', '--batch-size', '--rounds', '--dimension', '--hidden', '--save'):
        parser.add_argument(flag, type=int, default=0)
    args = parser.parse_args()
    sys.path.insert(0, args.stubs)
    import grpc
    from byzps.v1 import parameter_server_pb2 as pb
    from byzps.v1 import parameter_server_pb2_grpc as rpc

    channel = grpc.insecure_channel(args.server)
    stub = rpc.ParameterServerStub(channel)
    metadata = (('authorization', f'Bearer {args.token}'),) if args.token else ()
    joined = stub.Join(pb.JoinRequest(worker_name=args.name), metadata=metadata, timeout=30)
    if args.task == 'synthetic':
        task = Synthetic(joined.dimension, args.seed)
        np.save(os.path.join(args.out, 'optimum.npy'), task.optimum)
        gradient = lambda theta, round_: task.gradient(theta, args.shard, args.data_seed, round_, args.batch_size)
    else:
        task = FashionMnist(args.hidden, args.seed, args.data_dir or '/usr/share/datasets/fashion-mnist')
        gradient = lambda theta, round_: task.gradient(theta, args.shard, args.workers, args.data_seed, round_, args.batch_size)
    assert task.d == joined.dimension, f'task has d={task.d}, the server {joined.dimension}'
    np.save(os.path.join(args.out, 'initial.npy'), task.initial)
    floats_per_chunk = joined.max_chunk_bytes // 4
    wanted = joined.round
    pushed = 0
    while pushed < args.rounds:
        theta = np.empty(joined.dimension, dtype=np.float32)
        try:
            round_ = None
            for chunk in stub.Pull(pb.PullRequest(worker_id=joined.worker_id, min_round=wanted), metadata=metadata, timeout=joined.pull_wait_ms / 1000 + 30):
                round_ = chunk.round
                values = np.frombuffer(chunk.data, dtype='<f4')
                theta[chunk.offset:chunk.offset + len(values)] = values
        except grpc.RpcError as error:
            if error.code() == grpc.StatusCode.DEADLINE_EXCEEDED:
                continue
            raise
        g = gradient(theta, round_)
        chunks = (pb.GradientChunk(worker_id=joined.worker_id, round=round_, offset=offset, data=g[offset:offset + floats_per_chunk].astype('<f4').tobytes())
                  for offset in range(0, joined.dimension, floats_per_chunk))
        try:
            stub.Push(chunks, metadata=metadata, timeout=30)
            accepted = True
        except grpc.RpcError as error:
            accepted = error.code().name
        if pushed < args.save:
            np.save(os.path.join(args.out, f'theta-{round_}.npy'), theta)
            np.save(os.path.join(args.out, f'gradient-{round_}.npy'), g)
        print(json.dumps({'round': round_, 'accepted': accepted}), flush=True)
        pushed += 1
        wanted = round_ + 1
    channel.close()


if __name__ == '__main__':
    main()
