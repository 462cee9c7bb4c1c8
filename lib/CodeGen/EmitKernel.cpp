//===- CodeGen/EmitKernel.cpp - One fused SIMD loop per kernel ------------===//
/// \file
/// The kernel entry and its loop skeleton: the operand table, an optional
/// scalar peel that aligns a streaming output, the vector body, the scalar
/// tail, and the reduction accumulators carried through them.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

void KernelEmitter::emitBody() {
  Cache.assign(F.Insts.size(), Val{});
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    const Inst &I = F.Insts[Id];
    if (ir::isReduction(I.Op))
      Cache[Id] = get(I.Operands[0]);
    else
      Cache[Id] = emitInst((int)Id);
  }
}

Expected<Function *> KernelEmitter::emit(const std::string &Name) {
  Type *I64 = B.getInt64Ty(), *Ptr = B.getPtrTy();
  auto *FT = FunctionType::get(B.getVoidTy(), {I64, Ptr, Ptr}, false);
  Function *Fn = Function::Create(FT, Function::ExternalLinkage, Name, M);
  Fn->setDoesNotThrow();
  Fn->addFnAttr("min-legal-vector-width", std::to_string(Opts.VectorBits));
  Fn->addFnAttr("prefer-vector-width", std::to_string(Opts.VectorBits));
  Value *N = Fn->getArg(0), *PtrsArg = Fn->getArg(1),
        *StridesArg = Fn->getArg(2);
  N->setName("n");
  PtrsArg->setName("ptrs");
  StridesArg->setName("strides");

  BasicBlock *Entry = BasicBlock::Create(Ctx, "entry", Fn);
  B.SetInsertPoint(Entry);
  unsigned NumOperands = 1 + (unsigned)F.Inputs.size();
  if (Spec.Layouts.size() != NumOperands)
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

  const Inst &Res = F.result();
  // A reduction whose output is broadcast along the loop folds every index
  // into one accumulator element (*ptrs[0], read and written); with any
  // other output layout it accumulates elementwise, out[i] = op(out[i],
  // x[i]), which the runtime uses when the reduced axis is not the
  // innermost one in memory.
  bool Accumulate =
      ir::isReduction(Res.Op) && Spec.Layouts[0] != Layout::Broadcast;
  bool Reduce = ir::isReduction(Res.Op) && !Accumulate;
  DType RT = Res.Type;
  int64_t SrcItemSize = Res.ItemSize;
  int64_t OutItemSize = Res.ItemSize;
  unsigned FullVF = vectorFactor(F, Opts.VectorBits);

  BasicBlock *VecBody = BasicBlock::Create(Ctx, "vector.body", Fn);
  BasicBlock *VecExit = BasicBlock::Create(Ctx, "vector.exit", Fn);
  BasicBlock *Tail = BasicBlock::Create(Ctx, "tail.body", Fn);
  BasicBlock *Exit = BasicBlock::Create(Ctx, "exit", Fn);

  // A streaming output first runs scalar iterations [0, Peel) until its
  // address is aligned for the vector body's non-temporal stores (the
  // runtime guarantees it is element-aligned). Stores narrower than 32
  // bytes gain nothing from streaming and stay plain.
  int64_t OutElem = memSize(RT, OutItemSize);
  bool Streaming = !Reduce && Spec.Layouts[0] == Layout::Streaming &&
                   FullVF > 1 && RT != DType::Bytes &&
                   (int64_t)FullVF * OutElem >= 32;
  Value *VecStart = B.getInt64(0);
  BasicBlock *PreVector = Entry;
  if (Streaming) {
    int64_t AlignBytes = std::min<int64_t>(64, (int64_t)FullVF * OutElem);
    Value *Misalign =
        B.CreateAnd(B.CreatePtrToInt(Base[0], I64), AlignBytes - 1);
    Value *PeelBytes = B.CreateAnd(
        B.CreateSub(B.getInt64(AlignBytes), Misalign), AlignBytes - 1);
    Value *Peel = B.CreateUDiv(PeelBytes, B.getInt64(OutElem));
    Peel = B.CreateSelect(B.CreateICmpSLT(Peel, N), Peel, N, "peel");
    BasicBlock *PeelBody = BasicBlock::Create(Ctx, "peel.body", Fn, VecBody);
    BasicBlock *PeelExit = BasicBlock::Create(Ctx, "peel.exit", Fn, VecBody);
    B.CreateCondBr(B.CreateICmpSGT(Peel, B.getInt64(0)), PeelBody, PeelExit);
    B.SetInsertPoint(PeelBody);
    VF = 1;
    PHINode *P = B.CreatePHI(I64, 2, "p");
    P->addIncoming(B.getInt64(0), Entry);
    Index = P;
    emitBody();
    storeResult(accumulated(Accumulate, Res.Op, RT, OutItemSize), RT,
                OutItemSize, SrcItemSize);
    Value *PNext = B.CreateAdd(P, B.getInt64(1), "p.next");
    P->addIncoming(PNext, B.GetInsertBlock());
    B.CreateCondBr(B.CreateICmpSLT(PNext, Peel), PeelBody, PeelExit);
    B.SetInsertPoint(PeelExit);
    VecStart = Peel;
    PreVector = PeelExit;
    StoreAlign = AlignBytes;
  }

  // Vector part: [VecStart, VecEnd).
  Value *VecEnd =
      FullVF > 1 ? B.CreateAdd(VecStart,
                               B.CreateAnd(B.CreateSub(N, VecStart),
                                           B.getInt64(~(int64_t)(FullVF - 1))),
                               "vec.end")
                 : (Value *)B.getInt64(0);
  B.CreateCondBr(B.CreateICmpSLT(VecStart, VecEnd), VecBody, VecExit);

  VF = FullVF;
  if (!benefitsFromStreaming(F))
    PrefetchBytes = 1024;
  B.SetInsertPoint(VecBody);
  PHINode *IV = B.CreatePHI(I64, 2, "i");
  IV->addIncoming(VecStart, PreVector);
  Index = IV;
  PHINode *AccPhi = nullptr, *AccPhiIm = nullptr;
  Val Init;
  if (Reduce) {
    Init = reductionIdentity(Res.Op, RT);
    AccPhi = B.CreatePHI(Init.V->getType(), 2, "acc");
    AccPhi->addIncoming(Init.V, Entry);
    if (Init.Im) {
      AccPhiIm = B.CreatePHI(Init.Im->getType(), 2, "acc.im");
      AccPhiIm->addIncoming(Init.Im, Entry);
    }
  }
  emitBody();
  Val VecAcc;
  if (Reduce) {
    VecAcc = combine(Res.Op, RT, {AccPhi, AccPhiIm}, Cache[F.Result]);
  } else {
    storeResult(accumulated(Accumulate, Res.Op, RT, OutItemSize), RT,
                OutItemSize, SrcItemSize);
  }
  Value *Next = B.CreateAdd(IV, B.getInt64(FullVF), "i.next");
  BasicBlock *VecLatch = B.GetInsertBlock();
  IV->addIncoming(Next, VecLatch);
  if (Reduce) {
    AccPhi->addIncoming(VecAcc.V, VecLatch);
    if (AccPhiIm)
      AccPhiIm->addIncoming(VecAcc.Im, VecLatch);
  }
  B.CreateCondBr(B.CreateICmpSLT(Next, VecEnd), VecBody, VecExit);
  PrefetchBytes = 0;

  // Between the loops: fold the vector accumulator into the scalar one.
  B.SetInsertPoint(VecExit);
  Val ScalarStart;
  if (Reduce) {
    PHINode *Acc = B.CreatePHI(Init.V->getType(), 2, "acc.vec");
    Acc->addIncoming(Init.V, Entry);
    Acc->addIncoming(VecAcc.V, VecLatch);
    PHINode *AccIm = nullptr;
    if (Init.Im) {
      AccIm = B.CreatePHI(Init.Im->getType(), 2, "acc.vec.im");
      AccIm->addIncoming(Init.Im, Entry);
      AccIm->addIncoming(VecAcc.Im, VecLatch);
    }
    Val H = FullVF > 1 ? horizontal(Res.Op, RT, {Acc, AccIm}) : Val{Acc, AccIm};
    VF = 1;
    Val Prev = loadScalarAt(Base[0], RT);
    ScalarStart = combine(Res.Op, RT, Prev, H);
  }
  VF = 1;
  B.CreateCondBr(B.CreateICmpSLT(VecEnd, N), Tail, Exit);
  BasicBlock *TailPre = B.GetInsertBlock();

  // Scalar tail: [VecEnd, N).
  B.SetInsertPoint(Tail);
  PHINode *J = B.CreatePHI(I64, 2, "j");
  J->addIncoming(VecEnd, TailPre);
  Index = J;
  PHINode *TAcc = nullptr, *TAccIm = nullptr;
  if (Reduce) {
    TAcc = B.CreatePHI(ScalarStart.V->getType(), 2, "tacc");
    TAcc->addIncoming(ScalarStart.V, TailPre);
    if (ScalarStart.Im) {
      TAccIm = B.CreatePHI(ScalarStart.Im->getType(), 2, "tacc.im");
      TAccIm->addIncoming(ScalarStart.Im, TailPre);
    }
  }
  emitBody();
  Val TailAcc;
  if (Reduce)
    TailAcc = combine(Res.Op, RT, {TAcc, TAccIm}, Cache[F.Result]);
  else
    storeResult(accumulated(Accumulate, Res.Op, RT, OutItemSize), RT,
                OutItemSize, SrcItemSize);
  Value *JNext = B.CreateAdd(J, B.getInt64(1), "j.next");
  BasicBlock *TailLatch = B.GetInsertBlock();
  J->addIncoming(JNext, TailLatch);
  if (Reduce) {
    TAcc->addIncoming(TailAcc.V, TailLatch);
    if (TAccIm)
      TAccIm->addIncoming(TailAcc.Im, TailLatch);
  }
  B.CreateCondBr(B.CreateICmpSLT(JNext, N), Tail, Exit);

  B.SetInsertPoint(Exit);
  if (Reduce) {
    PHINode *Final = B.CreatePHI(ScalarStart.V->getType(), 2, "acc.final");
    Final->addIncoming(ScalarStart.V, TailPre);
    Final->addIncoming(TailAcc.V, TailLatch);
    PHINode *FinalIm = nullptr;
    if (ScalarStart.Im) {
      FinalIm = B.CreatePHI(ScalarStart.Im->getType(), 2, "acc.final.im");
      FinalIm->addIncoming(ScalarStart.Im, TailPre);
      FinalIm->addIncoming(TailAcc.Im, TailLatch);
    }
    storeScalarAt(Base[0], {Final, FinalIm}, RT, 0, 0);
  }
  // Non-temporal stores are weakly ordered: fence them before the caller
  // (or another thread, after the runtime's barrier) reads the output.
  if (Streaming)
    B.CreateIntrinsic(Intrinsic::x86_sse_sfence, {}, {});
  B.CreateRetVoid();

  if (!Failure.empty())
    return makeError(ErrorKind::NotImplemented, Failure);
  return Fn;
}

Expected<std::unique_ptr<Module>> emitKernel(const ir::Function &F,
                                             const KernelSpec &Spec,
                                             const CodeGenOptions &Opts,
                                             LLVMContext &Ctx,
                                             const std::string &Name) {
  auto M = std::make_unique<Module>("nejit." + Name, Ctx);
  KernelEmitter E(F, Spec, Opts, Ctx, *M);
  auto Fn = E.emit(Name);
  if (!Fn)
    return Fn.takeError();
  std::string Problems;
  raw_string_ostream OS(Problems);
  if (verifyModule(*M, &OS))
    return makeError(ErrorKind::Runtime,
                     "internal error: generated LLVM IR is invalid: " +
                         OS.str());
  return M;
}

} // namespace nejit::codegen
