//===- CodeGen/EmitVmlBlocks.cpp - Kernels that call VML on blocks --------===//
/// \file
/// A kernel with calls that VML serves becomes a loop over blocks of
/// BlockElems elements. VML computes a function over an array, so each
/// block runs in stages: the fused arithmetic up to the first calls is a
/// vector loop over the block that writes the calls' operands into block
/// buffers, the calls run on the buffers, the next stage's vector loop reads
/// their results (and recomputes whatever cheap values it needs from the
/// inputs), and so on until the last stage stores the result. The buffers
/// stay in L1/L2, so the kernel still makes one pass over memory; the
/// runtime splits the index range across threads exactly as for any kernel.
/// A call whose operand is a contiguous input reads the input in place, and
/// a call that is the whole result writes the output in place.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"
#include "CodeGen/VmlMath.h"

#include <algorithm>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

/// Elements per block: 8 KiB of float64 per buffer (16 KiB of complex), so
/// a stage's inputs, buffers and results stay in L1/L2.
static constexpr int64_t BlockElems = 1024;

bool vmlServes(const Inst &I, const CodeGenOptions &Opts) {
  if (Opts.Backend == MathBackend::Sleef ||
      Opts.Backend == MathBackend::Libm || !vmlFunction(I.Op, I.Type))
    return false;
  if (Opts.Backend == MathBackend::VML)
    return true;
  return vmlPreferred(I.Op, I.Type, Opts.Acc, Opts.IntelCpu);
}

bool usesVmlBlocks(const ir::Function &F, const CodeGenOptions &Opts) {
  // The passes of an execution plan (several outputs, reduction states)
  // are fused loops with Sleef: the block loop has one output.
  if (!F.Outputs.empty())
    return false;
  for (const Inst &I : F.Insts)
    if (vmlServes(I, Opts))
      return true;
  return false;
}

/// Which stage computes what, and where each call reads and writes.
struct VmlPlan {
  enum class Where : uint8_t { None, Buffer, Input, Output };
  struct Ptr {
    Where W = Where::None;
    unsigned Operand = 0; ///< kernel operand (Input, Output) or buffer
  };
  std::vector<bool> IsCall;
  std::vector<int> Level;     ///< stage from which the value is available
  std::vector<int> StoreAt;   ///< stage that stores it to its buffer, or -1
  std::vector<Ptr> ValueBuf;  ///< buffer holding a call operand
  std::vector<Ptr> ResultBuf; ///< where a call writes
  std::vector<int> Calls;     ///< call instructions, in order
  /// For a real sin whose operand also has a cos: that cos, computed by the
  /// same vm?SinCos call (the cos itself then makes no call); else -1.
  std::vector<int> CosOf;
  std::vector<bool> ByPartner; ///< a cos that its sin's SinCos computes
  std::vector<DType> BufferTypes;
  int Stages = 1;              ///< stages 0 .. Stages-1
  bool LastStageStores = true; ///< false: the result is a call's, in place
};

/// The stack slots of a full reduction's accumulators, one for the vector
/// loops and one for the scalar tails, carried across blocks (SROA turns
/// them into registers).
struct VmlReduction {
  AllocaInst *VecSlot = nullptr, *VecSlotIm = nullptr;
  AllocaInst *TailSlot = nullptr, *TailSlotIm = nullptr;
};

