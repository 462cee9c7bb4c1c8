//===- Sema/TreeBuilder.h - numexpr's expression-tree builder ---*- C++ -*-===//
/// \file
/// Builds the kinded tree (ENode) from the AST as numexpr's Python operator
/// overloads build it: constants fold, and the optimization level decides the
/// rewrites of division by a constant and of constant powers.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SEMA_TREEBUILDER_H
#define NEJIT_SEMA_TREEBUILDER_H

#include "Sema/SemaInternal.h"
#include "Support/Stack.h"

#include "llvm/Support/Compiler.h"

#include <map>

namespace nejit {
namespace sema {

class TreeBuilder {
public:
  TreeBuilder(const Signature &Sig, Optimization Opt) : Sig(Sig), Opt(Opt) {}

  /// Chains through first operands (the left operand of a binary operator,
  /// a unary operator's or attribute's operand, a call's first argument, a
  /// conditional's condition) are built iteratively, innermost first as
  /// Python evaluates them; other nesting (right operands, later arguments)
  /// recurses, bounded by the stack left.
  Expected<ENodePtr> build(const AstNode &N);

  /// A program's assigned names: read before the signature's.
  void setBindings(const std::map<std::string, ENodePtr> *B) { Bindings = B; }

private:
  const Signature &Sig;
  Optimization Opt;
  RecursionLimit Limit;
  const std::map<std::string, ENodePtr> *Bindings = nullptr;

  /// The operand of N that Python evaluates first, after the checks it
  /// makes before that (nullptr for a node without operands).
  Expected<const AstNode *> firstOperand(const AstNode &N);

  /// N, given its first operand built.
  Expected<ENodePtr> complete(const AstNode &N, ENodePtr First);

  /// A node without operands (literals, names, displays, calls without
  /// arguments).
  Expected<ENodePtr> buildLeaf(const AstNode &N);

  Expected<ENodePtr> buildName(const AstNode &N);

  static llvm::Error arrayOperand(SourceLoc Loc);

  /// Python's truth test on a value: only constants have one (numexpr's
  /// nodes refuse, which is how it rejects and/or/not/if on arrays).
  Expected<bool> truth(const ENodePtr &V, SourceLoc Loc);

  /// The unary operator N applied to its built operand X.
  Expected<ENodePtr> applyUnary(const AstNode &N, ENodePtr X);

  /// `a and b`, `a or b`: Python asks for the truth of each operand but the
  /// last; numexpr's nodes have none, so only constants may stand there.
  Expected<ENodePtr> buildBoolOp(const AstNode &N, ENodePtr First);

  /// `a if c else b`: evaluated when c (First) is a constant, as Python
  /// would.
  Expected<ENodePtr> buildIfExp(const AstNode &N, ENodePtr Cond);

  /// numexpr's binop(): fold constants, else an OpNode of the common kind.
  Expected<ENodePtr> binop(const std::string &Op, ENodePtr A, ENodePtr B,
                           SourceLoc Loc, std::optional<DType> Kind = {});

  static bool isFloatingKind(DType T);

  /// numexpr's truediv_op.
  Expected<ENodePtr> trueDiv(ENodePtr A, ENodePtr B, SourceLoc Loc);

  /// numexpr's pow_op, including the power expansion of 'aggressive'.
  Expected<ENodePtr> power(ENodePtr A, ENodePtr B, SourceLoc Loc);

  /// 'aggressive' expands A**X for an integral or half-integral |X| <= 50
  /// into multiplies, a sqrt and, for X < 0, a division.
  Expected<ENodePtr> expandPower(ENodePtr A, double X, SourceLoc Loc);

  /// sqrt(A) of A's kind, float64 for an integer A.
  Expected<ENodePtr> sqrtOf(ENodePtr A, SourceLoc Loc);

  /// The binary operator N with its built left operand L (the right one is
  /// built here).
  Expected<ENodePtr> applyBinary(const AstNode &N, ENodePtr L);

