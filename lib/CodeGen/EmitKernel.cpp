//===- CodeGen/EmitKernel.cpp - One fused SIMD loop per kernel ------------===//
/// \file
/// The kernel entry and its loop skeleton: the kernel function, then one
/// fused loop over the index range -- an optional scalar peel that aligns a
/// streaming output, the vector body, the scalar tail -- carrying the
/// reduction accumulators through them.
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

Function *KernelEmitter::createKernel(const std::string &Name) {
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
  return Fn;
}

KernelEmitter::LoopEnd
KernelEmitter::emitLoop(BasicBlock *Body, BasicBlock *Exit, Value *Start,
                        Value *End, const Twine &IVName,
                        const std::vector<OutputPlan> &Outs, const State *Init,
                        const Twine &AccName) {
  BasicBlock *Pre = B.GetInsertBlock();
  B.SetInsertPoint(Body);
  PHINode *IV = B.CreatePHI(B.getInt64Ty(), 2, IVName);
  IV->addIncoming(Start, Pre);
  Index = IV;
  std::vector<PHINode *> Phis;
  State Acc;
  if (Init) {
    for (size_t K = 0; K < Init->size(); ++K) {
      const Val &I = (*Init)[K];
      std::string Name = K ? (AccName + "." + Twine(K)).str() : AccName.str();
      PHINode *Re = B.CreatePHI(I.V->getType(), 2, Name);
      Re->addIncoming(I.V, Pre);
      PHINode *Im = nullptr;
      if (I.Im) {
        Im = B.CreatePHI(I.Im->getType(), 2, Name + ".im");
        Im->addIncoming(I.Im, Pre);
      }
      Phis.push_back(Re);
      Phis.push_back(Im);
      Acc.push_back({Re, Im});
    }
  }
  emitBody();
  updateOutputs(Outs, Acc);
  Value *Next = B.CreateAdd(IV, B.getInt64(VF), IVName + ".next");
  BasicBlock *Latch = B.GetInsertBlock();
  IV->addIncoming(Next, Latch);
  for (size_t K = 0; K < Acc.size(); ++K) {
    Phis[2 * K]->addIncoming(Acc[K].V, Latch);
    if (Phis[2 * K + 1])
      Phis[2 * K + 1]->addIncoming(Acc[K].Im, Latch);
  }
  B.CreateCondBr(B.CreateICmpSLT(Next, End), Body, Exit);
  if (!Init)
    Acc.clear();
  return {Acc, Latch};
}

Value *KernelEmitter::emitUnrolledSum(Function *Fn, BasicBlock *Before,
                                      Value *Start, Value *N,
                                      const std::vector<OutputPlan> &Outs,
                                      State &Acc) {
  const OutputPlan &P = Outs[0];
  int64_t Step = (int64_t)SumUnroll * VF;
  Value *End = B.CreateAdd(
      Start, B.CreateAnd(B.CreateSub(N, Start), B.getInt64(~(Step - 1))),
      "unroll.end");
  BasicBlock *Pre = B.GetInsertBlock();
  BasicBlock *Body = BasicBlock::Create(Ctx, "unrolled.body", Fn, Before);
  BasicBlock *Exit = BasicBlock::Create(Ctx, "unrolled.exit", Fn, Before);
  B.CreateCondBr(B.CreateICmpSLT(Start, End), Body, Exit);
  B.SetInsertPoint(Body);
  PHINode *IV = B.CreatePHI(B.getInt64Ty(), 2, "u");
  IV->addIncoming(Start, Pre);
  State Cur;
  for (size_t K = 0; K < Acc.size(); ++K)
    Cur.push_back(phiPair(Acc[K], Pre, Acc[K], Pre, K ? "uacc.1" : "uacc"));
  Val Sum;
  for (unsigned U = 0; U < SumUnroll; ++U) {
    Index = U ? B.CreateAdd(IV, B.getInt64((int64_t)U * VF)) : (Value *)IV;
    emitBody();
    Sum = U ? combine(Opcode::Sum, P.Type, Sum, Cache[P.Inst]) : Cache[P.Inst];
  }
  State Next = stateUpdate(P, Cur, Sum, /*LaneCount=*/true);
  Value *NextIV = B.CreateAdd(IV, B.getInt64(Step), "u.next");
  BasicBlock *Latch = B.GetInsertBlock();
  IV->addIncoming(NextIV, Latch);
  // phiPair gave each phi two incoming values from Pre: make the second
  // the latch's.
  for (size_t K = 0; K < Cur.size(); ++K) {
    cast<PHINode>(Cur[K].V)->setIncomingBlock(1, Latch);
    cast<PHINode>(Cur[K].V)->setIncomingValue(1, Next[K].V);
    if (Cur[K].Im) {
      cast<PHINode>(Cur[K].Im)->setIncomingBlock(1, Latch);
      cast<PHINode>(Cur[K].Im)->setIncomingValue(1, Next[K].Im);
    }
  }
  B.CreateCondBr(B.CreateICmpSLT(NextIV, End), Body, Exit);
  B.SetInsertPoint(Exit);
  State Out;
  for (size_t K = 0; K < Acc.size(); ++K)
    Out.push_back(phiPair(Acc[K], Pre, Next[K], Latch,
                          K ? "uacc.exit.1" : "uacc.exit"));
  Acc = std::move(Out);
  return End;
}

