//===- CodeGen/EmitReduction.cpp - Reduction accumulators -----------------===//
/// \file
/// Reductions: which variant a kernel is (one accumulator, or elementwise
/// out[i] = op(out[i], x[i])), the identity an accumulator starts from,
/// combining two partial results, and folding the vector accumulator's
/// lanes into the scalar tail's accumulator.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

KernelEmitter::ResultPlan KernelEmitter::planResult() const {
  const Inst &Res = F.result();
  ResultPlan R;
  R.Op = Res.Op;
  R.Type = Res.Type;
  R.ItemSize = Res.ItemSize;
  // A reduction whose output is broadcast along the loop folds every index
  // into one accumulator element (*ptrs[0], read and written); with any
  // other output layout it accumulates elementwise, out[i] = op(out[i],
  // x[i]), which the runtime uses when the reduced axis is not the
  // innermost one in memory.
  R.Accumulate =
      ir::isReduction(Res.Op) && Spec.Layouts[0] != Layout::Broadcast;
  R.Reduce = ir::isReduction(Res.Op) && !R.Accumulate;
  return R;
}

Val KernelEmitter::accumulated(const ResultPlan &R) {
  if (!R.Accumulate)
    return Cache[F.Result];
  return combine(R.Op, R.Type, loadOperand(0, R.Type, R.ItemSize),
                 Cache[F.Result]);
}

Val KernelEmitter::reductionIdentity(Opcode Op, DType T) {
  if (T == DType::Complex128)
    return {constOf(DType::Float64, Op == Opcode::Prod ? 1.0 : 0.0),
            constOf(DType::Float64, 0.0)};
  if (Op == Opcode::Any || Op == Opcode::All)
    return {splat(B.getInt1(Op == Opcode::All))};
  if (Op == Opcode::Sum)
    return {constOf(T, 0.0)};
  if (Op == Opcode::Prod)
    return {constOf(T, 1.0)};
  if (isFloatType(T))
    return {constOf(T, NAN)}; // minnum/maxnum skip NaN
  bool Is32 = T == DType::Int32;
  if (Op == Opcode::Min)
    return {intConst(T, Is32 ? INT32_MAX : INT64_MAX)};
  return {intConst(T, Is32 ? INT32_MIN : INT64_MIN)};
}

Val KernelEmitter::combine(Opcode Op, DType T, Val A, Val Bv) {
  if (T == DType::Complex128) {
    if (Op == Opcode::Sum)
      return {B.CreateFAdd(A.V, Bv.V), B.CreateFAdd(A.Im, Bv.Im)};
    return {B.CreateFSub(B.CreateFMul(A.V, Bv.V), B.CreateFMul(A.Im, Bv.Im)),
            B.CreateFAdd(B.CreateFMul(A.V, Bv.Im), B.CreateFMul(A.Im, Bv.V))};
  }
  bool Float = isFloatType(T);
  switch (Op) {
  case Opcode::Any:
    return {B.CreateOr(A.V, Bv.V)};
  case Opcode::All:
    return {B.CreateAnd(A.V, Bv.V)};
  case Opcode::Sum:
    return {Float ? B.CreateFAdd(A.V, Bv.V) : B.CreateAdd(A.V, Bv.V)};
  case Opcode::Prod:
    return {Float ? B.CreateFMul(A.V, Bv.V) : B.CreateMul(A.V, Bv.V)};
  case Opcode::Min:
    return {
        intrinsic(Float ? Intrinsic::minnum : Intrinsic::smin, {A.V, Bv.V})};
  default:
    return {
        intrinsic(Float ? Intrinsic::maxnum : Intrinsic::smax, {A.V, Bv.V})};
  }
}

/// Folds the lanes of a vector accumulator into one scalar, lane 0 first.
Val KernelEmitter::horizontal(Opcode Op, DType T, Val V) {
  unsigned Lanes = VF;
  Val Acc{B.CreateExtractElement(V.V, (uint64_t)0),
          V.Im ? B.CreateExtractElement(V.Im, (uint64_t)0) : nullptr};
  unsigned Saved = VF;
  VF = 1;
  for (unsigned L = 1; L < Lanes; ++L) {
    Val Lane{B.CreateExtractElement(V.V, L),
             V.Im ? B.CreateExtractElement(V.Im, L) : nullptr};
    Acc = combine(Op, T, Acc, Lane);
  }
  VF = Saved;
  return Acc;
}

Val KernelEmitter::phiPair(Val X, BasicBlock *FromX, Val Y, BasicBlock *FromY,
                           const Twine &Name) {
  PHINode *Re = B.CreatePHI(X.V->getType(), 2, Name);
  Re->addIncoming(X.V, FromX);
  Re->addIncoming(Y.V, FromY);
  PHINode *Im = nullptr;
  if (X.Im) {
    Im = B.CreatePHI(X.Im->getType(), 2, Name + ".im");
    Im->addIncoming(X.Im, FromX);
    Im->addIncoming(Y.Im, FromY);
  }
  return {Re, Im};
}

} // namespace nejit::codegen
