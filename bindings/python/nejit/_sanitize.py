"""numexpr 2.14.2's expression sanitizer, re-implemented.

numexpr runs ``eval`` on expressions, so it rejects text that could escape
its little language: ``;``, ``:`` and ``[`` (statements, lambdas, slicing),
dunder names, and attribute access other than ``.real``/``.imag`` and the
dots inside numeric literals (``2.e-5``, ``1.5j``). Text inside single
quotes is exempt. nejit never evaluates Python, but it keeps the same rule
(and the same ValueError) so that code written for numexpr behaves alike.
"""

import re

__all__ = ["is_forbidden", "check"]

_WHITESPACE = re.compile(r"\s+")
_SINGLE_QUOTED = re.compile(r"'[^']*'")
# A dot that does not start .real/.imag or continue a number literal.
_FORBIDDEN = re.compile(
    r"[;\[:]"
    r"|(?:^|\W)__\w+__(?:$|\W)"
    r"|\.\b(?!(?:real|imag|\d*[eE]?[+-]?\d+|\d*[eE]?[+-]?\d+j|\d*j)\b)"
)


def is_forbidden(ex):
    """True when numexpr's sanitizer would reject the expression text."""
    text = _SINGLE_QUOTED.sub("", _WHITESPACE.sub("", ex))
    return _FORBIDDEN.search(text) is not None


def check(ex):
    """Raise numexpr's ValueError when the expression is forbidden."""
    if is_forbidden(ex):
        raise ValueError(f"Expression {ex} has forbidden control characters.")