  /// The binary operator N on its built operands; never inlined into
  /// applyBinary, whose frame the recursion repeats.
  LLVM_ATTRIBUTE_NOINLINE Expected<ENodePtr>
  combineBinary(const AstNode &N, ENodePtr L, ENodePtr R);

  /// One comparison `L op R` (numexpr has only gt/ge: a < b is b > a).
  Expected<ENodePtr> compare(const std::string &Op, const AstNode &LA,
                             const AstNode &RA, ENodePtr L, ENodePtr R,
                             SourceLoc Loc);

  /// a < b < c is (a < b) and (b < c): every comparison but the last needs
  /// a truth value, so it must fold to a constant.
  Expected<ENodePtr> buildCompare(const AstNode &N, ENodePtr First);

  /// x.real, x.imag of the built operand X (the attribute name is checked
  /// by firstOperand).
  Expected<ENodePtr> buildAttribute(const AstNode &N, ENodePtr X);

  llvm::Error checkArity(const AstNode &N, size_t Want);

  /// The checks of a call before its first argument is evaluated (unknown
  /// function, keywords, arity of where/contains, reduction arguments);
  /// the first argument (nullptr: none).
  Expected<const AstNode *> callFirstOperand(const AstNode &N);

  /// The call N, given its first argument built (nullptr: none).
  Expected<ENodePtr> completeCall(const AstNode &N, ENodePtr First);

  /// The call's positional arguments, built in order (First: the first
  /// one, built already).
  Expected<std::vector<ENodePtr>> buildArgs(const AstNode &N, ENodePtr First);

  /// where(c, a, b): picks a or b when c is a constant.
  Expected<ENodePtr> buildWhere(const AstNode &N, ENodePtr First);

  Expected<ENodePtr> buildContains(const AstNode &N, ENodePtr First);

  /// A function of numexpr's table: folded (with numpy semantics) when every
  /// argument is a constant, else an operation of the function's kind.
  Expected<ENodePtr> buildFunction(const AstNode &N, const FunctionInfo &Fn,
                                   ENodePtr First);

  /// The kind numexpr gives a function of array arguments: the common kind,
  /// raised to the function's minimum and lowered to its maximum kind.
  Expected<DType> functionKind(const AstNode &N, const FunctionInfo &Fn,
                               const std::vector<ENodePtr> &Args);

  /// numexpr's sum/prod/min/max(a, axis=None) and nejit's mean, std, var,
  /// any, all, with numpy's keepdims= (and ddof= for var and std). As in
  /// numexpr a reduction is a plain Python function, so its arguments are
  /// Python values. A constant array argument becomes a
  /// constant operand only for the types numexpr lists (bool, numpy int32
  /// and int64, floats, complex); a Python int or bytes constant has no
  /// kind there (AttributeError, a TypeError in nejit). Built is the
  /// array argument, built already.
  Expected<ENodePtr> buildReduction(const AstNode &N, ENodePtr Built);

  /// A reduction's array and axis arguments, positional or keyword, and
  /// its keepdims= and ddof= keywords.
  struct ReductionArgs {
    const AstNode *Arg = nullptr, *AxisArg = nullptr;
    const AstNode *KeepArg = nullptr, *DdofArg = nullptr;
    SourceLoc AxisLoc;
  };
  llvm::Error reductionArgs(const AstNode &N, ReductionArgs &R);

  /// keepdims= and ddof=: an integer or bool constant.
  Expected<int64_t> constantInteger(const AstNode &A, const char *What);

  /// The axis, keepdims and ddof of a reduction as its Raw operand.
  Expected<ENodePtr> reductionOptions(const AstNode &N, const ReductionArgs &R);

  /// numpy's clip(x, lo, hi) (beyond numexpr): numexpr's common kind of its
  /// operands; a None bound clips nothing. X is x, built already.
  Expected<ENodePtr> buildClip(const AstNode &N, ENodePtr X);
};

} // namespace sema
} // namespace nejit

#endif // NEJIT_SEMA_TREEBUILDER_H
