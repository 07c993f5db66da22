/** n-versus-f preconditions shared by several rules. */

/** More honest than Byzantine inputs: the breakdown point ½ of medians, trimmed means and clipping around a center. */
export const honestMajority = { text: 'n > 2f', minInputs: (f: number) => 2 * f + 1 };

/** Krum's condition (Blanchard et al., 2017): each score sums distances to at least one honest neighbour beyond the f Byzantine ones. */
export const krumRequirement = { text: 'n ≥ 2f+3', minInputs: (f: number) => 2 * f + 3 };
