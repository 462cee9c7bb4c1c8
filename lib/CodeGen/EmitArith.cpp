//===- CodeGen/EmitArith.cpp - Real arithmetic and comparisons ------------===//
/// \file
/// Lowers operations on real values: comparisons and floating-point
/// classification of any real type, boolean logic, and floating-point
/// arithmetic and rounding (numexpr's // and % included); transcendental
/// functions are handed to EmitMath.cpp.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

/// ==, !=, > and >= (numexpr swaps the operands of < and <=): ordered
/// comparisons for floats except !=, unsigned ones for bools.
Val KernelEmitter::emitCompare(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  auto OpType = [&](int K) { return F.Insts[I.Operands[K]].Type; };
  Value *X = Arg(0).V, *Y = Arg(1).V;
  if (isFloatType(OpType(0))) {
    switch (I.Op) {
    case Opcode::Eq:
      return {B.CreateFCmpOEQ(X, Y)};
    case Opcode::Ne:
      return {B.CreateFCmpUNE(X, Y)};
    case Opcode::Gt:
      return {B.CreateFCmpOGT(X, Y)};
    default:
      return {B.CreateFCmpOGE(X, Y)};
    }
  }
  bool Unsigned = OpType(0) == DType::Bool;
  switch (I.Op) {
  case Opcode::Eq:
    return {B.CreateICmpEQ(X, Y)};
  case Opcode::Ne:
    return {B.CreateICmpNE(X, Y)};
  case Opcode::Gt:
    return {Unsigned ? B.CreateICmpUGT(X, Y) : B.CreateICmpSGT(X, Y)};
  default:
    return {Unsigned ? B.CreateICmpUGE(X, Y) : B.CreateICmpSGE(X, Y)};
  }
}

/// isnan, isfinite, isinf and signbit of a real value.
Val KernelEmitter::emitFloatClass(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  switch (I.Op) {
  case Opcode::IsNan:
    return {B.CreateFCmpUNO(Arg(0).V, Arg(0).V)};
  case Opcode::IsFinite:
  case Opcode::IsInf: {
    Value *X = intrinsic(Intrinsic::fabs, {Arg(0).V});
    Value *Inf = ConstantFP::getInfinity(X->getType()->getScalarType());
    Inf = VF == 1 ? Inf : B.CreateVectorSplat(VF, Inf);
    return {I.Op == Opcode::IsFinite ? B.CreateFCmpOLT(X, Inf)
                                     : B.CreateFCmpOEQ(X, Inf)};
  }
  default: { // SignBit
    Value *X = Arg(0).V;
    unsigned Bits = X->getType()->getScalarSizeInBits();
    Value *AsInt = B.CreateBitCast(X, vecOf(B.getIntNTy(Bits)));
    return {B.CreateICmpSLT(AsInt, Constant::getNullValue(AsInt->getType()))};
  }
  }
}

Val KernelEmitter::emitBoolOp(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  switch (I.Op) {
  case Opcode::Invert:
    return {B.CreateNot(Arg(0).V)};
  case Opcode::And:
    return {B.CreateAnd(Arg(0).V, Arg(1).V)};
  case Opcode::Or:
    return {B.CreateOr(Arg(0).V, Arg(1).V)};
  case Opcode::Xor:
    return {B.CreateXor(Arg(0).V, Arg(1).V)};
  default:
    Failure = std::string("bool operation '") + ir::opcodeName(I.Op) +
              "' is not supported";
    return {UndefValue::get(vecType(I.Type))};
  }
}

Val KernelEmitter::emitFloatOp(int Id) {
  const Inst &I = F.Insts[Id];
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  DType T = I.Type;
  Value *X = Arg(0).V;
  Value *Y = I.Operands.size() > 1 ? Arg(1).V : nullptr;
  switch (I.Op) {
  case Opcode::Neg:
    return {B.CreateFNeg(X)};
  case Opcode::Add:
    return {B.CreateFAdd(X, Y)};
  case Opcode::Sub:
    return {B.CreateFSub(X, Y)};
  case Opcode::Mul:
    return {B.CreateFMul(X, Y)};
  case Opcode::Div:
    return {B.CreateFDiv(X, Y)};
  case Opcode::FloorDiv:
    return {intrinsic(Intrinsic::floor, {B.CreateFDiv(X, Y)})};
  case Opcode::Mod: {
    // numexpr: a - floor(a/b) * b, unfused.
    Value *Q = intrinsic(Intrinsic::floor, {B.CreateFDiv(X, Y)});
    return {B.CreateFSub(X, B.CreateFMul(Q, Y))};
  }
  case Opcode::Sqrt:
    return {intrinsic(Intrinsic::sqrt, {X})};
  case Opcode::Abs:
    return {intrinsic(Intrinsic::fabs, {X})};
  case Opcode::Conj:
  case Opcode::Copy:
    return {X};
  case Opcode::Floor:
    return {intrinsic(Intrinsic::floor, {X})};
  case Opcode::Ceil:
    return {intrinsic(Intrinsic::ceil, {X})};
  case Opcode::Trunc:
    return {intrinsic(Intrinsic::trunc, {X})};
  case Opcode::Round:
    return {intrinsic(Intrinsic::roundeven, {X})};
  case Opcode::Sign: {
    Value *Zero = constOf(T, 0.0);
    Value *R = B.CreateSelect(
        B.CreateFCmpOGT(X, Zero), constOf(T, 1.0),
        B.CreateSelect(B.CreateFCmpOLT(X, Zero), constOf(T, -1.0), Zero));
    return {B.CreateSelect(B.CreateFCmpUNO(X, X), X, R)};
  }
  case Opcode::Copysign:
    return {intrinsic(Intrinsic::copysign, {X, Y})};
  case Opcode::Maximum:
  case Opcode::Minimum: {
    // numexpr: NaN if either is NaN, else the larger (smaller) one, and Y
    // when they compare equal, as numpy and numexpr do for +0 and -0. An
    // explicit select (x86's maxpd/minpd) rather than llvm.maxnum, which
    // may return either zero depending on what LLVM proves about Y, so
    // that a fused kernel and the interpreter's one-operation kernel agree.
    Value *XWins = I.Op == Opcode::Maximum ? B.CreateFCmpOGT(X, Y)
                                           : B.CreateFCmpOLT(X, Y);
    Value *M = B.CreateSelect(XWins, X, Y);
    Value *AnyNan = B.CreateFCmpUNO(X, Y);
    return {B.CreateSelect(AnyNan, constOf(T, NAN), M)};
  }
  default:
    return {emitMathCall(Id, X, Y)};
  }
}

Val KernelEmitter::emitClip(const Inst &I) {
  Value *X = get(I.Operands[0]).V, *Lo = get(I.Operands[1]).V,
        *Hi = get(I.Operands[2]).V;
  DType T = I.Type;
  if (T == DType::Bool) // max of booleans is or, min is and
    return {B.CreateAnd(B.CreateOr(X, Lo), Hi)};
  if (isIntType(T))
    return {intrinsic(Intrinsic::smin, {intrinsic(Intrinsic::smax, {X, Lo}),
                                        Hi})};
  Value *M = intrinsic(Intrinsic::minnum,
                       {intrinsic(Intrinsic::maxnum, {X, Lo}), Hi});
  Value *AnyNan = B.CreateOr(B.CreateFCmpUNO(X, Lo), B.CreateFCmpUNO(X, Hi));
  return {B.CreateSelect(AnyNan, constOf(T, NAN), M)};
}

} // namespace nejit::codegen