static VmlPlan planBlocks(const ir::Function &F, const KernelSpec &Spec,
                          const CodeGenOptions &Opts) {
  VmlPlan P;
  size_t N = F.Insts.size();
  unsigned NumOperands = 1 + (unsigned)F.Inputs.size();
  P.IsCall.assign(N, false);
  P.Level.assign(N, 0);
  P.StoreAt.assign(N, -1);
  P.ValueBuf.assign(N, {});
  P.ResultBuf.assign(N, {});
  auto NewBuffer = [&](DType T) {
    P.BufferTypes.push_back(T);
    return VmlPlan::Ptr{VmlPlan::Where::Buffer,
                        NumOperands + (unsigned)P.BufferTypes.size() - 1};
  };
  for (size_t Id = 0; Id < N; ++Id) {
    const Inst &I = F.Insts[Id];
    int L = 0;
    for (int O : I.Operands)
      L = std::max(L, P.Level[O]);
    P.IsCall[Id] = vmlServes(I, Opts);
    P.Level[Id] = P.IsCall[Id] ? L + 1 : L;
    if (!P.IsCall[Id])
      continue;
    P.Calls.push_back((int)Id);
    for (int O : I.Operands) {
      const Inst &Op = F.Insts[O];
      if (P.IsCall[O] || P.ValueBuf[O].W != VmlPlan::Where::None)
        ; // a call's result buffer, or already buffered for an earlier call
      else if (Op.Op == Opcode::Input &&
               Spec.Layouts[1 + Op.InputIndex] == Layout::Contiguous)
        P.ValueBuf[O] = {VmlPlan::Where::Input, 1u + Op.InputIndex};
      else
        P.ValueBuf[O] = NewBuffer(Op.Type);
      if (P.ValueBuf[O].W == VmlPlan::Where::Buffer)
        P.StoreAt[O] = P.StoreAt[O] < 0 ? L : std::min(P.StoreAt[O], L);
    }
  }
  const Inst &Res = F.result();
  Layout OutL = Spec.Layouts[0];
  bool InPlace = P.IsCall[F.Result] && !ir::isReduction(Res.Op) &&
                 (OutL == Layout::Contiguous || OutL == Layout::Streaming);
  for (int C : P.Calls)
    P.ResultBuf[C] = C == F.Result && InPlace
                         ? VmlPlan::Ptr{VmlPlan::Where::Output, 0}
                         : NewBuffer(F.Insts[C].Type);
  P.CosOf.assign(N, -1);
  P.ByPartner.assign(N, false);
  for (int S : P.Calls)
    for (int C : P.Calls)
      if (F.Insts[S].Op == Opcode::Sin && F.Insts[C].Op == Opcode::Cos &&
          F.Insts[S].Type != DType::Complex128 &&
          F.Insts[S].Type == F.Insts[C].Type &&
          F.Insts[S].Operands == F.Insts[C].Operands && P.CosOf[S] < 0 &&
          !P.ByPartner[C]) {
        P.CosOf[S] = C;
        P.ByPartner[C] = true;
      }
  P.Stages = P.Level[F.Result] + 1;
  P.LastStageStores = !InPlace;
  return P;
}

/// The instructions stage S evaluates: what its stores need, followed back
/// through the operands to the inputs and to the results of earlier calls
/// (read from their buffers).
static std::vector<bool> stageNeeds(const ir::Function &F, const VmlPlan &P,
                                    int S) {
  std::vector<bool> Need(F.Insts.size(), false);
  for (size_t Id = 0; Id < F.Insts.size(); ++Id)
    if (P.StoreAt[Id] == S)
      Need[Id] = true;
  if (S == P.Stages - 1 && P.LastStageStores)
    Need[F.Result] = true;
  for (size_t Id = F.Insts.size(); Id-- > 0;)
    if (Need[Id] && !P.IsCall[Id])
      for (int O : F.Insts[Id].Operands)
        Need[O] = true;
  return Need;
}

void KernelEmitter::storeToBuffer(unsigned K, Val V, DType T) {
  Value *P = address(K, T, 0, 0);
  if (VF == 1) {
    storeScalarAt(P, V, T, 0, 0);
    return;
  }
  Value *S = V.V;
  if (T == DType::Complex128) {
    SmallVector<int, 128> Interleave;
    for (unsigned I = 0; I < VF; ++I) {
      Interleave.push_back(I);
      Interleave.push_back(VF + I);
    }
    S = B.CreateShuffleVector(V.V, V.Im, Interleave);
  }
  B.CreateAlignedStore(S, P, Align(1));
}