Value *KernelEmitter::emitAlignmentPeel(BasicBlock *Before,
                                        const std::vector<OutputPlan> &Outs,
                                        int64_t AlignBytes, int64_t OutElem) {
  Function *Fn = B.GetInsertBlock()->getParent();
  Value *N = Fn->getArg(0);
  Value *Misalign =
      B.CreateAnd(B.CreatePtrToInt(Base[0], B.getInt64Ty()), AlignBytes - 1);
  Value *PeelBytes = B.CreateAnd(B.CreateSub(B.getInt64(AlignBytes), Misalign),
                                 AlignBytes - 1);
  Value *Peel = B.CreateUDiv(PeelBytes, B.getInt64(OutElem));
  Peel = B.CreateSelect(B.CreateICmpSLT(Peel, N), Peel, N, "peel");
  BasicBlock *PeelBody = BasicBlock::Create(Ctx, "peel.body", Fn, Before);
  BasicBlock *PeelExit = BasicBlock::Create(Ctx, "peel.exit", Fn, Before);
  B.CreateCondBr(B.CreateICmpSGT(Peel, B.getInt64(0)), PeelBody, PeelExit);
  VF = 1;
  emitLoop(PeelBody, PeelExit, B.getInt64(0), Peel, "p", Outs, nullptr, "");
  B.SetInsertPoint(PeelExit);
  return Peel;
}

Expected<Function *> KernelEmitter::emit(const std::string &Name) {
  Function *Fn = createKernel(Name);
  if (llvm::Error E = loadOperandTable(Fn))
    return E;
  emitFusedLoop(Fn, planOutputs());
  B.CreateRetVoid();

  if (!Failure.empty())
    return makeError(ErrorKind::NotImplemented, Failure);
  return Fn;
}

