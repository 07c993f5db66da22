/** Per coordinate, the mean of the rows. */
export function coordinateMean(rows: readonly Float32Array[]): Float64Array {
  const mean = new Float64Array(rows[0]!.length);
  for (const row of rows) for (let j = 0; j < row.length; j++) mean[j]! += row[j]!;
  for (let j = 0; j < mean.length; j++) mean[j] = mean[j]! / rows.length;
  return mean;
}

/** Per coordinate, the sample standard deviation of the rows about `mean` (divisor m − 1, as torch.std). */
export function coordinateStd(rows: readonly Float32Array[], mean: Float64Array): Float64Array {
  const std = new Float64Array(mean.length);
  for (const row of rows) {
    for (let j = 0; j < row.length; j++) {
      const deviation = row[j]! - mean[j]!;
      std[j]! += deviation * deviation;
    }
  }
  for (let j = 0; j < std.length; j++) std[j] = Math.sqrt(std[j]! / (rows.length - 1));
  return std;
}
