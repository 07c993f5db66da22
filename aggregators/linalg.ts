import { createRequire } from 'node:module';
import type { Matrix } from 'ml-matrix';

type MatrixLibrary = typeof import('ml-matrix');
let library: MatrixLibrary | undefined;

/**
 * ml-matrix, loaded when a rule first needs it: only the Flag Aggregator does, and a command that
 * runs another rule need not pay for it at startup. Its CommonJS build is required directly:
 * importing the ES module wrapper makes Node scan the 150 kB source for its exports first
 * (about 35 ms against 6 ms for the require).
 */
function matrixLibrary(): MatrixLibrary {
  library ??= createRequire(import.meta.url)('ml-matrix') as MatrixLibrary;
  return library;
}

/** Eigenpairs of a symmetric matrix: `values` in descending order, `vectors` holding the matching unit eigenvectors as columns. */
export interface SymmetricEigen {
  readonly values: Float64Array;
  readonly vectors: Matrix;
}

/**
 * Eigendecomposition of the symmetric part (S + Sᵀ)/2 of a small square matrix, largest eigenvalue
 * first. Symmetrising first keeps products like Cᵀ M C, symmetric only up to rounding, on the symmetric path.
 */
export function symmetricEigen(matrix: Matrix): SymmetricEigen {
  const symmetric = matrix.clone().add(matrix.transpose()).mul(0.5);
  const decomposition = new (matrixLibrary().EigenvalueDecomposition)(symmetric, { assumeSymmetric: true });
  const ascending = decomposition.realEigenvalues;
  const order = ascending.map((_, index) => index).sort((a, b) => ascending[b]! - ascending[a]!);
  return {
    values: Float64Array.from(order, (index) => ascending[index]!),
    vectors: decomposition.eigenvectorMatrix.subMatrixColumn(order),
  };
}

/** Wraps an n×n row-major float64 array (a Gram matrix from the kernels) as a Matrix, copying it. */
export function squareMatrix(values: Float64Array, n: number): Matrix {
  return matrixLibrary().Matrix.from1DArray(n, n, values);
}

/** A rows×columns matrix of zeros. */
export function zeroMatrix(rows: number, columns: number): Matrix {
  return matrixLibrary().Matrix.zeros(rows, columns);
}

/** The values as one column. */
export function columnVector(values: readonly number[]): Matrix {
  return matrixLibrary().Matrix.columnVector(values);
}
