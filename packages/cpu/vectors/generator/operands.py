"""Seeded random numbers and edge operands for the vector families.

Every family draws from its own Rng seeded with a fixed number, so regenerating a file with the
same Python gives the same cases. Rng uses only random.Random.getrandbits (raw Mersenne Twister
output) and its own rejection sampling, because randrange and choice changed their algorithms in
Python 3.2.
NOTE: Python promises a repeatable sequence across versions only for random(), so another Python
release could in principle produce different cases. The committed JSON stays the reference.
"""

import random

MASKS = {8: 0xFF, 16: 0xFFFF, 32: 0xFFFFFFFF}

# Values where carries, borrows, sign changes and zero results happen.
EDGES = {
    8: [0x00, 0x01, 0x02, 0x7F, 0x80, 0x81, 0xFE, 0xFF],
    16: [0x0000, 0x0001, 0x007F, 0x0080, 0x00FF, 0x0100, 0x7FFF, 0x8000, 0x8001, 0xFFFE, 0xFFFF],
    32: [
        0x00000000, 0x00000001, 0x0000007F, 0x00000080, 0x000000FF, 0x00007FFF, 0x00008000,
        0x0000FFFF, 0x00010000, 0x7FFFFFFF, 0x80000000, 0x80000001, 0xFFFFFFFE, 0xFFFFFFFF,
    ],
}


class Rng:
    """A reproducible source of integers and operands."""

    def __init__(self, seed: int) -> None:
        self._random = random.Random(seed)

    def bits(self, count: int) -> int:
        """Return a uniform integer of `count` bits."""
        return self._random.getrandbits(count)

    def below(self, limit: int) -> int:
        """Return a uniform integer in [0, limit), by rejection sampling."""
        if limit <= 0:
            raise ValueError(f"below: limit must be positive, got {limit}")
        width = (limit - 1).bit_length() or 1
        while True:
            value = self._random.getrandbits(width)
            if value < limit:
                return value

    def between(self, low: int, high: int) -> int:
        """Return a uniform integer in [low, high]."""
        return low + self.below(high - low + 1)

    def pick(self, items: list):
        """Return one element of a non-empty list."""
        return items[self.below(len(items))]

    def chance(self, numerator: int, denominator: int) -> bool:
        """Return True with probability numerator/denominator."""
        return self.below(denominator) < numerator

    def operand(self, size: int) -> int:
        """Return an operand of `size` bits: an edge value, a value near one, or a random one."""
        roll = self.below(20)
        if roll < 7:
            return self.pick(EDGES[size])
        if roll < 10:
            return (self.pick(EDGES[size]) + self.between(-3, 3)) & MASKS[size]
        if roll < 12:
            return self.below(17)
        return self.bits(size)

    def shuffled(self, items: list) -> list:
        """Return a copy of `items` in a random order (Fisher-Yates on this Rng)."""
        result = list(items)
        for index in range(len(result) - 1, 0, -1):
            other = self.below(index + 1)
            result[index], result[other] = result[other], result[index]
        return result
