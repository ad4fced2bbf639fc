#!/usr/bin/python3
"""Reference values of the one-sided Clopper-Pearson upper bound for
tests/test_calibrate.c, from SciPy (Debian's python3-scipy):
upper(k, m, c) = beta.ppf(c, k + 1, m - k). Prints the C table to paste."""
from scipy.stats import beta

CASES = [(0, 10, 0.95), (1, 10, 0.95), (0, 59, 0.95), (2, 149, 0.95), (3, 149, 0.95), (5, 40, 0.9), (0, 1, 0.99),
         (12, 1000, 0.95), (99, 100, 0.95)]
print("/* tools/make_clopper_pearson_fixture.py (SciPy beta.ppf(c, k + 1, m - k)) */")
print("static const struct { size_t k, m; double c, upper; } CP_CASES[] = {")
for k, m, c in CASES:
    print("    {%d, %d, %r, %.12g}," % (k, m, c, beta.ppf(c, k + 1, m - k)))
print("};")
