//===- CodeGen/OperandLayout.cpp - Loads and stores per operand layout ----===//
/// \file
/// How operands are read and the output written, per layout: the operand
/// table (base pointers, strides, broadcast inputs hoisted before the
/// loops), then at the current index contiguous (one vector load or store;
/// complex deinterleaved), broadcast (splatted), strided (one scalar access
/// per lane) and streaming (aligned non-temporal stores, prefetching); plus
/// the layout codes of cache keys.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include <algorithm>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

char layoutCode(Layout L) {
  switch (L) {
  case Layout::Contiguous:
    return 'c';
  case Layout::Broadcast:
    return 'b';
  case Layout::Strided:
    return 's';
  case Layout::Streaming:
    return 'n';
  }
  return '?';
}

std::string KernelSpec::key() const {
  std::string K;
  for (Layout L : Layouts)
    K += layoutCode(L);
  return K;
}

llvm::Error KernelEmitter::loadOperandTable(Function *Fn, size_t Buffers) {
  Type *I64 = B.getInt64Ty(), *Ptr = B.getPtrTy();
  Value *PtrsArg = Fn->getArg(1), *StridesArg = Fn->getArg(2);
  unsigned NumOperands = numOperands(F);
  if (Spec.Layouts.size() != NumOperands + Buffers)
    return makeError(ErrorKind::Runtime, "kernel layout does not match the "
                                         "signature");
  for (unsigned K = 0; K < NumOperands; ++K) {
    Base.push_back(B.CreateLoad(Ptr, B.CreateConstGEP1_64(Ptr, PtrsArg, K),
                                "base" + std::to_string(K)));
    Stride.push_back(B.CreateLoad(I64, B.CreateConstGEP1_64(I64, StridesArg, K),
                                  "stride" + std::to_string(K)));
  }
  // Broadcast inputs are read once, before any loop.
  Hoisted.assign(NumOperands, Val{});
  VF = 1;
  for (const Inst &I : F.Insts)
    if (I.Op == Opcode::Input &&
        Spec.Layouts[1 + I.InputIndex] == Layout::Broadcast)
      Hoisted[1 + I.InputIndex] = loadScalarAt(Base[1 + I.InputIndex], I.Type);
  return llvm::Error::success();
}

Value *KernelEmitter::address(unsigned K, DType T, int64_t ItemSize,
                              unsigned Lane) {
  Value *I = Lane ? B.CreateAdd(Index, B.getInt64(Lane)) : Index;
  Value *Off;
  if (Spec.Layouts[K] == Layout::Contiguous ||
      Spec.Layouts[K] == Layout::Streaming)
    Off = B.CreateMul(I, B.getInt64(memSize(T, ItemSize)));
  else
    Off = B.CreateMul(I, Stride[K]);
  return B.CreateGEP(B.getInt8Ty(), Base[K], Off);
}

Val KernelEmitter::loadScalarAt(Value *Ptr, DType T) {
  if (T == DType::Bytes)
    return {Ptr, nullptr};
  if (T == DType::Complex128) {
    Value *Re = B.CreateAlignedLoad(B.getDoubleTy(), Ptr, Align(1));
    Value *ImP = B.CreateGEP(B.getInt8Ty(), Ptr, B.getInt64(8));
    Value *Im = B.CreateAlignedLoad(B.getDoubleTy(), ImP, Align(1));
    return {Re, Im};
  }
  Value *V = B.CreateAlignedLoad(memType(T), Ptr, Align(1));
  if (T == DType::Bool)
    V = B.CreateICmpNE(V, B.getInt8(0));
  return {V, nullptr};
}

