//===- CodeGen/EmitInteger.cpp - Integer operations with C semantics ------===//
/// \file
/// Integer arithmetic with numexpr's C semantics where LLVM's differ:
/// x // 0 == x % 0 == 0, Python's signs, shifts past the width, pow through
/// double with x86's out-of-range conversions, INT_MIN / -1 never traps.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

/// numexpr's integer semantics (interp_body.cpp), branch-free for vectors.
/// Bv is null for the unary operations.
Val KernelEmitter::emitIntOp(const Inst &I, Value *A, Value *Bv) {
  DType T = I.Type;
  unsigned Bits = T == DType::Int32 ? 32 : 64;
  Value *Zero = intConst(T, 0);
  switch (I.Op) {
  case Opcode::Neg:
    return {B.CreateNeg(A)};
  case Opcode::Invert:
    return {B.CreateNot(A)};
  case Opcode::Abs:
    return {intrinsic(Intrinsic::abs, {A, B.getFalse()})};
  case Opcode::Round:
  case Opcode::Conj:
    return {A};
  case Opcode::Sign: {
    Value *Pos = B.CreateZExt(B.CreateICmpSGT(A, Zero), A->getType());
    Value *Neg = B.CreateZExt(B.CreateICmpSLT(A, Zero), A->getType());
    return {B.CreateSub(Pos, Neg)};
  }
  case Opcode::Add:
    return {B.CreateAdd(A, Bv)};
  case Opcode::Sub:
    return {B.CreateSub(A, Bv)};
  case Opcode::Mul:
    return {B.CreateMul(A, Bv)};
  case Opcode::Div:
  case Opcode::FloorDiv:
  case Opcode::Mod:
    return {emitIntDivision(I.Op, T, A, Bv)};
  case Opcode::Pow:
    return {Bits == 64 ? emitInt64Pow(A, Bv) : emitInt32Pow(A, Bv)};
  case Opcode::And:
    return {B.CreateAnd(A, Bv)};
  case Opcode::Or:
    return {B.CreateOr(A, Bv)};
  case Opcode::Xor:
    return {B.CreateXor(A, Bv)};
  case Opcode::Shl: {
    Value *InRange = B.CreateICmpULT(Bv, intConst(T, Bits));
    Value *Count = B.CreateSelect(InRange, Bv, Zero);
    return {B.CreateSelect(InRange, B.CreateShl(A, Count), Zero)};
  }
  case Opcode::Shr: {
    Value *InRange = B.CreateICmpULT(Bv, intConst(T, Bits));
    Value *Count = B.CreateSelect(InRange, Bv, intConst(T, Bits - 1));
    return {B.CreateAShr(A, Count)};
  }
  case Opcode::Maximum:
    return {intrinsic(Intrinsic::smax, {A, Bv})};
  case Opcode::Minimum:
    return {intrinsic(Intrinsic::smin, {A, Bv})};
  default:
    Failure = std::string("integer operation '") + ir::opcodeName(I.Op) +
              "' is not supported";
    return {UndefValue::get(A->getType())};
  }
}

/// a / b, a // b and a % b: x / 0 == 0 and x % 0 == 0 as in numexpr; the
/// divisor -1 is handled apart because INT_MIN / -1 traps on x86.
Value *KernelEmitter::emitIntDivision(Opcode Op, DType T, Value *A, Value *Bv) {
  Value *Zero = intConst(T, 0), *One = intConst(T, 1),
        *MinusOne = intConst(T, -1);
  Value *IsZero = B.CreateICmpEQ(Bv, Zero);
  Value *IsMinusOne = B.CreateICmpEQ(Bv, MinusOne);
  Value *Safe = B.CreateSelect(B.CreateOr(IsZero, IsMinusOne), One, Bv);
  if (T == DType::Int32) {
    // x86 has no vector integer division (sdiv becomes one idiv per lane,
    // slow to run and to compile). For int32 operands the double quotient
    // is exact enough: a non-integral a/b lies at least 1/|a| >= 2^-31
    // (relatively) from the nearest integer, far beyond double rounding,
    // so floor/trunc of the double quotient is the integer quotient.
    Type *DT = vecOf(B.getDoubleTy());
    Value *SafeD = B.CreateSIToFP(Safe, DT);
    auto Quotient = [&](Value *X, Intrinsic::ID Round) {
      Value *QD = B.CreateFDiv(B.CreateSIToFP(X, DT), SafeD);
      return B.CreateFPToSI(intrinsic(Round, {QD}), X->getType());
    };
    auto CRem = [&](Value *X) { // C's %, truncating
      return B.CreateSub(X, B.CreateMul(Quotient(X, Intrinsic::trunc), Safe));
    };
    Value *Result;
    if (Op == Opcode::Mod) // numexpr's ((a % b) + b) % b, wrapping
      Result =
          B.CreateSelect(IsMinusOne, Zero, CRem(B.CreateAdd(CRem(A), Safe)));
    else
      Result = B.CreateSelect(
          IsMinusOne, B.CreateNeg(A),
          Quotient(A, Op == Opcode::Div ? Intrinsic::trunc : Intrinsic::floor));
    return B.CreateSelect(IsZero, Zero, Result);
  }
  Value *Q = B.CreateSDiv(A, Safe);
  Value *R = B.CreateSRem(A, Safe);
  Value *Result;
  if (Op == Opcode::Div) {
    Result = B.CreateSelect(IsMinusOne, B.CreateNeg(A), Q);
  } else if (Op == Opcode::FloorDiv) {
    Value *SignsDiffer =
        B.CreateXor(B.CreateICmpSLT(A, Zero), B.CreateICmpSLT(Bv, Zero));
    Value *Adjust = B.CreateAnd(B.CreateICmpNE(R, Zero), SignsDiffer);
    Q = B.CreateSub(Q, B.CreateZExt(Adjust, Q->getType()));
    Result = B.CreateSelect(IsMinusOne, B.CreateNeg(A), Q);
  } else {
    // ((a % b) + b) % b
    Value *R2 = B.CreateSRem(B.CreateAdd(R, Safe), Safe);
    Result = B.CreateSelect(IsMinusOne, Zero, R2);
  }
  return B.CreateSelect(IsZero, Zero, Result);
}

