//===- CodeGen/LoopPolicy.cpp - Vector width, streaming, prefetch ---------===//
/// \file
/// The decisions about the loop that depend on the whole kernel rather than
/// one operation: how many lanes the vector body has, whether the output is
/// written with streaming stores and to what alignment, and how far ahead
/// contiguous inputs are prefetched.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <algorithm>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

static unsigned elementBits(DType T) {
  switch (T) {
  case DType::Bool:
    return 8;
  case DType::Int32:
  case DType::Float32:
    return 32;
  default:
    return 64;
  }
}

unsigned vectorFactor(const ir::Function &F, unsigned VectorBits) {
  unsigned Widest = 8;
  for (const Inst &I : F.Insts) {
    if (I.Type == DType::Bytes)
      return 1;
    Widest = std::max(Widest, elementBits(I.Type));
    // int32 division computes through float64 quotients (see emitIntOp):
    // size the vectors for those, or each would span two registers.
    if (I.Type == DType::Int32 &&
        (I.Op == Opcode::Div || I.Op == Opcode::FloorDiv ||
         I.Op == Opcode::Mod))
      Widest = 64;
  }
  unsigned VF = VectorBits / Widest;
  return std::max(1u, std::min(VF, 64u));
}

bool benefitsFromStreaming(const ir::Function &F) {
  for (const Inst &I : F.Insts) {
    if (I.Type == DType::Bytes)
      return false;
    switch (I.Op) {
    case Opcode::Input:
    case Opcode::Const:
    case Opcode::Cast:
    case Opcode::Copy:
    case Opcode::OnesLike:
    case Opcode::Neg:
    case Opcode::Add:
    case Opcode::Sub:
    case Opcode::Mul:
    case Opcode::Div:
    case Opcode::FloorDiv:
    case Opcode::Mod:
    case Opcode::Invert:
    case Opcode::And:
    case Opcode::Or:
    case Opcode::Xor:
    case Opcode::Shl:
    case Opcode::Shr:
    case Opcode::Eq:
    case Opcode::Ne:
    case Opcode::Gt:
    case Opcode::Ge:
    case Opcode::Where:
    case Opcode::Abs:
    case Opcode::Conj:
    case Opcode::Real:
    case Opcode::Imag:
    case Opcode::Complex:
    case Opcode::Floor:
    case Opcode::Ceil:
    case Opcode::Trunc:
    case Opcode::Round:
    case Opcode::Sign:
    case Opcode::IsNan:
    case Opcode::IsFinite:
    case Opcode::IsInf:
    case Opcode::SignBit:
    case Opcode::Copysign:
    case Opcode::Maximum:
    case Opcode::Minimum:
    case Opcode::Clip:
      break;
    case Opcode::Sqrt: // an instruction for reals, a formula for complex
      if (I.Type == DType::Complex128)
        return false;
      break;
    default:
      return false;
    }
  }
  return true;
}

bool streamsOutput(Layout Out, bool Reduce, DType T, int64_t ElemBytes,
                   unsigned VF) {
  // Stores narrower than 32 bytes gain nothing from streaming and stay
  // plain.
  return !Reduce && Out == Layout::Streaming && VF > 1 && T != DType::Bytes &&
         (int64_t)VF * ElemBytes >= 32;
}

unsigned narrowOutputVF(const ir::Function &F, unsigned VF, Layout Out,
                        int64_t OutElemBytes) {
  constexpr int64_t MinStoreBytes = 16;
  if (VF < 2 || (Out != Layout::Contiguous && Out != Layout::Streaming) ||
      !benefitsFromStreaming(F))
    return VF;
  unsigned Wide = VF;
  while ((int64_t)Wide * OutElemBytes < MinStoreBytes && Wide < 4 * VF)
    Wide *= 2;
  return Wide;
}

int64_t streamingAlignment(int64_t ElemBytes, unsigned VF) {
  return std::min<int64_t>(64, (int64_t)VF * ElemBytes);
}

int64_t prefetchDistance(const ir::Function &F) {
  return benefitsFromStreaming(F) ? 0 : 1024;
}

} // namespace nejit::codegen
