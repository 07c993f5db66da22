import { EigenvalueDecomposition, Matrix } from 'ml-matrix';

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
  const decomposition = new EigenvalueDecomposition(symmetric, { assumeSymmetric: true });
  const ascending = decomposition.realEigenvalues;
  const order = ascending.map((_, index) => index).sort((a, b) => ascending[b]! - ascending[a]!);
  return {
    values: Float64Array.from(order, (index) => ascending[index]!),
    vectors: decomposition.eigenvectorMatrix.subMatrixColumn(order),
  };
}

/** Wraps an n×n row-major float64 array (a Gram matrix from the kernels) as a Matrix, copying it. */
export function squareMatrix(values: Float64Array, n: number): Matrix {
  return Matrix.from1DArray(n, n, values);
}