void KernelEmitter::emitVmlStageBody(const VmlPlan &P, int S,
                                     const std::vector<bool> &Need,
                                     const ResultPlan &RP, AllocaInst *AccSlot,
                                     AllocaInst *AccSlotIm) {
  Cache.assign(F.Insts.size(), Val{});
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    if (!Need[Id])
      continue;
    const Inst &I = F.Insts[Id];
    if (P.IsCall[Id])
      Cache[Id] = loadOperand(P.ResultBuf[Id].Operand, I.Type, 0);
    else if (ir::isReduction(I.Op))
      Cache[Id] = get(I.Operands[0]);
    else
      Cache[Id] = emitInst((int)Id);
  }
  for (size_t Id = 0; Id < F.Insts.size(); ++Id)
    if (P.StoreAt[Id] == S)
      storeToBuffer(P.ValueBuf[Id].Operand, Cache[Id], F.Insts[Id].Type);
  if (S != P.Stages - 1 || !P.LastStageStores)
    return;
  if (!RP.Reduce) {
    storeResult(accumulated(RP), RP.Type, RP.ItemSize, RP.ItemSize);
    return;
  }
  Type *AT = vecOf(scalarType(RP.Type));
  Val Acc{B.CreateLoad(AT, AccSlot),
          AccSlotIm ? B.CreateLoad(AT, AccSlotIm) : nullptr};
  Val Next = combine(RP.Op, RP.Type, Acc, Cache[F.Result]);
  B.CreateStore(Next.V, AccSlot);
  if (AccSlotIm)
    B.CreateStore(Next.Im, AccSlotIm);
}

/// One pass of stage S over the block's [0, Len): a vector loop, then a
/// scalar tail (only the last block of a call has one: BlockElems is a
/// multiple of every vector width).
void KernelEmitter::emitVmlStage(const VmlPlan &P, int S, Value *Len,
                                 unsigned FullVF, const ResultPlan &RP,
                                 const VmlReduction &R) {
  std::vector<bool> Need = stageNeeds(F, P, S);
  Function *Fn = B.GetInsertBlock()->getParent();
  std::string Tag = "stage" + std::to_string(S);
  BasicBlock *Vec = BasicBlock::Create(Ctx, Tag + ".vector", Fn);
  BasicBlock *Mid = BasicBlock::Create(Ctx, Tag + ".mid", Fn);
  BasicBlock *Tail = BasicBlock::Create(Ctx, Tag + ".tail", Fn);
  BasicBlock *Done = BasicBlock::Create(Ctx, Tag + ".done", Fn);
  Value *VecEnd =
      B.CreateAnd(Len, B.getInt64(~(int64_t)(FullVF - 1)), Tag + ".vec.end");
  BasicBlock *Pre = B.GetInsertBlock();
  B.CreateCondBr(B.CreateICmpSLT(B.getInt64(0), VecEnd), Vec, Mid);

  B.SetInsertPoint(Vec);
  PHINode *J = B.CreatePHI(B.getInt64Ty(), 2, Tag + ".j");
  J->addIncoming(B.getInt64(0), Pre);
  Index = J;
  VF = FullVF;
  emitVmlStageBody(P, S, Need, RP, R.VecSlot, R.VecSlotIm);
  Value *JNext = B.CreateAdd(J, B.getInt64(FullVF), Tag + ".j.next");
  J->addIncoming(JNext, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpSLT(JNext, VecEnd), Vec, Mid);

  B.SetInsertPoint(Mid);
  B.CreateCondBr(B.CreateICmpSLT(VecEnd, Len), Tail, Done);

  B.SetInsertPoint(Tail);
  PHINode *T = B.CreatePHI(B.getInt64Ty(), 2, Tag + ".t");
  T->addIncoming(VecEnd, Mid);
  Index = T;
  VF = 1;
  emitVmlStageBody(P, S, Need, RP, R.TailSlot, R.TailSlotIm);
  Value *TNext = B.CreateAdd(T, B.getInt64(1), Tag + ".t.next");
  T->addIncoming(TNext, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpSLT(TNext, Len), Tail, Done);

  B.SetInsertPoint(Done);
  VF = FullVF;
}

