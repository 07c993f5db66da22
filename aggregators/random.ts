/**
 * A small seeded pseudo-random generator: Marsaglia's xorshift32 (Marsaglia, 2003). Its whole state
 * is one 32-bit integer, so a rule that draws from it can checkpoint and restore it exactly.
 */
export class SeededRandom {
  /** The generator's state: a non-zero unsigned 32-bit integer. */
  state: number;

  constructor(state: number) {
    // xorshift32 is stuck at 0, so a zero state is mapped to a fixed non-zero one.
    this.state = state >>> 0 || 0x9e3779b9;
  }

  /** A generator whose first outputs are already decorrelated from small, similar seeds (0, 1, 2, …). */
  static fromSeed(seed: number): SeededRandom {
    const random = new SeededRandom(Math.imul(seed >>> 0, 0x2545f491) ^ 0x6c8e9cf5);
    for (let warmUp = 0; warmUp < 8; warmUp++) random.nextUint32();
    return random;
  }

  nextUint32(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint32() / 0x1_0000_0000;
  }

  /** A standard normal draw by the Box–Muller transform (Box and Muller, 1958). */
  normal(): number {
    const u = 1 - this.next();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
  }

  /** A uniformly random permutation of 0..n−1 (Fisher–Yates shuffle). */
  permutation(n: number): number[] {
    const order = Array.from({ length: n }, (_, i) => i);
    for (let i = n - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    return order;
  }
}
