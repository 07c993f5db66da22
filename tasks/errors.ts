/** A data file is missing, unreadable or not in the expected format. */
export class DatasetError extends Error {
  override readonly name = 'DatasetError';
}
