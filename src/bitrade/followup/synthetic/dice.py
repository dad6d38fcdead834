"""Seeded randomness: one generator per month, every draw and every UUID from it."""

from __future__ import annotations

import math
import random
import uuid
from datetime import timedelta

# --------------------------------------------------------------------------- random helpers


class Dice(random.Random):
    def pick(self, pairs):
        values = [v for v, _ in pairs]
        weights = [w for _, w in pairs]
        return self.choices(values, weights)[0]

    def lognormal_median(self, median: float, sigma: float) -> float:
        return median * math.exp(self.gauss(0.0, sigma))

    def uid(self) -> uuid.UUID:
        return uuid.UUID(int=self.getrandbits(128), version=4)

    def chance(self, p: float) -> bool:
        return self.random() < p


def _minutes(m: float) -> timedelta:
    return timedelta(seconds=max(60, round(m * 60)))