void KernelEmitter::emitFusedLoop(Function *Fn,
                                  const std::vector<OutputPlan> &Outs) {
  Value *N = Fn->getArg(0);
  unsigned FullVF = vectorFactor(F, Opts.VectorBits);
  bool Folds = false;
  for (const OutputPlan &P : Outs)
    Folds |= P.M == OutputPlan::Fold;

  BasicBlock *VecBody = BasicBlock::Create(Ctx, "vector.body", Fn);
  BasicBlock *VecExit = BasicBlock::Create(Ctx, "vector.exit", Fn);
  BasicBlock *Tail = BasicBlock::Create(Ctx, "tail.body", Fn);
  BasicBlock *Exit = BasicBlock::Create(Ctx, "exit", Fn);

  // A streaming output first runs scalar iterations [0, Peel) until its
  // address is aligned for the vector body's non-temporal stores (the
  // runtime guarantees it is element-aligned).
  const OutputPlan &Out0 = Outs[0];
  int64_t OutElem = memSize(Out0.Type, Out0.ItemSize);
  if (!Folds && Outs.size() == 1)
    FullVF = narrowOutputVF(F, FullVF, Spec.Layouts[0], OutElem);
  bool Streaming = streamsOutput(Spec.Layouts[0], Out0.M == OutputPlan::Fold,
                                 Out0.Type, OutElem, FullVF);
  Value *VecStart = B.getInt64(0);
  if (Streaming) {
    int64_t AlignBytes = streamingAlignment(OutElem, FullVF);
    VecStart = emitAlignmentPeel(VecBody, Outs, AlignBytes, OutElem);
    StoreAlign = AlignBytes;
  }
  VF = FullVF;
  State Init = Folds ? foldIdentity(Outs) : State{};
  if (Folds && Outs.size() == 1 && Outs[0].ValueSlot && FullVF > 1) {
    VecStart = emitUnrolledSum(Fn, VecBody, VecStart, N, Outs, Init);
  }
  BasicBlock *PreVector = B.GetInsertBlock();

  // Vector part: [VecStart, VecEnd).
  Value *VecEnd =
      FullVF > 1 ? B.CreateAdd(VecStart,
                               B.CreateAnd(B.CreateSub(N, VecStart),
                                           B.getInt64(~(int64_t)(FullVF - 1))),
                               "vec.end")
                 : (Value *)B.getInt64(0);
  B.CreateCondBr(B.CreateICmpSLT(VecStart, VecEnd), VecBody, VecExit);
  VF = FullVF;
  PrefetchBytes = prefetchDistance(F);
  LoopEnd Vec = emitLoop(VecBody, VecExit, VecStart, VecEnd, "i", Outs,
                         Folds ? &Init : nullptr, "acc");
  PrefetchBytes = 0;

  // Between the loops: fold the vector accumulators into the scalar ones.
  B.SetInsertPoint(VecExit);
  State ScalarStart;
  if (Folds) {
    State Joined;
    for (size_t K = 0; K < Init.size(); ++K)
      Joined.push_back(phiPair(Init[K], PreVector, Vec.Acc[K], Vec.Latch,
                               K ? "acc.vec." + Twine(K) : "acc.vec"));
    ScalarStart = foldLanes(Outs, Joined);
  }
  VF = 1;
  B.CreateCondBr(B.CreateICmpSLT(VecEnd, N), Tail, Exit);
  BasicBlock *TailPre = B.GetInsertBlock();

  // Scalar tail: [VecEnd, N).
  LoopEnd TailEnd = emitLoop(Tail, Exit, VecEnd, N, "j", Outs,
                             Folds ? &ScalarStart : nullptr, "tacc");

  B.SetInsertPoint(Exit);
  if (Folds) {
    State Final;
    for (size_t K = 0; K < ScalarStart.size(); ++K)
      Final.push_back(phiPair(ScalarStart[K], TailPre, TailEnd.Acc[K],
                              TailEnd.Latch,
                              K ? "acc.final." + Twine(K) : "acc.final"));
    storeFolded(Outs, Final);
  }
  // Non-temporal stores are weakly ordered: fence them before the caller
  // (or another thread, after the runtime's barrier) reads the output.
  if (Streaming)
    B.CreateIntrinsic(Intrinsic::x86_sse_sfence, {}, {});
}

Expected<std::unique_ptr<Module>> emitKernel(const ir::Function &F,
                                             const KernelSpec &Spec,
                                             const CodeGenOptions &Opts,
                                             LLVMContext &Ctx,
                                             const std::string &Name) {
  auto M = std::make_unique<Module>("nejit." + Name, Ctx);
  // With calls that VML serves the kernel is a loop over blocks.
  Expected<Function *> Fn =
      usesVmlBlocks(F, Opts) ? emitVmlKernel(F, Spec, Opts, Ctx, *M, Name)
                             : KernelEmitter(F, Spec, Opts, Ctx, *M).emit(Name);
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
