#!/usr/bin/env python3
"""Pearson's chi-square goodness-of-fit test for the VM tests.

  chisq.py COUNT:WEIGHT ...
      COUNT observed in each category, WEIGHT its expected share (any
      scale). Prints "chi2 X df D p P": P is the probability of a
      statistic at least X under the expected shares (the false alarm
      rate of failing at it). Exit status 0.
"""
import math
import sys


def upper_gamma_q(s, x):
    """Regularized upper incomplete gamma Q(s, x) (Numerical Recipes)."""
    if x <= 0:
        return 1.0
    gln = math.lgamma(s)
    if x < s + 1:           # series for P, then Q = 1 - P
        ap, total, term = s, 1.0 / s, 1.0 / s
        for _ in range(1000):
            ap += 1
            term *= x / ap
            total += term
            if abs(term) < abs(total) * 1e-15:
                break
        return max(0.0, 1.0 - total * math.exp(-x + s * math.log(x) - gln))
    b = x + 1 - s           # continued fraction for Q
    c, d = 1e300, 1.0 / b
    h = d
    for i in range(1, 1000):
        an = -i * (i - s)
        b += 2
        d = an * d + b
        d = 1e-300 if abs(d) < 1e-300 else d
        c = b + an / c
        c = 1e-300 if abs(c) < 1e-300 else c
        d = 1.0 / d
        delta = d * c
        h *= delta
        if abs(delta - 1) < 1e-15:
            break
    return math.exp(-x + s * math.log(x) - gln) * h


def main():
    pairs = [a.split(":") for a in sys.argv[1:]]
    if len(pairs) < 2:
        raise SystemExit(__doc__)
    obs = [float(o) for o, _ in pairs]
    w = [float(x) for _, x in pairs]
    n, wt = sum(obs), sum(w)
    chi2 = sum((o - n * x / wt) ** 2 / (n * x / wt) for o, x in zip(obs, w))
    df = len(obs) - 1
    print("chi2 %.3f df %d p %.6f" % (chi2, df, upper_gamma_q(df / 2, chi2 / 2)))


if __name__ == "__main__":
    main()