/// vm?Name(i32 Len, operands..., result, i64 mode) on the block; a sin
/// with a cos partner is vm?SinCos(Len, x, sin, cos, mode).
void KernelEmitter::emitVmlCall(const VmlPlan &P, int Id, Value *Len32) {
  const Inst &I = F.Insts[Id];
  int Cos = P.CosOf[Id];
  std::string Name = *vmlFunction(I.Op, I.Type) + (Cos >= 0 ? "Cos" : "");
  SmallVector<Value *, 5> Args{Len32};
  for (int O : I.Operands)
    Args.push_back(P.IsCall[O] ? Base[P.ResultBuf[O].Operand]
                               : Base[P.ValueBuf[O].Operand]);
  Args.push_back(Base[P.ResultBuf[Id].Operand]);
  if (Cos >= 0)
    Args.push_back(Base[P.ResultBuf[Cos].Operand]);
  Args.push_back(B.getInt64(vmlMode(Opts.Acc)));
  SmallVector<Type *, 5> Params;
  for (Value *A : Args)
    Params.push_back(A->getType());
  B.CreateCall(declare(Name, B.getVoidTy(), Params), Args);
}

/// The block buffers become contiguous operands after the real ones, on
/// the stack; a full reduction gets its accumulator slots.
VmlReduction KernelEmitter::allocateVmlBuffers(const VmlPlan &P,
                                               const ResultPlan &RP,
                                               unsigned FullVF) {
  for (size_t K = 0; K < P.BufferTypes.size(); ++K) {
    int64_t Elem = dtypeSize(P.BufferTypes[K]);
    auto *AT = ArrayType::get(B.getInt8Ty(), BlockElems * Elem);
    AllocaInst *Buf = B.CreateAlloca(AT, nullptr, "buf" + std::to_string(K));
    Buf->setAlignment(Align(64));
    Base.push_back(Buf);
    Stride.push_back(B.getInt64(Elem));
  }
  VmlReduction R;
  if (!RP.Reduce)
    return R;
  auto Slot = [&](Value *V) {
    AllocaInst *A = B.CreateAlloca(V->getType());
    B.CreateStore(V, A);
    return A;
  };
  for (unsigned W : {FullVF, 1u}) {
    VF = W;
    Val Init = reductionIdentity(RP.Op, RP.Type);
    bool IsVec = W == FullVF;
    (IsVec ? R.VecSlot : R.TailSlot) = Slot(Init.V);
    if (Init.Im)
      (IsVec ? R.VecSlotIm : R.TailSlotIm) = Slot(Init.Im);
  }
  // A scalar-only kernel (FullVF 1) runs its "vector" loop one lane wide:
  // both slots are scalars then, and the fold below skips horizontal().
  return R;
}

/// After the last block: as the one-loop kernel, the lanes folded, then
/// combined with what the output held, then with the scalar tails' part.
void KernelEmitter::finishVmlReduction(const ResultPlan &RP,
                                       const VmlReduction &R, Value *Out,
                                       unsigned FullVF) {
  VF = FullVF;
  Type *AT = vecOf(scalarType(RP.Type));
  Val Vec{B.CreateLoad(AT, R.VecSlot),
          R.VecSlotIm ? B.CreateLoad(AT, R.VecSlotIm) : nullptr};
  Val H = FullVF > 1 ? horizontal(RP.Op, RP.Type, Vec) : Vec;
  VF = 1;
  Type *ST = scalarType(RP.Type);
  Val Tail{B.CreateLoad(ST, R.TailSlot),
           R.TailSlotIm ? B.CreateLoad(ST, R.TailSlotIm) : nullptr};
  Val Prev = loadScalarAt(Out, RP.Type);
  Val Sum = combine(RP.Op, RP.Type, combine(RP.Op, RP.Type, Prev, H), Tail);
  storeScalarAt(Out, Sum, RP.Type, 0, 0);
}

