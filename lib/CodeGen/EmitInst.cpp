//===- CodeGen/EmitInst.cpp - Route each instruction to its lowering ------===//
/// \file
/// Lowers one IR instruction by routing it on its operand and result types
/// (strings, complex, real: comparisons, bool, integer, floating point) to
/// the file that lowers that kind; the leaves (inputs, constants) and casts
/// are lowered here.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

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
  case Opcode::Const:
    return emitConst(I);
  case Opcode::Cast:
    return emitCast(Arg(0), OpType(0), T);
  default:
    break;
  }

  // Operations on byte strings: scalar helper calls.
  if (!I.Operands.empty() && OpType(0) == DType::Bytes)
    return emitBytesOp(I);
  // Complex operands (results of real/imag/predicates are real) or results.
  if ((!I.Operands.empty() && OpType(0) == DType::Complex128) ||
      T == DType::Complex128)
    return emitComplexInst(I);

  // Real values of any type.
  switch (I.Op) {
  case Opcode::Copy:
    return Arg(0);
  case Opcode::OnesLike:
    return {T == DType::Bool ? splat(B.getTrue()) : constOf(T, 1.0)};
  case Opcode::Where:
    return {B.CreateSelect(Arg(0).V, Arg(1).V, Arg(2).V)};
  case Opcode::Clip:
    return emitClip(I);
  case Opcode::Eq:
  case Opcode::Ne:
  case Opcode::Gt:
  case Opcode::Ge:
    return emitCompare(I);
  case Opcode::IsNan:
  case Opcode::IsFinite:
  case Opcode::IsInf:
  case Opcode::SignBit:
    return emitFloatClass(I);
  default:
    break;
  }

  if (T == DType::Bool)
    return emitBoolOp(I);
  if (isIntType(T))
    return emitIntOp(I, Arg(0).V, I.Operands.size() > 1 ? Arg(1).V : nullptr);
  return emitFloatOp(Id);
}

Val KernelEmitter::emitConst(const Inst &I) {
  const ir::Scalar &S = I.Value;
  DType T = I.Type;
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
  llvm_unreachable("every DType is a case");
}

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

} // namespace nejit::codegen
