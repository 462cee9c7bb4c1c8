//===- CodeGen/EmitArith.cpp - Per-instruction lowering -------------------===//
/// \file
/// Lowers each IR instruction: constants, casts, arithmetic, comparisons,
/// selections and predicates of real and boolean values, dispatching
/// integer, complex, string and math operations to their own lowering.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

Val KernelEmitter::emitCast(Val A, DType From, DType To) {
  if (From == To)
    return A;
  if (To == DType::Complex128) {
    Val R = emitCast(A, From, DType::Float64);
    return {R.V, Constant::getNullValue(R.V->getType())};
  }
  Type *T = vecType(To);
  if (From == DType::Bool) {
    return {isFloatType(To) ? B.CreateUIToFP(A.V, T) : B.CreateZExt(A.V, T)};
  }
  if (isIntType(From)) {
    if (isIntType(To))
      return {B.CreateSExtOrTrunc(A.V, T)};
    if (isFloatType(To))
      return {B.CreateSIToFP(A.V, T)};
    if (To == DType::Bool)
      return {B.CreateICmpNE(A.V, Constant::getNullValue(A.V->getType()))};
  }
  if (isFloatType(From)) {
    if (isFloatType(To))
      return {B.CreateFPCast(A.V, T)};
    if (isIntType(To))
      return {B.CreateFPToSI(A.V, T)};
    if (To == DType::Bool)
      return {B.CreateFCmpUNE(A.V, Constant::getNullValue(A.V->getType()))};
  }
  Failure = std::string("unsupported cast from ") + dtypeName(From) + " to " +
            dtypeName(To);
  return {UndefValue::get(T)};
}

