/**
 * Derives independent generator seeds from one configured seed and a path of integers (worker,
 * epoch, step, …), so that every random choice is reproducible on its own, in any process, without
 * replaying the draws that came before it.
 */
export function deriveSeed(seed: number, ...path: readonly number[]): number {
  let hash = mix32(seed >>> 0);
  for (const part of path) {
    // Parts may exceed 32 bits (a step counter): fold the high word in as well.
    hash = mix32(hash ^ mix32(part >>> 0) ^ Math.imul(mix32(Math.floor(part / 0x1_0000_0000) >>> 0), 0x9e3779b9));
  }
  return hash;
}

/** The 32-bit finaliser of MurmurHash3 (Appleby): every input bit affects every output bit. */
function mix32(value: number): number {
  let x = value >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}
