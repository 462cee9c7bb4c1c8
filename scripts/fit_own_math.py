#!/usr/bin/env python3
"""Derives the polynomial coefficients of lib/CodeGen/OwnMath.cpp.

Each polynomial is a Chebyshev fit (mpmath.chebyfit, 60 digits) of the
function it replaces, rounded to float64 (to float32 for the polynomials
whose name ends in "f", which float32 code evaluates); the script then measures the
rounded polynomial's error against the exact function on a dense grid and
prints C++ initializers (hex floats, constant term first).

    .venv/bin/python scripts/fit_own_math.py
"""
import struct

import mpmath as mp

mp.mp.dps = 60


def exp_tail(r):
    # (e^r - 1 - r) / r^2: exp and expm1 add r + r^2 * P(r) to 1 (or not).
    if r == 0:
        return mp.mpf(1) / 2
    return (mp.exp(r) - 1 - r) / r**2


def tanh_tail(u):
    # (tanh(s) - s) / s^3 with s = sqrt(u): tanh(x) = x + x^3 * T(x^2).
    if u == 0:
        return -mp.mpf(1) / 3
    s = mp.sqrt(u)
    return (mp.tanh(s) - s) / s**3


def sinh_tail(u):
    # (sinh(s) - s) / s^3 with s = sqrt(u): sinh(x) = x + x^3 * S(x^2).
    if u == 0:
        return mp.mpf(1) / 6
    s = mp.sqrt(u)
    return (mp.sinh(s) - s) / s**3


def cosh_tail(u):
    # (cosh(s) - 1) / s^2 with s = sqrt(u): cosh(x) = 1 + x^2 * C(x^2).
    if u == 0:
        return mp.mpf(1) / 2
    s = mp.sqrt(u)
    return (mp.cosh(s) - 1) / u


def log_tail(s):
    # log(1+f) = 2 atanh(s), s = f/(2+f): 2 atanh(s) = 2s + s^3 * L(s^2).
    if s == 0:
        return mp.mpf(2) / 3
    t = mp.sqrt(s)
    return (2 * mp.atanh(t) - 2 * t) / t**3


def log_atanh(u):
    # 2 atanh(t) / t with t = sqrt(u): log(1 + f) = s * A(s^2), s = f/(2+f).
    if u == 0:
        return mp.mpf(2)
    t = mp.sqrt(u)
    return 2 * mp.atanh(t) / t


FITS = [
    # name, function, interval, number of coefficients, weight of the error
    ("ExpTail64", exp_tail, (-0.3467, 0.3467), 11, lambda r: r * r),
    ("ExpTail32", exp_tail, (-0.3467, 0.3467), 6, lambda r: r * r),
    ("ExpTailShort64", exp_tail, (-0.3467, 0.3467), 10, lambda r: r * r),
    ("ExpTail32f", exp_tail, (-0.3467, 0.3467), 5, lambda r: r * r),
    ("TanhTail64", tanh_tail, (0.0, 0.5501 ** 2), 12, lambda u: u * mp.sqrt(u)),
    ("SinhTail64", sinh_tail, (0.0, 1.0), 8, lambda u: u * mp.sqrt(u)),
    ("CoshTail64", cosh_tail, (0.0, 1.0), 9, lambda u: u),
    ("LogTail64", log_tail, (0.0, 0.1716 ** 2), 7, lambda u: u * mp.sqrt(u)),
    ("LogAtanh32", log_atanh, (0.0, 0.1716 ** 2), 4,
     lambda u: 1 / log_atanh(u)),
]


def main():
    for name, f, (a, b), n, weight in FITS:
        poly, _ = mp.chebyfit(f, [a, b], n, error=True)
        coeffs = [float(c) for c in reversed(poly)]  # constant term first
        if name.endswith("f"):
            coeffs = [struct.unpack("f", struct.pack("f", c))[0]
                      for c in coeffs]
        worst = mp.mpf(0)
        for k in range(4001):
            x = mp.mpf(a) + (mp.mpf(b) - a) * k / 4000
            p = mp.mpf(0)
            for c in reversed(coeffs):
                p = p * x + mp.mpf(c)
            worst = max(worst, abs(p - f(x)) * weight(x))
        print("// %s on [%g, %g]: max |error| * weight = %.3g (2^%.1f)"
              % (name, a, b, float(worst), float(mp.log(worst, 2))))
        print("const double %s[] = {%s};" % (
            name, ", ".join(c.hex() for c in coeffs)))


if __name__ == "__main__":
    main()