Val KernelEmitter::emitInst(int Id) {
  const Inst &I = F.Insts[Id];
  if (Cache[Id].V)
    return Cache[Id]; // produced together with a partner (sincos)
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  auto OpType = [&](int K) { return F.Insts[I.Operands[K]].Type; };
  DType T = I.Type;

  switch (I.Op) {
  case Opcode::Input:
    return loadOperand(1 + I.InputIndex, T, I.ItemSize);
  case Opcode::Const: {
    const ir::Scalar &S = I.Value;
    switch (T) {
    case DType::Bool:
      return {splat(B.getInt1(S.B))};
    case DType::Int32:
    case DType::Int64:
      return {intConst(T, S.I)};
    case DType::Float32:
    case DType::Float64:
      return {constOf(T, S.F)};
    case DType::Complex128:
      return {constOf(T, S.C.real()), constOf(T, S.C.imag())};
    case DType::Bytes: {
      auto *G = B.CreateGlobalString(S.S, "str", 0, &M);
      return {G};
    }
    }
    break;
  }
  case Opcode::Cast:
    return emitCast(Arg(0), OpType(0), T);
  default:
    break;
  }

  // Operations on byte strings: scalar helper calls.
  if (!I.Operands.empty() && OpType(0) == DType::Bytes) {
    int64_t LA = F.Insts[I.Operands[0]].ItemSize;
    if (I.Op == Opcode::Copy)
      return Arg(0);
    int64_t LB = F.Insts[I.Operands[1]].ItemSize;
    Value *Args[] = {Arg(0).V, B.getInt64(LA), Arg(1).V, B.getInt64(LB)};
    if (I.Op == Opcode::Contains)
      return {
          B.CreateICmpNE(cCall("nejit_rt_bytes_contains", B.getInt32Ty(), Args),
                         B.getInt32(0))};
    Value *C = cCall("nejit_rt_bytes_compare", B.getInt32Ty(), Args);
    Value *Z = B.getInt32(0);
    switch (I.Op) {
    case Opcode::Eq:
      return {B.CreateICmpEQ(C, Z)};
    case Opcode::Ne:
      return {B.CreateICmpNE(C, Z)};
    case Opcode::Gt:
      return {B.CreateICmpSGT(C, Z)};
    case Opcode::Ge:
      return {B.CreateICmpSGE(C, Z)};
    default:
      Failure = std::string("'") + ir::opcodeName(I.Op) +
                "' is not supported on strings";
      return {B.getFalse()};
    }
  }

  // Complex operands (results of real/imag/predicates are real).
  if (!I.Operands.empty() && OpType(0) == DType::Complex128) {
    switch (I.Op) {
    case Opcode::Real:
      return {Arg(0).V};
    case Opcode::Imag:
      return {Arg(0).Im};
    case Opcode::Eq:
      return {B.CreateAnd(B.CreateFCmpOEQ(Arg(0).V, Arg(1).V),
                          B.CreateFCmpOEQ(Arg(0).Im, Arg(1).Im))};
    case Opcode::Ne:
      return {B.CreateOr(B.CreateFCmpUNE(Arg(0).V, Arg(1).V),
                         B.CreateFCmpUNE(Arg(0).Im, Arg(1).Im))};
    case Opcode::IsNan:
      return {B.CreateOr(B.CreateFCmpUNO(Arg(0).V, Arg(0).V),
                         B.CreateFCmpUNO(Arg(0).Im, Arg(0).Im))};
    case Opcode::IsFinite:
    case Opcode::IsInf: {
      Type *DT = Arg(0).V->getType();
      Value *Inf = ConstantFP::getInfinity(DT->getScalarType());
      Inf = VF == 1 ? Inf : B.CreateVectorSplat(VF, Inf);
      Value *AR = intrinsic(Intrinsic::fabs, {Arg(0).V});
      Value *AI = intrinsic(Intrinsic::fabs, {Arg(0).Im});
      if (I.Op == Opcode::IsFinite)
        return {
            B.CreateAnd(B.CreateFCmpOLT(AR, Inf), B.CreateFCmpOLT(AI, Inf))};
      return {B.CreateOr(B.CreateFCmpOEQ(AR, Inf), B.CreateFCmpOEQ(AI, Inf))};
    }
    default:
      return emitComplexOp(I);
    }
  }
  if (T == DType::Complex128) {
    if (I.Op == Opcode::Complex)
      return {Arg(0).V, Arg(1).V};
    if (I.Op == Opcode::Where)
      return emitComplexOp(I);
    if (I.Op == Opcode::OnesLike)
      return emitComplexOp(I);
    Failure = std::string("cannot produce complex from '") +
              ir::opcodeName(I.Op) + "'";
    return {UndefValue::get(vecType(T)), UndefValue::get(vecType(T))};
  }

  switch (I.Op) {
  case Opcode::Copy:
    return Arg(0);
  case Opcode::OnesLike:
    return {T == DType::Bool ? splat(B.getTrue()) : constOf(T, 1.0)};
  case Opcode::Where:
    return {B.CreateSelect(Arg(0).V, Arg(1).V, Arg(2).V)};
  case Opcode::Eq:
  case Opcode::Ne:
  case Opcode::Gt:
  case Opcode::Ge: {
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
  case Opcode::SignBit: {
    Value *X = Arg(0).V;
    unsigned Bits = X->getType()->getScalarSizeInBits();
    Value *AsInt = B.CreateBitCast(X, vecOf(B.getIntNTy(Bits)));
    return {B.CreateICmpSLT(AsInt, Constant::getNullValue(AsInt->getType()))};
  }
  default:
    break;
  }

  if (T == DType::Bool) {
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
      return {UndefValue::get(vecType(T))};
    }
  }

  if (isIntType(T)) {
    switch (I.Op) {
    case Opcode::Neg:
      return {B.CreateNeg(Arg(0).V)};
    case Opcode::Invert:
      return {B.CreateNot(Arg(0).V)};
    case Opcode::Abs: {
      Value *X = Arg(0).V;
      return {intrinsic(Intrinsic::abs, {X, B.getFalse()})};
    }
    case Opcode::Round:
    case Opcode::Conj:
      return Arg(0);
    case Opcode::Sign: {
      Value *X = Arg(0).V;
      Value *Zero = intConst(T, 0);
      Value *Pos = B.CreateZExt(B.CreateICmpSGT(X, Zero), X->getType());
      Value *Neg = B.CreateZExt(B.CreateICmpSLT(X, Zero), X->getType());
      return {B.CreateSub(Pos, Neg)};
    }
    default:
      return emitIntOp(I, Arg(0).V, I.Operands.size() > 1 ? Arg(1).V : nullptr);
    }
  }

  // Floating point.
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
    // numexpr: NaN if either is NaN, else fmax/fmin.
    Value *M = intrinsic(I.Op == Opcode::Maximum ? Intrinsic::maxnum
                                                 : Intrinsic::minnum,
                         {X, Y});
    Value *AnyNan = B.CreateFCmpUNO(X, Y);
    return {B.CreateSelect(AnyNan, constOf(T, NAN), M)};
  }
  case Opcode::Sin:
  case Opcode::Cos:
    return {emitSinCos(Id, I.Op == Opcode::Sin)};
  case Opcode::Sinh:
  case Opcode::Cosh:
    return {emitSinhCosh(I.Op == Opcode::Sinh, T, X)};
  case Opcode::Fmod:
  case Opcode::Log1p:
  case Opcode::Arcsinh:
  case Opcode::Arccosh:
    return {emitGuardedSleef(I.Op, T, X, Y)};
  case Opcode::Pow:
  case Opcode::Arctan2:
  case Opcode::Hypot:
  case Opcode::Nextafter:
    return {sleefCall(sleefBaseName(I.Op), T, {X, Y})};
  default: {
    StringRef Name = sleefBaseName(I.Op);
    if (!Name.empty())
      return {sleefCall(Name, T, {X})};
    Failure = std::string("floating operation '") + ir::opcodeName(I.Op) +
              "' is not supported";
    return {UndefValue::get(X->getType())};
  }
  }
}

} // namespace nejit::codegen
