//===- CodeGen/EmitStrings.cpp - Byte-string operations -------------------===//
/// \file
/// Operations on byte strings (numpy's S dtype): comparisons and contains()
/// through the runtime's scalar C helpers, with numpy's NUL-padding rules.
/// Kernels over strings run scalar (vectorFactor gives them one lane).
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

Val KernelEmitter::emitBytesOp(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  int64_t LA = F.Insts[I.Operands[0]].ItemSize;
  if (I.Op == Opcode::Copy)
    return Arg(0);
  int64_t LB = F.Insts[I.Operands[1]].ItemSize;
  Value *Args[] = {Arg(0).V, B.getInt64(LA), Arg(1).V, B.getInt64(LB)};
  if (I.Op == Opcode::Contains)
    return {B.CreateICmpNE(
        cCall("nejit_rt_bytes_contains", B.getInt32Ty(), Args), B.getInt32(0))};
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

} // namespace nejit::codegen
