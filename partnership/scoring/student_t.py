"""Student's t quantile for any positive (fractional) degrees of freedom, in plain Python.

The gap interval of scoring.md needs one number, t(0.975, df). SciPy gives it, but loading
``scipy.special`` costs every web worker that closes or re-scores a survey about 27 MB for the
rest of its life, for a value that plain floating point computes to within a few units in the
last place. Here: the upper tail of t through the regularized incomplete beta function
(continued fraction, modified Lentz), and the quantile by Newton's method inside a bracket that
bisection keeps. The tests compare it with ``scipy.special.stdtrit`` over a grid of df and p.
"""

from __future__ import annotations

import math

_EPS = 2.220446049250313e-16
_TINY = 1e-300
_LN_SQRT_PI = 0.5 * math.log(math.pi)  # ln Gamma(1/2)


def _ln_gamma_ratio_half(a: float) -> float:
    """ln(Gamma(a + 1/2) / Gamma(a)) for a > 0.

    For large a, lgamma(a + 1/2) - lgamma(a) loses digits to cancellation (each term is about
    a ln a); there the difference of the two Stirling series is summed instead, with its
    leading part written so that nothing large cancels."""
    if a < 40.0:
        return math.lgamma(a + 0.5) - math.lgamma(a)
    # (z - 1/2) ln z - z at z = a + 1/2 minus at z = a, rearranged:
    main = a * math.log1p(0.5 / a) + 0.5 * math.log(a) - 0.5

    def series(z: float) -> float:
        r = 1.0 / (z * z)
        return (
            1.0 / 12.0
            + r * (-1.0 / 360.0 + r * (1.0 / 1260.0 + r * (-1.0 / 1680.0 + r * (1.0 / 1188.0))))
        ) / z

    return main + (series(a + 0.5) - series(a))


def _ln_beta_half(a: float) -> float:
    """ln B(a, 1/2) = ln Gamma(a) + ln Gamma(1/2) - ln Gamma(a + 1/2)."""
    return _LN_SQRT_PI - _ln_gamma_ratio_half(a)


def _continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz);
    converges quickly for x < (a + 1) / (a + b + 2)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c, d = 1.0, 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > _TINY else _TINY)
        c = 1.0 + aa / c
        c = c if abs(c) > _TINY else _TINY
        step = d * c
        h *= step
        if abs(step - 1.0) < _EPS:
            return h
    raise ArithmeticError("the incomplete beta continued fraction did not converge")


def _power_series_half(a: float, y: float) -> float:
    """I_y(1/2, a) by its power series: y^(1/2) / B(1/2, a) * sum_n (1 - a)_n y^n / (n! (n + 1/2))."""
    term, total = 1.0, 2.0  # n = 0: 1 / (1/2)
    for n in range(1, 10_000):
        term *= (n - a) * y / n
        part = term / (n + 0.5)
        total += part
        if abs(part) <= _EPS * abs(total) * 0.5:
            return math.exp(0.5 * math.log(y) - _ln_beta_half(a)) * total
    raise ArithmeticError("the incomplete beta power series did not converge")


def upper_tail(t: float, df: float) -> float:
    """P(T > t) for t >= 0: (1/2) I_x(df/2, 1/2) with x = df / (df + t^2)."""
    if t <= 0.0:
        return 0.5
    a = 0.5 * df
    t2 = t * t
    x = df / (df + t2)  # I_x(a, 1/2)
    y = t2 / (df + t2)  # 1 - x, without the cancellation
    if a > 100.0 and a * y <= 8.0:
        # many degrees of freedom, t of a few units: the continued fraction needs thousands of
        # terms here, and the power series of I_y(1/2, a) a few dozen, summed without much
        # cancellation (its largest term is at most e^8 times the sum)
        return 0.5 * (1.0 - _power_series_half(a, y))
    ln_front = -a * math.log1p(t2 / df) + 0.5 * math.log(y) - _ln_beta_half(a)
    if x < (a + 1.0) / (a + 2.5):
        return 0.5 * math.exp(ln_front) * _continued_fraction(a, 0.5, x) / a
    # by symmetry: I_x(a, 1/2) = 1 - I_y(1/2, a)
    return 0.5 * (1.0 - math.exp(ln_front) * _continued_fraction(0.5, a, y) / 0.5)


def _density(t: float, df: float) -> float:
    return math.exp(
        -0.5 * (df + 1.0) * math.log1p(t * t / df) - 0.5 * math.log(df) - _ln_beta_half(0.5 * df)
    )


def t_quantile(p: float, df: float) -> float:
    """The p quantile of Student's t with df > 0 degrees of freedom (0 < p < 1)."""
    if not (0.0 < p < 1.0) or not df > 0.0 or math.isnan(df):
        raise ValueError(f"t quantile needs 0 < p < 1 and df > 0, got p={p!r}, df={df!r}")
    if p == 0.5:
        return 0.0
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    if math.isinf(df):
        from statistics import NormalDist

        return NormalDist().inv_cdf(p)
    q = 1.0 - p  # the upper tail to reach
    # a bracket [lo, hi] with upper_tail(lo) > q >= upper_tail(hi)
    lo, hi = 0.0, 2.0
    while upper_tail(hi, df) > q:
        lo, hi = hi, hi * 2.0
    t = 0.5 * (lo + hi)
    for _ in range(200):
        tail = upper_tail(t, df)
        if tail > q:
            lo = t
        else:
            hi = t
        step = (tail - q) / _density(t, df)  # the tail falls as t grows: Newton's step
        candidate = t + step
        if not lo < candidate < hi:
            candidate = 0.5 * (lo + hi)
        if abs(candidate - t) <= 4 * _EPS * abs(candidate) or hi - lo <= 4 * _EPS * hi:
            return candidate
        t = candidate
    return t
