"""Hot topics (热点诉求, R12/R15): the categories and places whose requests rise above their usual
level in the last hours, found the same way wherever they are computed.

Method: a seasonal Poisson baseline. For each key (a category, a category in a district) the
requests of the window (the last `hours`, x) are compared with those of the same hours on each of
the previous `days` days (y in all). Were the window no different from those days, the requests of
the window and of the days would be Poisson counts of one rate, and x given x + y would be
binomial with p = 1 / (days + 1): the window is a surge when a count as high as x comes by chance
with probability below `ALPHA` (the exact conditional test of two Poisson rates, which, unlike
comparing x with the days' mean as if that mean were exact, does not take a chance low week for
a baseline), and it is at least `MIN_COUNT` requests and `MIN_RATIO` times the days' mean (at
least `FLOOR`). The same hours of earlier days carry the day's rhythm (mornings are busy, nights
quiet), so a normal morning is not a surge. Results are ordered by that probability, smallest
first.
"""
from __future__ import annotations

import math
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

ALPHA = 1e-4  # tested some 800 times a day (keys x windows): a false alarm every few weeks
MIN_COUNT = 5
MIN_RATIO = 2.0
FLOOR = 0.5
HOURS_DEFAULT = 3
DAYS_DEFAULT = 7


@dataclass(frozen=True)
class Surge:
    key: Hashable
    observed: int
    expected: float
    p_value: float

    @property
    def ratio(self) -> float:
        return self.observed / self.expected


def poisson_tail(k: int, mean: float) -> float:
    """P(X >= k) for X ~ Poisson(mean), summed upwards from k in log space (exact in the far tail,
    where 1 - P(X < k) would lose every digit)."""
    if k <= 0:
        return 1.0
    if mean <= 0:
        return 0.0
    log_term = -mean + k * math.log(mean) - math.lgamma(k + 1)
    total, i = 0.0, k
    while True:
        term = math.exp(log_term)
        total += term
        i += 1
        log_term += math.log(mean) - math.log(i)
        if i > mean and term <= total * 1e-15:
            return min(1.0, total)


def binomial_tail(k: int, n: int, p: float) -> float:
    """P(X >= k) for X ~ Binomial(n, p), summed in log space."""
    if k <= 0:
        return 1.0
    if k > n or p <= 0:
        return 0.0
    if p >= 1:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    base = math.lgamma(n + 1)
    terms = [base - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
             for i in range(k, n + 1)]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def expected(history: Sequence[int]) -> float:
    """The usual count of a window: the mean of the same window on earlier days (at least FLOOR)."""
    return max(FLOOR, sum(history) / len(history)) if history else FLOOR


def surges(window: Mapping[Hashable, int], history: Mapping[Hashable, Sequence[int]], *,
           alpha: float = ALPHA, min_count: int = MIN_COUNT, min_ratio: float = MIN_RATIO) -> list[Surge]:
    """The keys whose count in the window is a surge over their history (the counts of the same
    window on each earlier day; a key absent from the history had none), most surprising first."""
    days = max((len(h) for h in history.values()), default=0)
    found = []
    for key, observed in window.items():
        past = list(history.get(key, ())) or [0] * days
        mean = expected(past)
        if observed < min_count or observed < min_ratio * mean:
            continue
        p = binomial_tail(observed, observed + sum(past), 1 / (len(past) + 1)) if past \
            else poisson_tail(observed, mean)
        if p < alpha:
            found.append(Surge(key, observed, mean, p))
    return sorted(found, key=lambda s: (s.p_value, -s.observed, str(s.key)))
