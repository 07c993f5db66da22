"""Byzantine behaviour, with the formulas of the TypeScript attacks (worker/attacks/) value for
value: the same generator (xorshift32), seed derivation, Box–Muller draws and float64 arithmetic
before the one rounding to float32. Gradient attacks map a float32 vector to the one to push;
label-flip is a data attack: the worker trains honestly on rewritten labels. numpy only.
"""
import math

import numpy as np

MASK = 0xFFFFFFFF


def mix32(x):
    """MurmurHash3's 32-bit finaliser (tasks/seeds.ts)."""
    x &= MASK
    x = ((x ^ (x >> 16)) * 0x85EBCA6B) & MASK
    x = ((x ^ (x >> 13)) * 0xC2B2AE35) & MASK
    return (x ^ (x >> 16)) & MASK


def derive_seed(seed, *path):
    """deriveSeed(seed, ...path) of tasks/seeds.ts."""
    h = mix32(seed)
    for part in path:
        h = mix32(h ^ mix32(part & MASK) ^ ((mix32((part // 2**32) & MASK) * 0x9E3779B9) & MASK))
    return h


class SeededRandom:
    """xorshift32 (Marsaglia, 2003) exactly as aggregators/random.ts."""

    def __init__(self, state):
        self.state = (state & MASK) or 0x9E3779B9

    @classmethod
    def from_seed(cls, seed):
        random = cls((((seed & MASK) * 0x2545F491) & MASK) ^ 0x6C8E9CF5)
        for _ in range(8):
            random.next_uint32()
        return random

    def next_uint32(self):
        s = self.state
        s ^= (s << 13) & MASK
        s ^= s >> 17
        s ^= (s << 5) & MASK
        self.state = s
        return s

    def next(self):
        return self.next_uint32() / 2**32

    def normal(self):
        u = 1 - self.next()
        return math.sqrt(-2 * math.log(u)) * math.cos(2 * math.pi * self.next())


def _random_for(seed, round_):
    return SeededRandom.from_seed(derive_seed(seed, round_))


def sign_flip(own, k=1.0):
    """−k·g, the honest gradient reversed (Damaskinos et al., 2018)."""
    if not k > 0:
        raise ValueError(f'sign-flip needs k > 0, got {k}')
    return (-float(k) * np.asarray(own, dtype=np.float64)).astype(np.float32)


def scaled(own, k=100.0):
    """k·g, the honest gradient boosted (Bagdasaryan et al., 2020)."""
    return (float(k) * np.asarray(own, dtype=np.float64)).astype(np.float32)


def gaussian(d, round_, sigma=200.0, seed=0):
    """N(0, σ²) per coordinate, independent of the data (Xie, Koyejo and Gupta, 2018)."""
    random = _random_for(seed, round_)
    return np.array([sigma * random.normal() for _ in range(d)], dtype=np.float64).astype(np.float32)


def uniform(d, round_, seed=0):
    """U[0, 1) per coordinate, the "random" attack of Almasi et al. (2024)."""
    random = _random_for(seed, round_)
    return np.array([random.next() for _ in range(d)], dtype=np.float64).astype(np.float32)


def flipped_labels(classes=10):
    """The label map y → (classes − 1) − y (Karimireddy, He and Jaggi, 2021)."""
    return np.array([classes - 1 - y for y in range(classes)], dtype=np.int64)


# The standard normal quantile, as worker/attacks/normal-quantile.ts computes it.
_SERIES_LIMIT = 1.5
_FRACTION_DEPTH = 300


def normal_density(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2 * math.pi)


def _upper_tail(x):
    denominator = x
    for k in range(_FRACTION_DEPTH, 0, -1):
        denominator = x + k / denominator
    return normal_density(x) / denominator


def normal_cdf(x):
    if math.isnan(x):
        return math.nan
    if x <= -_SERIES_LIMIT:
        return _upper_tail(-x)
    if x >= _SERIES_LIMIT:
        return 1 - _upper_tail(x)
    term = x
    total = x
    k = 1
    while abs(term) > 1e-17 * abs(total):
        term *= (x * x) / (2 * k + 1)
        total += term
        k += 1
    return 0.5 + normal_density(x) * total


def normal_quantile(p):
    if not 0 < p < 1:
        raise ValueError(f'the normal quantile needs 0 < p < 1, got {p}')
    if p > 0.5:
        return -normal_quantile(1 - p)
    if p == 0.5:
        return 0.0
    low, high = -40.0, 0.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle == low or middle == high:
            break
        if normal_cdf(middle) < p:
            low = middle
        else:
            high = middle
    x = 0.5 * (low + high)
    for _ in range(3):
        density = normal_density(x)
        if density == 0:
            break
        x -= (normal_cdf(x) - p) / density
    return x


def alie_z(n, f):
    """z = Φ⁻¹((n − s)/n) with s = ⌊n/2 + 1⌋ − f (Baruch, Baruch and Goldberg, 2019)."""
    s = math.floor(n / 2 + 1) - f
    if s < 1 or s >= n:
        raise ValueError(f'alie needs 1 ≤ s < n for s = ⌊n/2 + 1⌋ − f: got s={s} for n={n}, f={f}')
    return normal_quantile((n - s) / n)


def alie(estimates, z):
    """μ − z·σ per coordinate, from the mean and sample standard deviation (m − 1) of the honest estimates."""
    rows = [np.asarray(row, dtype=np.float32).astype(np.float64) for row in estimates]
    if len(rows) < 2:
        raise ValueError(f'alie needs at least 2 honest gradient estimates, got {len(rows)}')
    mean = np.zeros_like(rows[0])
    for row in rows:  # row by row, in order, as the TypeScript sums
        mean += row
    mean /= len(rows)
    square = np.zeros_like(mean)
    for row in rows:
        deviation = row - mean
        square += deviation * deviation
    std = np.sqrt(square / (len(rows) - 1))
    return (mean - z * std).astype(np.float32)


class Attack:
    """A configured attack: kind 'gradient' (apply) or 'data' (label_map)."""

    def __init__(self, name, kind, params, estimates_needed=0):
        self.name, self.kind, self.params, self.estimates_needed = name, kind, params, estimates_needed

    def apply(self, own, round_, estimates=()):
        """The gradient to push instead of `own` (float32) in round `round_`."""
        p = self.params
        if self.name == 'sign-flip':
            return sign_flip(own, p.get('k', 1.0))
        if self.name == 'scaled':
            return scaled(own, p.get('k', 100.0))
        if self.name == 'gaussian':
            return gaussian(len(own), round_, p.get('sigma', 200.0), int(p.get('seed', 0)))
        if self.name == 'uniform':
            return uniform(len(own), round_, int(p.get('seed', 0)))
        if self.name == 'alie':
            return alie(estimates, self.z)
        raise ValueError(f'{self.name} is not a gradient attack')

    @property
    def z(self):
        if 'z' in self.params:
            return float(self.params['z'])
        return alie_z(int(self.params['n']), int(self.params['f']))

    def label_map(self, classes=10):
        return flipped_labels(int(self.params.get('classes', classes)))

    def __repr__(self):
        return f'Attack({self.name!r}, {self.params!r})'


ATTACKS = {
    'sign-flip': ('gradient', {'k'}),
    'scaled': ('gradient', {'k'}),
    'gaussian': ('gradient', {'sigma', 'seed'}),
    'uniform': ('gradient', {'seed'}),
    'alie': ('gradient', {'n', 'f', 'z', 'estimates'}),
    'label-flip': ('data', {'classes'}),
}


def create_attack(name, params=None):
    """An attack by name with parameters (numbers, or text as an operator's FaultInstruction carries them)."""
    if name not in ATTACKS:
        raise ValueError(f'unknown attack {name!r}; known: {", ".join(ATTACKS)}')
    kind, known = ATTACKS[name]
    parsed = {}
    for key, value in (params or {}).items():
        if key not in known:
            raise ValueError(f'{name} has no parameter {key!r}; known: {", ".join(sorted(known))}')
        parsed[key] = float(value)
    estimates = 0
    if name == 'alie':
        if 'z' not in parsed and not ('n' in parsed and 'f' in parsed):
            raise ValueError('alie needs the parameters n and f (to compute z), or z itself')
        if 'z' not in parsed:
            alie_z(int(parsed['n']), int(parsed['f']))
        estimates = max(2, int(parsed.get('estimates', 2)))
    attack = Attack(name, kind, parsed, estimates)
    if name == 'sign-flip' and not parsed.get('k', 1.0) > 0:
        raise ValueError(f'sign-flip needs k > 0, got {parsed["k"]}')
    return attack


def parse_attack(text):
    """'sign-flip' or 'sign-flip:k=4' or 'alie:n=8,f=2' → Attack; '' or 'none' → None."""
    if not text or text == 'none':
        return None
    name, _, rest = text.partition(':')
    params = dict(pair.split('=', 1) for pair in rest.split(',') if pair)
    return create_attack(name, params)
