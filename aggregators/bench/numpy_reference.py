"""Times numpy equivalents of the byzps aggregation kernels on the float32 rows bench.ts wrote.

Usage: python3 numpy_reference.py ROWS.npy TRIM R RUNS  ->  one JSON object on stdout, times in ms.
The Flag Aggregator entry is the reference's SVD formulation (Almasi et al., 2024): normalise the
rows, take the r leading left singular vectors Y of the d x n matrix, u = (1/r) Y Y^T sum_i g_i/|g_i|.
"""
import json
import sys
import time

import numpy as np


def median_ms(runs, body):
    body()
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        times.append((time.perf_counter() - start) * 1e3)
    return float(np.median(times))


def trimmed_mean(rows, trim):
    return np.sort(rows, axis=0)[trim : rows.shape[0] - trim].mean(axis=0)


def flag_svd(rows, r):
    norms = np.linalg.norm(rows, axis=1, keepdims=True)
    columns = (rows / np.maximum(norms, 1e-12)).T
    left, _, _ = np.linalg.svd(columns, full_matrices=False)
    subspace = left[:, :r]
    return subspace @ (subspace.T @ columns.sum(axis=1)) / r


def blas_name():
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
    except TypeError:
        # numpy < 1.25 has no mode="dicts"; its build info names the libraries linked.
        libraries = np.__config__.blas_opt_info.get("libraries", ["?"])
        return f"{'+'.join(dict.fromkeys(libraries))} (numpy {np.__version__})"
    return f"{blas.get('name', '?')} {blas.get('version', '')}".strip()


def main():
    path, trim, r, runs = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    rows = np.load(path)
    result = {
        "blas": blas_name(),
        "mean": median_ms(runs, lambda: rows.mean(axis=0)),
        "median": median_ms(runs, lambda: np.median(rows, axis=0)),
        "trimmed-mean": median_ms(runs, lambda: trimmed_mean(rows, trim)),
        "gram": median_ms(runs, lambda: rows @ rows.T),
        "flag": median_ms(runs, lambda: flag_svd(rows, r)),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
