#!/usr/bin/env python3
"""Reports C++ files and functions that outgrow the project's size limits.

    scripts/check_sizes.py [--max-file N] [--max-function N] [PATH ...]

PATHs (files or folders) default to lib/ and bindings/python/src/ of this
checkout. A file counts its lines; a function counts the lines from the first
line of its declaration to its closing brace, lambdas and local classes
included. Functions are found by brace matching on the text with comments,
string and character literals and preprocessor lines blanked out: a brace
opens a function body when every brace around it belongs to a namespace,
class, struct, union or extern block and the text before it looks like a
declarator (a name, a parameter list, no '=' before it). That is a heuristic
for this code base, not a C++ parser.

Prints one line per finding, the longest first within each kind, and exits
with status 1 when there is any (0 otherwise), so it can gate a build.
"""
import argparse
import pathlib
import re
import sys

SUFFIXES = {".cpp", ".cc", ".cxx", ".h", ".hpp", ".hh", ".inc"}
SCOPE_KEYWORDS = {"namespace", "class", "struct", "union", "enum", "extern"}
IDENT = re.compile(r"[A-Za-z_]\w*")


def blank(text):
    """The text with comments, literals and preprocessor lines replaced by
    spaces (newlines kept, so line numbers still hold)."""
    out = []
    i, n = 0, len(text)
    at_line_start = True
    while i < n:
        c = text[i]
        if at_line_start and c in " \t":
            out.append(c)
            i += 1
            continue
        if at_line_start and c == "#":
            # A preprocessor line, with its backslash continuations.
            while i < n and text[i] != "\n":
                if text[i] == "\\" and i + 1 < n and text[i + 1] == "\n":
                    out.append(" \n")
                    i += 2
                    continue
                out.append(" ")
                i += 1
            continue
        at_line_start = False
        if c == "\n":
            at_line_start = True
            out.append(c)
            i += 1
        elif text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", text[i:j]))
            i = j
        elif c == '"' and re.search(r"(?:^|[^\w])(?:u8|u|U|L)?R$", text[max(0, i - 3):i]):
            # Raw string R"delim( ... )delim".
            m = re.match(r'"([^(\s]*)\(', text[i:])
            end = ")" + (m.group(1) if m else "") + '"'
            j = text.find(end, i + 1)
            j = n if j < 0 else j + len(end)
            out.append('"' + re.sub(r"[^\n]", " ", text[i + 1:j - 1]) + '"')
            i = j
        elif c == '"' or (c == "'" and not (i > 0 and text[i - 1].isalnum()
                                             and i + 1 < n and text[i + 1].isalnum())):
            # A string or character literal (a ' between digits is a digit
            # separator, not a literal).
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
            out.append(c + " " * (j - i - 2) + c if j - i >= 2 else c)
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def function_name(head):
    """The declared name if `head` (the text before a '{') is a function's
    declarator, else None."""
    h = " ".join(head.split())
    h = re.sub(r"^template\s*<.*?>\s*", "", h)  # one level is enough here
    words = IDENT.findall(h)
    if not words or words[0] in SCOPE_KEYWORDS or words[0] in {"return", "else", "do", "try"}:
        return None
    op = re.search(r"\boperator\s*(\(\)|[^\s(]+)\s*\(", h)
    if op:
        before = h[:op.start()]
        m = re.search(r"([\w:~]*)\s*$", before)
        return (m.group(1) if m else "") + "operator" + op.group(1)
    depth = 0
    for k, ch in enumerate(h):
        if ch in "([":
            if ch == "(" and depth == 0:
                prefix = h[:k]
                if "=" in prefix or "[" in prefix:
                    return None  # an initializer or a lambda
                m = re.search(r"(~?[A-Za-z_][\w]*(?:\s*<[^()]*>)?(?:\s*::\s*~?[A-Za-z_]\w*)*)\s*$", prefix)
                if not m:
                    return None
                name = re.sub(r"\s+", "", m.group(1))
                if name in {"if", "for", "while", "switch", "catch", "sizeof", "decltype", "alignas"}:
                    return None
                return name
            depth += 1
        elif ch in ")]":
            depth -= 1
    return None


def scan(path, text):
    """Yields (line, name, length) for every function defined in text."""
    code = blank(text)
    line_of = []  # offset -> line, built lazily via counting
    line = 1
    for ch in code:
        line_of.append(line)
        if ch == "\n":
            line += 1
    stack = []  # (kind, start_line, name); kind: scope, func, init, other
    head_start = 0  # offset where the current declaration's text starts
    for i, ch in enumerate(code):
        if ch == ";":
            if all(k == "scope" for k, _, _ in stack):
                head_start = i + 1
        elif ch == "{":
            kind, name, start = "other", None, line_of[i]
            if all(k == "scope" for k, _, _ in stack):
                head = code[head_start:i]
                words = IDENT.findall(re.sub(r"^\s*template\s*<.*?>", "", " ".join(head.split())))
                if words and words[0] in SCOPE_KEYWORDS and "(" not in head:
                    kind = "scope"
                elif words and words[0] == "extern":
                    kind = "scope"
                elif re.search(r"\)[\w\s]*:[^:]", head) and re.search(r"[\w>]\s*$", head):
                    kind = "init"  # a member initializer A{x} of a constructor
                else:
                    name = function_name(head)
                    if name:
                        kind = "func"
                        stripped = head.lstrip()
                        start = line_of[min(head_start + len(head) - len(stripped), i)]
            stack.append((kind, start, name))
            if kind == "scope":
                head_start = i + 1
        elif ch == "}":
            if not stack:
                continue  # unbalanced (e.g. braces split across #if arms)
            kind, start, name = stack.pop()
            if kind == "func":
                yield start, name, line_of[i] - start + 1
            # After a namespace, class or function the next declaration
            # starts; after a brace initializer the declaration goes on (to
            # its ';', or to the constructor body after A{x}).
            if kind in ("scope", "func") and all(k == "scope" for k, _, _ in stack):
                head_start = i + 1


def main(argv=None):
    root = pathlib.Path(__file__).resolve().parent.parent
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("paths", nargs="*", type=pathlib.Path,
                   default=[root / "lib", root / "bindings" / "python" / "src"])
    p.add_argument("--max-file", type=int, default=800, help="lines per file (800)")
    p.add_argument("--max-function", type=int, default=120, help="lines per function (120)")
    a = p.parse_args(argv)
    files = []
    for path in a.paths:
        if path.is_dir():
            files += sorted(f for f in path.rglob("*") if f.suffix in SUFFIXES and f.is_file())
        elif path.is_file():
            files.append(path)
        else:
            print(f"{path}: no such file or folder", file=sys.stderr)
            return 2
    long_files, long_funcs = [], []
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace")
        try:
            shown = f.resolve().relative_to(root)
        except ValueError:
            shown = f
        n = text.count("\n") + (0 if text.endswith("\n") or not text else 1)
        if n > a.max_file:
            long_files.append((n, shown))
        for line, name, length in scan(f, text):
            if length > a.max_function:
                long_funcs.append((length, f"{shown}:{line}", name))
    for n, shown in sorted(long_files, reverse=True):
        print(f"{shown}: {n} lines (file limit {a.max_file})")
    for length, where, name in sorted(long_funcs, key=lambda t: (-t[0], t[1])):
        print(f"{where}: {name}() is {length} lines (function limit {a.max_function})")
    if not long_files and not long_funcs:
        print(f"{len(files)} files: none over {a.max_file} lines, "
              f"no function over {a.max_function} lines")
    return 1 if long_files or long_funcs else 0


if __name__ == "__main__":
    sys.exit(main())
