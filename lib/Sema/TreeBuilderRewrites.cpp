//===- Sema/TreeBuilderRewrites.cpp - Division and powers -----------------===//
/// \file
/// numexpr's truediv_op and pow_op: division by a constant becomes a
/// multiply, and constant powers expand into multiplies and a sqrt, as the
/// optimization level asks.
//===----------------------------------------------------------------------===//
#include "Sema/TreeBuilder.h"

namespace nejit {
namespace sema {

bool TreeBuilder::isFloatingKind(DType T) {
  return T == DType::Float32 || T == DType::Float64 || T == DType::Complex128;
}

Expected<ENodePtr> TreeBuilder::trueDiv(ENodePtr A, ENodePtr B, SourceLoc Loc) {
  // Python divides two plain constants itself; numexpr's truediv_op, which
  // sees a ConstantNode operand, never folds (1/0 there is inf at run time).
  if (A->K == ENode::Const && B->K == ENode::Const && !A->Value.Boxed &&
      !B->Value.Boxed)
    return binop("div", A, B, Loc);
  if (Opt != Optimization::None && B->K == ENode::Const && A->Type == B->Type &&
      isFloatingKind(A->Type)) {
    auto Recip = foldBinary("div", PyConst::ofFloat(1.0), B->Value, Loc);
    if (!Recip)
      return Recip.takeError();
    return makeOp("mul", {A, makeConst(*Recip, B->Loc)}, Loc);
  }
  auto K = commonKind({A, B}, Loc);
  if (!K)
    return K.takeError();
  DType Kind = *K;
  if (Kind == DType::Bool || Kind == DType::Int32 || Kind == DType::Int64)
    Kind = DType::Float64;
  return makeOp("div", {A, B}, Loc, Kind);
}

Expected<ENodePtr> TreeBuilder::power(ENodePtr A, ENodePtr B, SourceLoc Loc) {
  // As for '/': two plain constants fold (numexpr's pow_op never does),
  // and so does a plain constant to a ConstantNode's power: Python calls
  // the node's __rpow__, numexpr's binop, which folds two ConstantNodes
  // (`2 ** arccosh(0.5)` is NaN, not an expansion error).
  if (A->K == ENode::Const && B->K == ENode::Const && !A->Value.Boxed)
    return binop("pow", A, B, Loc);
  if (B->K != ENode::Const)
    return makeOp("pow", {A, B}, Loc);
  const PyConst &E = B->Value;
  if (E.N == Np::Array)
    return arrayOperand(Loc);
  double X = E.asDouble();
  if (E.T == PyConst::Complex && E.N != Np::None) {
    // A numpy complex converts to int (dropping the imaginary part, with
    // a warning), so numexpr's expansion test runs: it holds only for a
    // real integral or half-integral value.
    if (E.C.imag() != 0)
      return makeOp("pow", {A, B}, Loc);
    X = E.C.real();
  } else if (E.T == PyConst::Bytes || E.T == PyConst::Complex) {
    // 'aggressive' first asks whether int(2 * x) == 2 * x, which Python
    // cannot answer for bytes (ValueError) or complex numbers (TypeError).
    if (Opt == Optimization::Aggressive)
      return makeError(
          E.T == PyConst::Bytes ? ErrorKind::Value : ErrorKind::Type, Loc,
          std::string("cannot expand a power with a ") + typeNameForError(E) +
              " exponent");
    return makeOp("pow", {A, B}, Loc);
  }
  bool IntBase = A->Type == DType::Int32 || A->Type == DType::Int64;
  bool IntExp = B->Type == DType::Int32 || B->Type == DType::Int64;
  if (IntBase && IntExp && X < 0)
    return makeError(ErrorKind::Value, Loc,
                     "integers to negative integer powers are not allowed");
  if (Opt == Optimization::Aggressive && !std::isfinite(X))
    return makeError(ErrorKind::Value, Loc,
                     "cannot expand a power with an infinite or NaN "
                     "exponent");
  if (Opt == Optimization::Aggressive && std::floor(2 * X) == 2 * X &&
      std::fabs(X) <= 50)
    return expandPower(A, X, Loc);
  if (Opt != Optimization::None) {
    if (X == -1)
      return makeOp("div", {makeConst(PyConst::ofInt(1), Loc), A}, Loc);
    if (X == 0)
      return makeOp("ones_like", {A}, Loc);
    if (X == 0.5)
      return sqrtOf(A, Loc);
    if (X == 1)
      return A;
    if (X == 2)
      return makeOp("mul", {A, A}, Loc);
  }
  return makeOp("pow", {A, B}, Loc);
}

Expected<ENodePtr> TreeBuilder::sqrtOf(ENodePtr A, SourceLoc Loc) {
  DType K = A->Type;
  if (K == DType::Int32 || K == DType::Int64)
    K = DType::Float64;
  return makeOp("sqrt", {A}, Loc, K);
}

Expected<ENodePtr> TreeBuilder::expandPower(ENodePtr A, double X,
                                            SourceLoc Loc) {
  int N = (int)std::fabs(X);
  bool HalfPower = ((int)std::fabs(2 * X)) % 2 == 1;
  // Square-and-multiply over the bits of |X|: R collects the product, P
  // holds A to the next power of two.
  ENodePtr R, P = A;
  for (int Mask = 1;; Mask <<= 1) {
    if (N & Mask) {
      if (!R)
        R = P;
      else {
        auto M = makeOp("mul", {R, P}, Loc);
        if (!M)
          return M;
        R = *M;
      }
    }
    if ((Mask << 1) > N)
      break;
    auto Sq = makeOp("mul", {P, P}, Loc);
    if (!Sq)
      return Sq;
    P = *Sq;
  }
  if (HalfPower) {
    auto S = sqrtOf(A, Loc);
    if (!S)
      return S;
    if (!R)
      R = *S;
    else {
      auto M = makeOp("mul", {R, *S}, Loc);
      if (!M)
        return M;
      R = *M;
    }
  }
  if (!R) {
    auto O = makeOp("ones_like", {A}, Loc);
    if (!O)
      return O;
    R = *O;
  }
  if (X < 0)
    return trueDiv(makeConst(PyConst::ofInt(1), Loc), R, Loc);
  return R;
}

} // namespace sema
} // namespace nejit
