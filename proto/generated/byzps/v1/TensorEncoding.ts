// Original file: proto/byzps/v1/parameter_server.proto

/**
 * How a tensor's values travel in `bytes`.
 */
export const TensorEncoding = {
  /**
   * Little-endian IEEE-754 float32, 4 bytes a value.
   */
  FLOAT32: 'FLOAT32',
  /**
   * Little-endian bfloat16, 2 bytes a value: the upper 16 bits of the float32, rounded to nearest
   * even. Same exponent range as float32, 8 bits of precision; NaN and ±Infinity keep their meaning.
   */
  BFLOAT16: 'BFLOAT16',
} as const;

/**
 * How a tensor's values travel in `bytes`.
 */
export type TensorEncoding =
  /**
   * Little-endian IEEE-754 float32, 4 bytes a value.
   */
  | 'FLOAT32'
  | 0
  /**
   * Little-endian bfloat16, 2 bytes a value: the upper 16 bits of the float32, rounded to nearest
   * even. Same exponent range as float32, 8 bits of precision; NaN and ±Infinity keep their meaning.
   */
  | 'BFLOAT16'
  | 1

/**
 * How a tensor's values travel in `bytes`.
 */
export type TensorEncoding__Output = typeof TensorEncoding[keyof typeof TensorEncoding]