Val KernelEmitter::loadOperand(unsigned K, DType T, int64_t ItemSize) {
  Layout L = Spec.Layouts[K];
  if (L == Layout::Broadcast) {
    const Val &H = Hoisted[K];
    return {splat(H.V), H.Im ? splat(H.Im) : nullptr};
  }
  if (VF == 1)
    return loadScalarAt(address(K, T, ItemSize, 0), T);
  if (L == Layout::Contiguous) {
    Value *P = address(K, T, ItemSize, 0);
    if (PrefetchBytes > 0) {
      // Ask for the data a few iterations ahead: with an out-of-line
      // Sleef call per iteration the out-of-order window cannot reach
      // far enough to hide DRAM latency by itself. A prefetch past the
      // end of the array is harmless (it never faults).
      Value *Ahead = B.CreateGEP(B.getInt8Ty(), P, B.getInt64(PrefetchBytes));
      B.CreateIntrinsic(Intrinsic::prefetch, {B.getPtrTy()},
                        {Ahead, B.getInt32(0), B.getInt32(3), B.getInt32(1)});
    }
    if (T == DType::Complex128) {
      auto *Wide = FixedVectorType::get(B.getDoubleTy(), 2 * VF);
      Value *All = B.CreateAlignedLoad(Wide, P, Align(1));
      SmallVector<int, 64> Even, Odd;
      for (unsigned I = 0; I < VF; ++I) {
        Even.push_back(2 * I);
        Odd.push_back(2 * I + 1);
      }
      return {B.CreateShuffleVector(All, Even),
              B.CreateShuffleVector(All, Odd)};
    }
    Value *V = B.CreateAlignedLoad(vecOf(memType(T)), P, Align(1));
    if (T == DType::Bool)
      V = B.CreateICmpNE(V, Constant::getNullValue(V->getType()));
    return {V, nullptr};
  }
  // Strided: one scalar load per lane.
  Value *Re = PoisonValue::get(vecType(T));
  Value *Im = T == DType::Complex128 ? PoisonValue::get(vecType(T)) : nullptr;
  for (unsigned Lane = 0; Lane < VF; ++Lane) {
    Val S = loadScalarAt(address(K, T, ItemSize, Lane), T);
    Re = B.CreateInsertElement(Re, S.V, Lane);
    if (Im)
      Im = B.CreateInsertElement(Im, S.Im, Lane);
  }
  return {Re, Im};
}

void KernelEmitter::storeScalarAt(Value *Ptr, Val V, DType T, int64_t ItemSize,
                                  int64_t SrcItemSize) {
  if (T == DType::Bytes) {
    int64_t N = std::min(ItemSize, SrcItemSize);
    if (N > 0)
      B.CreateMemCpy(Ptr, MaybeAlign(1), V.V, MaybeAlign(1), N);
    if (ItemSize > N)
      B.CreateMemSet(B.CreateGEP(B.getInt8Ty(), Ptr, B.getInt64(N)),
                     B.getInt8(0), ItemSize - N, MaybeAlign(1));
    return;
  }
  if (T == DType::Complex128) {
    B.CreateAlignedStore(V.V, Ptr, Align(1));
    B.CreateAlignedStore(V.Im, B.CreateGEP(B.getInt8Ty(), Ptr, B.getInt64(8)),
                         Align(1));
    return;
  }
  Value *S = V.V;
  if (T == DType::Bool)
    S = B.CreateZExt(S, memType(T));
  B.CreateAlignedStore(S, Ptr, Align(1));
}

void KernelEmitter::storeResult(Val V, DType T, int64_t ItemSize,
                                int64_t SrcItemSize) {
  storeOperand(0, V, T, ItemSize, SrcItemSize);
}

void KernelEmitter::storeOperand(unsigned K, Val V, DType T, int64_t ItemSize,
                                 int64_t SrcItemSize) {
  if (VF == 1) {
    storeScalarAt(address(K, T, ItemSize, 0), V, T, ItemSize, SrcItemSize);
    return;
  }
  if (Spec.Layouts[K] == Layout::Contiguous ||
      Spec.Layouts[K] == Layout::Streaming) {
    Value *P = address(K, T, ItemSize, 0);
    Value *S = V.V;
    if (T == DType::Complex128) {
      SmallVector<int, 128> Interleave;
      for (unsigned I = 0; I < VF; ++I) {
        Interleave.push_back(I);
        Interleave.push_back(VF + I);
      }
      S = B.CreateShuffleVector(V.V, V.Im, Interleave);
    } else if (T == DType::Bool) {
      S = B.CreateZExt(S, vecOf(memType(T)));
    }
    // Only output 0 streams (the peel aligns it alone).
    int64_t Alignment = K == 0 ? StoreAlign : 1;
    StoreInst *St = B.CreateAlignedStore(S, P, Align(Alignment));
    if (Alignment > 1)
      St->setMetadata(LLVMContext::MD_nontemporal,
                      MDNode::get(Ctx, ConstantAsMetadata::get(B.getInt32(1))));
    return;
  }
  for (unsigned Lane = 0; Lane < VF; ++Lane) {
    Val S{B.CreateExtractElement(V.V, Lane),
          V.Im ? B.CreateExtractElement(V.Im, Lane) : nullptr};
    storeScalarAt(address(K, T, ItemSize, Lane), S, T, ItemSize, SrcItemSize);
  }
}

} // namespace nejit::codegen