Expected<Function *> KernelEmitter::emitVmlBlocks(const std::string &Name,
                                                  unsigned NumOperands,
                                                  const VmlPlan &P) {
  Type *I64 = B.getInt64Ty();
  Function *Fn = createKernel(Name);
  BasicBlock *Entry = B.GetInsertBlock();
  Value *N = Fn->getArg(0);
  if (llvm::Error E = loadOperandTable(Fn, P.BufferTypes.size()))
    return E;
  ResultPlan RP = planResult();
  unsigned FullVF = vectorFactor(F, Opts.VectorBits);
  VmlReduction R = allocateVmlBuffers(P, RP, FullVF);

  std::vector<Value *> Whole(Base.begin(), Base.begin() + NumOperands);
  BasicBlock *Head = BasicBlock::Create(Ctx, "block.head", Fn);
  // Placed after the stages once they are emitted, so that the printed IR
  // reads in execution order.
  BasicBlock *Exit = BasicBlock::Create(Ctx, "block.exit");
  B.CreateCondBr(B.CreateICmpSGT(N, B.getInt64(0)), Head, Exit);

  B.SetInsertPoint(Head);
  PHINode *Start = B.CreatePHI(I64, 2, "block.start");
  Start->addIncoming(B.getInt64(0), Entry);
  Value *Left = B.CreateSub(N, Start);
  Value *Len = B.CreateSelect(B.CreateICmpSLT(Left, B.getInt64(BlockElems)),
                              Left, B.getInt64(BlockElems), "block.len");
  // Within a block every index runs from 0: move the operands there.
  for (unsigned K = 0; K < NumOperands; ++K) {
    if (Spec.Layouts[K] == Layout::Broadcast)
      continue;
    bool Out = K == 0;
    DType T = Out ? RP.Type : F.Inputs[K - 1].Type;
    int64_t Size = memSize(T, Out ? RP.ItemSize : F.Inputs[K - 1].ItemSize);
    Value *Step =
        Spec.Layouts[K] == Layout::Strided ? Stride[K] : B.getInt64(Size);
    Base[K] = B.CreateGEP(B.getInt8Ty(), Whole[K], B.CreateMul(Start, Step),
                          "block.base" + std::to_string(K));
  }
  // VML counts in MKL_INT, 32 bits in the LP64 interface libmkl_rt serves
  // by default; a block is far smaller.
  Value *Len32 = B.CreateTrunc(Len, B.getInt32Ty(), "block.len32");
  for (int S = 0; S < P.Stages; ++S) {
    bool Any = S == P.Stages - 1 && P.LastStageStores;
    for (size_t Id = 0; Id < F.Insts.size() && !Any; ++Id)
      Any = P.StoreAt[Id] == S;
    if (Any)
      emitVmlStage(P, S, Len, FullVF, RP, R);
    for (int C : P.Calls)
      if (P.Level[C] == S + 1 && !P.ByPartner[C])
        emitVmlCall(P, C, Len32);
  }
  Value *Next = B.CreateAdd(Start, B.getInt64(BlockElems), "block.next");
  Start->addIncoming(Next, B.GetInsertBlock());
  B.CreateCondBr(B.CreateICmpSLT(Next, N), Head, Exit);

  Exit->insertInto(Fn);
  B.SetInsertPoint(Exit);
  if (RP.Reduce)
    finishVmlReduction(RP, R, Whole[0], FullVF);
  B.CreateRetVoid();
  if (!Failure.empty())
    return makeError(ErrorKind::NotImplemented, Failure);
  return Fn;
}

Expected<Function *> emitVmlKernel(const ir::Function &F,
                                   const KernelSpec &Spec,
                                   const CodeGenOptions &Opts, LLVMContext &Ctx,
                                   Module &M, const std::string &Name) {
  unsigned NumOperands = 1 + (unsigned)F.Inputs.size();
  if (Spec.Layouts.size() != NumOperands)
    return makeError(ErrorKind::Runtime, "kernel layout does not match the "
                                         "signature");
  VmlPlan P = planBlocks(F, Spec, Opts);
  // The buffers are contiguous operands after the real ones. A streaming
  // output is written with plain stores: the block loop has no peel, and
  // the runtime only streams kernels without calls anyway.
  KernelSpec Ext = Spec;
  if (Ext.Layouts[0] == Layout::Streaming)
    Ext.Layouts[0] = Layout::Contiguous;
  Ext.Layouts.resize(NumOperands + P.BufferTypes.size(), Layout::Contiguous);
  KernelEmitter E(F, Ext, Opts, Ctx, M);
  return E.emitVmlBlocks(Name, NumOperands, P);
}

} // namespace nejit::codegen
