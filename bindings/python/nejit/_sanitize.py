"""numexpr 2.14.2's expression sanitizer, re-implemented in linear time.

numexpr runs ``eval`` on expressions, so it rejects text that could escape
its little language: ``;``, ``:`` and ``[`` (statements, lambdas, slicing),
dunder names, and attribute access other than ``.real``/``.imag`` and the
dots inside numeric literals (``2.e-5``, ``1.5j``). Text inside single
quotes is exempt. nejit never evaluates Python, but it keeps the same rule
(and the same ValueError) so that code written for numexpr behaves alike.

numexpr applies one backtracking regular expression to the whole text; its
attribute part, ``\\.\\b(?!(real|imag|\\d*[eE]?[+-]?\\d+|...)\\b)``, takes
time quadratic in the length of a digit run after a dot (``'a+.' +
'1'*30000 + 'x'`` takes about ten seconds). This module accepts and rejects
exactly the same texts (tests/test_hostile_inputs.py checks that against
numexpr's own expression on a large random and adversarial corpus) but
decides each rule with a bounded number of anchored matches per dot or
word, each of which scans one run of characters, so the whole check is
linear in the length of the text.

The rules, on the text with whitespace and single-quoted parts removed
(``\\w``, ``\\d`` are Python's Unicode classes, exactly as in numexpr):

- any ``;``, ``[`` or ``:`` is forbidden;
- a maximal run of word characters of the form ``__x__`` (five or more
  characters, starting and ending with two underscores) is forbidden;
- a ``.`` followed by a word character is forbidden unless what follows it
  is, up to a non-word character or the end of the text: ``real``,
  ``imag``, digits, digits and ``j``, or digits, an ``e``/``E`` and/or a
  sign, then at least one digit, optionally ``j`` (the language of
  numexpr's look-ahead).
"""

import re

__all__ = ["is_forbidden", "check"]

_WHITESPACE = re.compile(r"\s+")
_SINGLE_QUOTED = re.compile(r"'[^']*'")
_FLOW = re.compile(r"[;\[:]")
# Each match is one maximal run: \w+ is greedy and a run ends at \W or the
# end, so no backtracking is possible.
_WORD_RUN = re.compile(r"\w+")
# A dot followed by a word character: where numexpr's `\.\b` matches.
_DOT_BEFORE_WORD = re.compile(r"\.(?=\w)")
_DIGITS = re.compile(r"\d*")
# Matches (empty) where numexpr's `\b` holds after a word character: at a
# non-word character or at the end of the text.
_AT_NON_WORD = re.compile(r"(?!\w)")


def _ends_number(text, pos):
    """Whether a digit run starting at pos, optionally followed by 'j',
    can end a numexpr number: at least one digit, then a word boundary."""
    end = _DIGITS.match(text, pos).end()
    if end == pos:
        return False
    if _AT_NON_WORD.match(text, end):
        return True
    return text.startswith("j", end) and _AT_NON_WORD.match(text, end + 1) is not None


def _allowed_after_dot(text, start):
    """Whether numexpr's negative look-ahead fails at start (just past a
    dot), i.e. the dot is an allowed one.

    Every digit run below is maximal: within a run the next character is a
    digit, so `\\b` cannot hold and none of the look-ahead's alternatives
    can end or continue with `e`, a sign or `j` there.
    """
    if text.startswith(("real", "imag"), start) and _AT_NON_WORD.match(
        text, start + 4
    ):
        return True
    end = _DIGITS.match(text, start).end()
    if end > start and _AT_NON_WORD.match(text, end):
        return True  # \d+
    nxt = text[end : end + 1]
    if nxt == "j":
        return _AT_NON_WORD.match(text, end + 1) is not None  # \d*j
    if nxt in ("e", "E"):
        # \d*[eE][+-]?\d+j? ; the sign is optional.
        if _ends_number(text, end + 1):
            return True
        return text[end + 1 : end + 2] in ("+", "-") and _ends_number(text, end + 2)
    if nxt in ("+", "-"):
        return _ends_number(text, end + 1)  # \d*[+-]\d+j?
    return False


def _forbidden_stripped(text):
    """numexpr's blacklist search on already stripped text."""
    if _FLOW.search(text):
        return True
    for run in _WORD_RUN.finditer(text):
        w = run.group()
        if len(w) >= 5 and w.startswith("__") and w.endswith("__"):
            return True
    for dot in _DOT_BEFORE_WORD.finditer(text):
        if not _allowed_after_dot(text, dot.end()):
            return True
    return False


def is_forbidden(ex):
    """True when numexpr's sanitizer would reject the expression text."""
    return _forbidden_stripped(_SINGLE_QUOTED.sub("", _WHITESPACE.sub("", ex)))


def check(ex):
    """Raise numexpr's ValueError when the expression is forbidden."""
    if is_forbidden(ex):
        raise ValueError(f"Expression {ex} has forbidden control characters.")
