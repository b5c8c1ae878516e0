"""Hot topics (domain/hot_topics.py): a surge over the seasonal Poisson baseline is found, most
surprising first; ordinary days, drawn from the baseline itself, find none."""
from __future__ import annotations

import math
import random

import pytest

from domain.hot_topics import expected, poisson_tail, surges


@pytest.mark.parametrize(("k", "mean"), [(1, 0.5), (5, 0.5), (10, 3.0), (20, 3.5), (3, 10.0), (50, 20.0)])
def test_the_poisson_tail_is_exact(k: int, mean: float) -> None:
    direct = 1 - sum(math.exp(-mean) * mean ** i / math.factorial(i) for i in range(k))
    assert poisson_tail(k, mean) == pytest.approx(direct, rel=1e-6, abs=1e-15)
    assert poisson_tail(0, mean) == 1.0 and poisson_tail(3, 0.0) == 0.0
    assert 0.0 <= poisson_tail(400, 20.0) < 1e-100  # far in the tail: no overflow, no digits lost to 1 - x


def _poisson(rng: random.Random, mean: float) -> int:
    """Knuth's method: a draw of Poisson(mean) from the seeded generator."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


RATES = {f"c{i:02d}": 0.3 + i * 0.4 for i in range(40)}  # usual requests per window, 0.3 to 15.9


def _history(rng: random.Random, days: int = 7) -> dict[str, list[int]]:
    return {key: [_poisson(rng, rate) for _ in range(days)] for key, rate in RATES.items()}


def test_ordinary_days_find_no_surge() -> None:
    rng = random.Random(12345)
    false_alarms = 0
    for _ in range(300):  # 300 ordinary windows of 40 categories: 12,000 chances of a false alarm
        history = _history(rng)
        window = {key: _poisson(rng, rate) for key, rate in RATES.items()}
        false_alarms += len(surges(window, history))
    assert false_alarms <= 2  # alpha 1e-4 (and the count and ratio floors): about one in ten thousand at most


def test_a_surge_is_found_with_its_counts_and_the_biggest_first() -> None:
    rng = random.Random(7)
    history = _history(rng)
    window = {key: round(rate) for key, rate in RATES.items()}
    window["c02"] = 14  # usually about 1 a window
    window["c20"] = 40  # usually about 8
    window["new"] = 9  # never seen before: the floor makes 9 a surge, not 1
    found = surges(window, history)
    assert {s.key for s in found} == {"c02", "c20", "new"}
    c02 = next(s for s in found if s.key == "c02")
    assert c02.observed == 14 and c02.expected == expected(history["c02"]) and c02.ratio > 5
    assert all(a.p_value <= b.p_value for a, b in zip(found, found[1:]))
    assert surges({"new": 4}, history) == []  # fewer than the minimum count: not a topic yet
