//===- CodeGen/EmitReduction.cpp - Reduction accumulators -----------------===//
/// \file
/// Reductions: the identity an accumulator starts from, combining two
/// partial results, folding a vector accumulator's lanes, and the
/// elementwise accumulate variant (out[i] = op(out[i], x[i])).
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

Val KernelEmitter::accumulated(bool Accumulate, Opcode Op, DType T,
                               int64_t ItemSize) {
  if (!Accumulate)
    return Cache[F.Result];
  return combine(Op, T, loadOperand(0, T, ItemSize), Cache[F.Result]);
}

Val KernelEmitter::reductionIdentity(Opcode Op, DType T) {
  if (T == DType::Complex128)
    return {constOf(DType::Float64, Op == Opcode::Prod ? 1.0 : 0.0),
            constOf(DType::Float64, 0.0)};
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

} // namespace nejit::codegen
