//===- Sema/TreeBuilder.cpp - numexpr's expression-tree builder -----------===//
/// \file
/// The kinded tree for literals, names, unary and binary operators,
/// comparisons, boolean operators, conditional expressions and .real/.imag,
/// folding operations on constants with Python semantics.
//===----------------------------------------------------------------------===//
#include "Sema/TreeBuilder.h"

#include <map>

namespace nejit {
namespace sema {

const char *const BoolOpsMessage =
    "you can't use Python's standard boolean operators in nejit "
    "expressions: use '&' instead of 'and', '|' instead of 'or', and '~' "
    "instead of 'not'";

Expected<ENodePtr> TreeBuilder::build(const AstNode &Root) {
  RecursionLimit::Level Level(Limit);
  if (!Level)
    return nestedTooDeeply(Root.Loc);
  // Walk down first operands, making each node's checks on the way (they
  // come before its operand is evaluated), build the innermost node, then
  // complete the chain outwards.
  std::vector<const AstNode *> Chain;
  const AstNode *N = &Root;
  while (true) {
    auto First = firstOperand(*N);
    if (!First)
      return First.takeError();
    if (!*First)
      break;
    Chain.push_back(N);
    N = *First;
  }
  auto V = buildLeaf(*N);
  if (!V)
    return V;
  ENodePtr Acc = std::move(*V);
  for (auto It = Chain.rbegin(); It != Chain.rend(); ++It) {
    auto Next = complete(**It, std::move(Acc));
    if (!Next)
      return Next;
    Acc = std::move(*Next);
  }
  return Acc;
}

Expected<const AstNode *> TreeBuilder::firstOperand(const AstNode &N) {
  switch (N.K) {
  case AstNode::Unary:
  case AstNode::Binary:
  case AstNode::Compare:
  case AstNode::BoolOp:
    return N.Args[0].get();
  case AstNode::IfExp:
    return N.Args[1].get(); // the condition
  case AstNode::Attribute:
    if (N.Text != "real" && N.Text != "imag")
      return makeError(ErrorKind::Value, N.Loc,
                       "attribute access is not allowed: '." +
                           sourceFragment(N.Text) + "'");
    return N.Args[0].get();
  case AstNode::Call:
    return callFirstOperand(N);
  default:
    return nullptr;
  }
}

Expected<ENodePtr> TreeBuilder::complete(const AstNode &N, ENodePtr First) {
  switch (N.K) {
  case AstNode::Unary:
    return applyUnary(N, std::move(First));
  case AstNode::Binary:
    return applyBinary(N, std::move(First));
  case AstNode::Compare:
    return buildCompare(N, std::move(First));
  case AstNode::BoolOp:
    return buildBoolOp(N, std::move(First));
  case AstNode::IfExp:
    return buildIfExp(N, std::move(First));
  case AstNode::Attribute:
    return buildAttribute(N, std::move(First));
  case AstNode::Call:
    return completeCall(N, std::move(First));
  default:
    return makeError(ErrorKind::Runtime, N.Loc,
                     "internal error: a node without operands completed");
  }
}

Expected<ENodePtr> TreeBuilder::buildLeaf(const AstNode &N) {
  switch (N.K) {
  case AstNode::IntLit:
    if (N.IntOverflow)
      return makeError(ErrorKind::Overflow, N.Loc,
                       "integer constant " + sourceFragment(N.Text) +
                           " is too large");
    return makeConst(PyConst::ofInt(N.IntValue), N.Loc);
  case AstNode::FloatLit:
    return makeConst(PyConst::ofFloat(N.FloatValue), N.Loc);
  case AstNode::ImagLit:
    return makeConst(PyConst::ofComplex({0.0, N.FloatValue}), N.Loc);
  case AstNode::BoolLit:
    return makeConst(PyConst::ofBool(N.IntValue != 0), N.Loc);
  case AstNode::StringLit:
    return makeConst(PyConst::ofBytes(N.Text), N.Loc);
  case AstNode::NoneLit:
    return makeError(ErrorKind::Type, N.Loc,
                     "None can only be a reduction's axis");
  case AstNode::Name:
    return buildName(N);
  case AstNode::Display:
    return makeError(ErrorKind::Type, N.Loc,
                     "unsupported expression type: " + N.Text);
  case AstNode::Call: // without arguments
    return completeCall(N, nullptr);
  default:
    return makeError(ErrorKind::Runtime, N.Loc,
                     "internal error: a node with operands built as a leaf");
  }
}

Expected<ENodePtr> TreeBuilder::buildName(const AstNode &N) {
  if (Bindings) {
    auto It = Bindings->find(N.Text);
    if (It != Bindings->end())
      return It->second;
  }
  for (size_t I = 0; I < Sig.size(); ++I) {
    if (Sig[I].Name != N.Text)
      continue;
    auto V = std::make_shared<ENode>();
    V->K = ENode::Var;
    V->Type = Sig[I].Type;
    V->VarIndex = (int)I;
    V->Loc = N.Loc;
    return V;
  }
  if (lookupFunction(N.Text) || N.Text == "where" ||
      isReductionName(N.Text) || N.Text == "clip" || N.Text == "contains")
    return makeError(ErrorKind::Type, N.Loc,
                     "function '" + sourceFragment(N.Text) +
                         "' used as a value");
  // As numexpr: a name missing from the signature is typed float64 while
  // the expression is built, and is an error only if it is still read
  // afterwards (a constant where() condition may drop it); Lowering
  // reports it then.
  auto V = std::make_shared<ENode>();
  V->K = ENode::Var;
  V->Type = DType::Float64;
  V->VarIndex = -1;
  V->Name = N.Text;
  V->Loc = N.Loc;
  return V;
}

llvm::Error TreeBuilder::arrayOperand(SourceLoc Loc) {
  return makeError(ErrorKind::Type, Loc,
                   "a numpy array made from constants (copy() or "
                   "ones_like() of a constant) cannot be an operand");
}

Expected<bool> TreeBuilder::truth(const ENodePtr &V, SourceLoc Loc) {
  if (V->K != ENode::Const || V->Value.Boxed)
    return makeError(ErrorKind::Type, Loc, BoolOpsMessage);
  return V->Value.truthy();
}

Expected<ENodePtr> TreeBuilder::applyUnary(const AstNode &N, ENodePtr X) {
  if (N.Text == "not") {
    auto T = truth(X, N.Loc);
    if (!T)
      return T.takeError();
    return makeConst(PyConst::ofBool(!*T), N.Loc);
  }
  if (X->K != ENode::Const || (X->Value.Boxed && N.Text == "+")) {
    if (N.Text == "+")
      return X;
    return makeOp(N.Text == "-" ? "neg" : "invert", {X}, N.Loc);
  }
  const PyConst &V = X->Value;
  if (V.N == Np::Array)
    return arrayOperand(N.Loc);
  if (V.T == PyConst::Bytes)
    return makeError(ErrorKind::Type, N.Loc,
                     "bad operand type for unary " + N.Text + ": 'bytes'");
  if (V.N == Np::Bool && N.Text != "~")
    return makeError(ErrorKind::Type, N.Loc,
                     "numpy booleans do not support unary " + N.Text);
  PyConst R;
  if (N.Text == "~") {
    if (!V.isIntegral())
      return makeError(ErrorKind::Type, N.Loc,
                       std::string("bad operand type for unary ~: '") +
                           typeNameForError(V) + "'");
    if (V.N == Np::Bool) { // numpy's ~ on a bool is logical not
      PyConst R = PyConst::ofBool(!V.B, Np::Bool);
      R.Boxed = V.Boxed;
      return makeConst(R, N.Loc);
    }
    R = PyConst::ofInt(~V.asInt());
  } else if (V.T == PyConst::Complex) {
    R = PyConst::ofComplex(N.Text == "-" ? -V.C : V.C);
  } else if (V.T == PyConst::Float) {
    R = PyConst::ofFloat(N.Text == "-" ? -V.F : V.F);
  } else {
    // Python: -True is -1, +True is 1.
    if (V.asInt() == WideMin)
      return makeError(ErrorKind::Overflow, N.Loc,
                       "integer constant too large");
    R = PyConst::ofInt(N.Text == "-" ? -V.asInt() : V.asInt());
  }
  if (V.N != Np::None)
    R = withNumpyType(R, V.N);
  R.Boxed = V.Boxed;
  return makeConst(R, N.Loc);
}

Expected<ENodePtr> TreeBuilder::buildBoolOp(const AstNode &N, ENodePtr First) {
  bool IsAnd = N.Text == "and";
  ENodePtr V;
  for (size_t I = 0; I < N.Args.size(); ++I) {
    if (I == 0) {
      V = std::move(First);
    } else {
      auto E = build(*N.Args[I]);
      if (!E)
        return E;
      V = *E;
    }
    if (I + 1 == N.Args.size())
      break;
    auto T = truth(V, N.Loc);
    if (!T)
      return T.takeError();
    if (*T != IsAnd) // and: stop at a false value; or: at a true one
      break;
  }
  return V;
}

Expected<ENodePtr> TreeBuilder::buildIfExp(const AstNode &N, ENodePtr Cond) {
  auto T = truth(Cond, N.Loc);
  if (!T)
    return T.takeError();
  return build(*N.Args[*T ? 0 : 2]);
}

Expected<ENodePtr> TreeBuilder::binop(const std::string &Op, ENodePtr A,
                                      ENodePtr B, SourceLoc Loc,
                                      std::optional<DType> Kind) {
  if (A->K == ENode::Const && B->K == ENode::Const) {
    auto V = foldBinary(Op, A->Value, B->Value, Loc);
    if (!V)
      return V.takeError();
    return makeConst(*V, Loc);
  }
  for (const ENodePtr &X : {A, B})
    if (X->K == ENode::Const && X->Value.N == Np::Array)
      return arrayOperand(X->Loc);
  if (A->K == ENode::Const && A->Value.T == PyConst::Bytes && Op == "mod")
    return makeError(ErrorKind::Type, Loc,
                     "bytes formatting ('%') is not supported");
  return makeOp(Op, {A, B}, Loc, Kind);
}

Expected<ENodePtr> TreeBuilder::applyBinary(const AstNode &N, ENodePtr L) {
  // Only the recursion lives in this frame: right-nested operands
  // (a + (b + (c + ...))) recurse through it.
  auto R = build(*N.Args[1]);
  if (!R)
    return R;
  return combineBinary(N, std::move(L), std::move(*R));
}

Expected<ENodePtr> TreeBuilder::combineBinary(const AstNode &N, ENodePtr L,
                                              ENodePtr R) {
  SourceLoc Loc = N.OpLocs.empty() ? N.Loc : N.OpLocs[0];
  const std::string &Op = N.Text;
  if (Op == "/")
    return trueDiv(L, R, Loc);
  if (Op == "**")
    return power(L, R, Loc);
  static const std::map<std::string, std::string> Names = {
      {"+", "add"}, {"-", "sub"},     {"*", "mul"},     {"//", "floordiv"},
      {"%", "mod"}, {"<<", "lshift"}, {">>", "rshift"}, {"&", "and"},
      {"|", "or"},  {"^", "xor"}};
  auto It = Names.find(Op);
  if (It == Names.end())
    return makeError(ErrorKind::Type, Loc, "unsupported operator '" + Op + "'");
  // numexpr's nodes have no reflected //, &, | or ^: a constant on the
  // left of an array is a TypeError there.
  if (L->K == ENode::Const && !L->Value.Boxed &&
      (R->K != ENode::Const || R->Value.Boxed) &&
      (Op == "//" || Op == "&" || Op == "|" || Op == "^"))
    return makeError(ErrorKind::Type, Loc,
                     "unsupported operand types for '" + Op +
                         "': a constant and an array expression (numexpr "
                         "has no reflected '" +
                         Op + "'; swap the operands)");
  return binop(It->second, L, R, Loc);
}

Expected<ENodePtr> TreeBuilder::compare(const std::string &Op,
                                        const AstNode &LA, const AstNode &RA,
                                        ENodePtr L, ENodePtr R, SourceLoc Loc) {
  if (Op == "is" || Op == "is not") {
    // Identity: the same variable is itself; constants are compared by
    // value and type; anything else is a different object.
    bool Same;
    if (LA.K == AstNode::Name && RA.K == AstNode::Name)
      Same = LA.Text == RA.Text;
    else if (L->K == ENode::Const && R->K == ENode::Const)
      Same = L->Value.T == R->Value.T && L->Value.N == R->Value.N &&
             L->Value.truthy() == R->Value.truthy() && [&] {
               auto E = foldBinary("eq", L->Value, R->Value, Loc);
               if (!E) {
                 llvm::consumeError(E.takeError());
                 return false;
               }
               return E->truthy();
             }();
    else
      Same = false;
    return makeConst(PyConst::ofBool(Same == (Op == "is")), Loc);
  }
  if (Op == "in" || Op == "not in") {
    if (R->K == ENode::Const && L->K == ENode::Const && !R->Value.Boxed &&
        R->Value.T == PyConst::Bytes && L->Value.T == PyConst::Bytes) {
      bool In = R->Value.S.find(L->Value.S) != std::string::npos;
      return makeConst(PyConst::ofBool(In == (Op == "in")), Loc);
    }
    return makeError(ErrorKind::Type, Loc,
                     "operator '" + Op +
                         "' is not supported (use contains() for strings)");
  }
  if (Op == "<")
    return binop("gt", R, L, Loc, DType::Bool);
  if (Op == "<=")
    return binop("ge", R, L, Loc, DType::Bool);
  if (Op == ">")
    return binop("gt", L, R, Loc, DType::Bool);
  if (Op == ">=")
    return binop("ge", L, R, Loc, DType::Bool);
  if (Op == "==")
    return binop("eq", L, R, Loc, DType::Bool);
  return binop("ne", L, R, Loc, DType::Bool);
}

Expected<ENodePtr> TreeBuilder::buildCompare(const AstNode &N, ENodePtr First) {
  ENodePtr Left = std::move(First), Result;
  for (size_t I = 0; I < N.Ops.size(); ++I) {
    auto R = build(*N.Args[I + 1]);
    if (!R)
      return R;
    auto C =
        compare(N.Ops[I], *N.Args[I], *N.Args[I + 1], Left, *R, N.OpLocs[I]);
    if (!C)
      return C;
    Result = *C;
    if (I + 1 == N.Ops.size())
      break;
    auto T = truth(Result, N.OpLocs[I + 1]);
    if (!T)
      return T.takeError();
    if (!*T)
      break;
    Left = *R;
  }
  return Result;
}

Expected<ENodePtr> TreeBuilder::buildAttribute(const AstNode &N, ENodePtr X) {
  if (X->K == ENode::Const) {
    auto V =
        pyRealImag(X->Value, N.Text == "imag", N.Loc, /*ForFunction=*/false);
    if (!V)
      return V.takeError();
    return makeConst(*V, N.Loc);
  }
  return makeOp(N.Text, {X}, N.Loc, DType::Float64);
}

} // namespace sema
} // namespace nejit
