"""θ and gradients as the protocol carries them: flat float32 vectors cut into chunks
(docs/PROTOCOL.md, section 2), and the bfloat16 encoding of pushed gradients."""
import numpy as np

FLOAT32, BFLOAT16 = 'float32', 'bfloat16'
BYTES_PER_VALUE = {FLOAT32: 4, BFLOAT16: 2}


def to_bfloat16(values):
    """bfloat16 bits (uint16) of float32 values: the upper half, rounded to nearest even; a NaN keeps a set quiet bit."""
    bits = np.ascontiguousarray(values, dtype=np.float32).view(np.uint32)
    rounded = ((bits + np.uint32(0x7FFF) + ((bits >> 16) & np.uint32(1))) >> 16).astype(np.uint16)
    nan = (bits & np.uint32(0x7FFFFFFF)) > np.uint32(0x7F800000)
    if nan.any():
        rounded[nan] = ((bits[nan] >> 16) | np.uint32(0x0040)).astype(np.uint16)
    return rounded


def from_bfloat16(bits):
    """The float32 values with those upper 16 bits and zeros below."""
    return (np.asarray(bits, dtype=np.uint16).astype(np.uint32) << 16).view(np.float32)


def encode(values, encoding):
    """Little-endian bytes of `values` in `encoding`."""
    if encoding == BFLOAT16:
        return to_bfloat16(values).astype('<u2').tobytes()
    return np.asarray(values, dtype='<f4').tobytes()


def chunk_ranges(dimension, max_chunk_bytes, encoding=FLOAT32):
    """(offset, end) of each chunk of a push: as many whole values as max_chunk_bytes holds."""
    per_chunk = max(1, max_chunk_bytes // BYTES_PER_VALUE[encoding])
    return [(offset, min(dimension, offset + per_chunk)) for offset in range(0, dimension, per_chunk)]


class ModelAssembly:
    """θ from ModelChunks that arrive in any order, checked to cover [0, d) once."""

    def __init__(self):
        self.theta = None
        self.round = None
        self.covered = 0
        self.faults = []

    def add(self, chunk):
        if self.theta is None:
            self.theta = np.empty(chunk.dimension, dtype=np.float32)
            self.round = chunk.round
            self.faults = list(chunk.faults)
        elif chunk.round != self.round or chunk.dimension != len(self.theta):
            raise ValueError(f'model chunk of round {chunk.round}, d={chunk.dimension} in a stream of round {self.round}, d={len(self.theta)}')
        values = np.frombuffer(chunk.data, dtype='<f4')
        if chunk.offset + len(values) > len(self.theta):
            raise ValueError(f'model chunk [{chunk.offset}, {chunk.offset + len(values)}) beyond d={len(self.theta)}')
        self.theta[chunk.offset:chunk.offset + len(values)] = values
        self.covered += len(values)

    def finish(self):
        if self.theta is None:
            raise ValueError('the server sent no model chunk')
        if self.covered != len(self.theta):
            raise ValueError(f'model chunks cover {self.covered} of {len(self.theta)} values')
        return self.round, self.theta
