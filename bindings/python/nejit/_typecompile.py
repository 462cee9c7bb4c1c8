"""numexpr's typing of an expression tree: ASTNode, expressionToAST and
typeCompileAst, over numexpr's table of typed operations.

numexpr's clients type a tree to learn whether numexpr can compute it:
PyTables calls ``typeCompileAst(expressionToAST(node))`` on each comparison
it hands to an index and turns the NotImplementedError ("couldn't find
matching opcode for 'gt_bfc'") into its own message. The table is the one
nejit's Sema searches (lib/Sema/NumexprSignatures.def, exported by the
extension), so the two agree on every operation by construction; the
opcode and function numbers here are nejit's own.
"""

from . import _nejit

typecode_to_kind = {"b": "bool", "i": "int", "l": "long", "f": "float",
                    "d": "double", "c": "complex", "n": "none", "s": "str"}
kind_to_typecode = {"bool": "b", "int": "i", "long": "l", "float": "f",
                    "double": "d", "complex": "c", "bytes": "s", "str": "s",
                    "none": "n"}


def _tables():
    opcodes = {b"noop": 0}
    funccodes = {}
    for is_func, name, sig in _nejit._numexpr_signatures():
        key = ("%s_%s" % (name, sig)).encode("ascii")
        table = funccodes if is_func else opcodes
        table.setdefault(key, len(table))
    return opcodes, funccodes


#: Typed operations (b'add_ddd') and typed functions (b'sin_dd') -> number.
opcodes, funccodes = _tables()


class ASTNode:
    """A plain tree node (ExpressionNode's operators make it hard to walk):
    astType ('op', 'variable', 'constant', 'raw', 'alias'), astKind, value,
    children."""

    cmpnames = ("astType", "astKind", "value", "children")

    def __init__(self, astType="generic", astKind="unknown", value=None,
                 children=()):
        self.astType = astType
        self.astKind = astKind
        self.value = value
        self.children = tuple(children)
        self.reg = None

    def _target(self):
        return self.value if self.astType == "alias" else self

    def __eq__(self, other):
        if not isinstance(other, ASTNode):
            return False
        a, b = self._target(), other._target()
        return all(getattr(a, n) == getattr(b, n) for n in self.cmpnames)

    def __hash__(self):
        a = self._target()
        return hash((a.astType, a.astKind, a.value, a.children))

    def __lt__(self, other):
        # Constants are ordered by kind, then by value (numpy compares
        # mixed int/float/complex values that Python cannot order).
        if self.astType != "constant":
            raise TypeError("Sorting not implemented for astType: %s"
                            % self.astType)
        if self.astKind == other.astKind:
            import numpy
            return bool(numpy.array(self.value) < numpy.array(other.value))
        return self.astKind < other.astKind

    def __str__(self):
        return "AST(%s, %s, %s, %s, %s)" % (self.astType, self.astKind,
                                            self.value, self.children,
                                            self.reg)

    def __repr__(self):
        return "<AST object at %s>" % id(self)

    def key(self):
        return (self.astType, self.astKind, self.value, self.children)

    def typecode(self):
        return kind_to_typecode[self.astKind]

    def postorderWalk(self):
        # Iterative: trees of long operator chains are as deep as long.
        stack = [(self, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                yield node
            else:
                stack.append((node, True))
                stack.extend((c, False) for c in reversed(node.children))

    def allOf(self, *astTypes):
        wanted = set(astTypes)
        for node in self.postorderWalk():
            if node.astType in wanted:
                yield node


def _rebuild(root, make):
    """make(node, converted children) for every node, children first,
    without recursion."""
    done = {}
    stack = [root]
    while stack:
        node = stack[-1]
        pending = [c for c in node.children if id(c) not in done]
        if pending:
            stack.extend(pending)
            continue
        stack.pop()
        if id(node) not in done:
            done[id(node)] = make(node, [done[id(c)] for c in node.children])
    return done[id(root)]


def expressionToAST(ex):
    """The ASTNode tree of an ExpressionNode tree (same types, kinds,
    values and shape)."""
    return _rebuild(ex, lambda n, kids: ASTNode(n.astType, n.astKind,
                                                n.value, kids))


def sigPerms(s):
    """The signatures s can be upcast to, in numexpr's search order:
    each position from its own type up to complex, leftmost slowest;
    strings stay strings, other codes (n) stay as they are."""
    codes = "bilfdc"
    if not s:
        yield ""
        return
    head = s[0]
    if head in codes:
        heads = codes[codes.index(head):]
    else:
        heads = head
    for h in heads:
        for rest in sigPerms(s[1:]):
            yield h + rest


def _typed_op(node, children):
    """(typed value, children with casts) for an 'op' node."""
    ret = node.typecode()
    base = "".join(c.typecode() for c in node.children)
    for sig in sigPerms(base):
        value = ("%s_%s%s" % (node.value, ret, sig)).encode("ascii")
        if value in opcodes:
            break
    else:
        for sig in sigPerms(base):
            fname = ("%s_%s%s" % (node.value, ret, sig)).encode("ascii")
            if fname in funccodes:
                value = ("func_%sn" % (ret + sig)).encode("ascii")
                children = children + [ASTNode("raw", "none",
                                               funccodes[fname])]
                break
        else:
            raise NotImplementedError(
                "couldn't find matching opcode for '%s'"
                % ("%s_%s%s" % (node.value, ret, base)))
    for i, (have, want) in enumerate(zip(base, sig)):
        if have != want:
            kind = typecode_to_kind[want]
            child = children[i]
            if child.astType == "constant":
                children[i] = ASTNode("constant", kind, child.value)
            else:
                children[i] = ASTNode("op", kind, "cast", [child])
    return value, children


def typeCompileAst(ast):
    """The typed tree: each operation's value becomes the first typed
    operation its operands can be upcast to (b'add_ddd'; a function found
    only among the typed functions is b'func_<sig>n' with the function's
    number as a raw last child), with 'cast' operations (or retyped
    constants) where an operand is upcast; the casts are typed in turn
    (b'cast_di'). NotImplementedError when nothing matches."""
    if ast.astType != "op":
        return ASTNode(ast.astType, ast.astKind, ast.value,
                       [typeCompileAst(c) for c in ast.children])
    value, children = _typed_op(ast, list(ast.children))
    return ASTNode(ast.astType, ast.astKind, value,
                   [typeCompileAst(c) for c in children])