/// numexpr's int64 a ** b: b < 0 ? 1 / a : llround(powl(a, b)) -- exact in
/// long double's 64-bit mantissa, LLONG_MIN when out of range. Binary
/// powering with overflow checks gives the same.
Value *KernelEmitter::emitInt64Pow(Value *A, Value *Bv) {
  DType T = DType::Int64;
  Value *Zero = intConst(T, 0), *One = intConst(T, 1),
        *MinusOne = intConst(T, -1);
  Type *BoolTy = vecOf(B.getInt1Ty());
  Value *False = Constant::getNullValue(BoolTy);
  Value *Acc = One, *P = A, *Ovf = False, *POvf = False;
  for (int Bit = 0; Bit < 6; ++Bit) {
    Value *Use = B.CreateICmpNE(
        B.CreateAnd(B.CreateLShr(Bv, intConst(T, Bit)), One), Zero);
    Value *M = B.CreateBinaryIntrinsic(Intrinsic::smul_with_overflow, Acc, P);
    Acc = B.CreateSelect(Use, B.CreateExtractValue(M, 0), Acc);
    Ovf = B.CreateOr(
        Ovf, B.CreateAnd(Use, B.CreateOr(B.CreateExtractValue(M, 1), POvf)));
    if (Bit < 5) {
      Value *Sq = B.CreateBinaryIntrinsic(Intrinsic::smul_with_overflow, P, P);
      P = B.CreateExtractValue(Sq, 0);
      POvf = B.CreateOr(POvf, B.CreateExtractValue(Sq, 1));
    }
  }
  // b >= 64: |a| >= 2 overflows; 0, 1 and -1 stay small.
  Value *BigB = B.CreateICmpSGE(Bv, intConst(T, 64));
  Value *Odd = B.CreateICmpNE(B.CreateAnd(Bv, One), Zero);
  Value *Small = B.CreateSelect(
      B.CreateICmpEQ(A, MinusOne), B.CreateSelect(Odd, MinusOne, One),
      B.CreateSelect(B.CreateICmpEQ(A, One), One, Zero));
  Value *Tiny = B.CreateICmpULE(B.CreateAdd(A, One), intConst(T, 2));
  Value *Pos = B.CreateSelect(Ovf, intConst(T, INT64_MIN), Acc);
  Pos = B.CreateSelect(
      BigB, B.CreateSelect(Tiny, Small, intConst(T, INT64_MIN)), Pos);
  return intPowOfNegative(T, A, Bv, Pos);
}

/// numexpr's int32 a ** b: b < 0 ? 1 / a : (int)pow((double)a, b).
/// Out-of-range conversions give INT_MIN like x86's cvttsd2si.
Value *KernelEmitter::emitInt32Pow(Value *A, Value *Bv) {
  DType T = DType::Int32;
  unsigned Bits = 32;
  Type *DT = vecOf(B.getDoubleTy());
  Value *P = intrinsic(Intrinsic::pow,
                       {B.CreateSIToFP(A, DT), B.CreateSIToFP(Bv, DT)});
  double Lim = std::ldexp(1.0, Bits - 1);
  Value *InRange = B.CreateAnd(B.CreateFCmpOGE(P, ConstantFP::get(DT, -Lim)),
                               B.CreateFCmpOLT(P, ConstantFP::get(DT, Lim)));
  Value *SafeP = B.CreateSelect(InRange, P, ConstantFP::get(DT, 0.0));
  Value *AsInt = B.CreateSelect(InRange, B.CreateFPToSI(SafeP, A->getType()),
                                intConst(T, INT32_MIN));
  return intPowOfNegative(T, A, Bv, AsInt);
}

/// Where b < 0, numexpr's integer a ** b is 1 / a (0 for a == 0, which
/// would trap); elsewhere NonNegative.
Value *KernelEmitter::intPowOfNegative(DType T, Value *A, Value *Bv,
                                       Value *NonNegative) {
  Value *Zero = intConst(T, 0), *One = intConst(T, 1);
  Value *AZero = B.CreateICmpEQ(A, Zero);
  Value *Recip = B.CreateSDiv(One, B.CreateSelect(AZero, One, A));
  Recip = B.CreateSelect(AZero, Zero, Recip);
  return B.CreateSelect(B.CreateICmpSLT(Bv, Zero), Recip, NonNegative);
}

} // namespace nejit::codegen
