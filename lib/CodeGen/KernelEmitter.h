//===- CodeGen/KernelEmitter.h - The emitter shared by CodeGen --*- C++ -*-===//
/// \file
/// Private to lib/CodeGen: the emitter class whose member functions the
/// Emit*.cpp, OperandLayout.cpp and EmitKernel.cpp files define (each
/// section below names its file), Val, a value in registers, and the loop
/// policy. Every operation is written once for any lane count: VF > 1 gives
/// vector instructions, VF == 1 the scalar tail.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_KERNELEMITTER_H
#define NEJIT_CODEGEN_KERNELEMITTER_H

#include "CodeGen/CodeGen.h"
#include "CodeGen/ComplexMath.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/Module.h"

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace nejit::codegen {

/// A value in registers: complex numbers as two real parts, byte strings as
/// a pointer to the element.
struct Val {
  llvm::Value *V = nullptr;
  llvm::Value *Im = nullptr;
};

inline bool isIntType(DType T) {
  return T == DType::Int32 || T == DType::Int64;
}
inline bool isFloatType(DType T) {
  return T == DType::Float32 || T == DType::Float64;
}

//===--- loop policy (LoopPolicy.cpp) -----------------------------------===//
/// Whether the vector body writes the output with non-temporal stores
/// after a peel that aligns it: a Layout::Streaming output of a kernel that
/// is not a reduction, in vectors of at least 32 bytes.
bool streamsOutput(Layout Out, bool Reduce, DType T, int64_t ElemBytes,
                   unsigned VF);
/// The lane count of the vector body for a kernel whose output is narrower
/// than its operands (a comparison of float64 values into bools): VF (the
/// widest type's lanes) times what makes one output store at least 16
/// bytes, at most 4 times VF, for contiguous outputs of kernels without
/// calls. At VF alone, `a*b > c` on AVX2 stores 4 bytes per iteration and
/// measured 5-10% slower than numba's loop, which the loop vectorizer
/// interleaves; the wider body is the same per-lane code, so results
/// do not change.
unsigned narrowOutputVF(const ir::Function &F, unsigned VF, Layout Out,
                        int64_t OutElemBytes);
/// The alignment the peel gives a streaming output: one vector of VF
/// elements, at most a cache line.
int64_t streamingAlignment(int64_t ElemBytes, unsigned VF);
/// How many bytes ahead of the vector body contiguous inputs are
/// prefetched (0: not at all). Kernels with out-of-line calls get 1 KiB:
/// the out-of-order window cannot reach far enough past a call to hide
/// DRAM latency. Memory-bound ones are left to the hardware prefetcher.
int64_t prefetchDistance(const ir::Function &F);

struct VmlPlan;
struct VmlReduction;

/// Whether VML computes instruction I under Opts (Backend VML: every
/// function VML covers; Auto: the ones vmlPreferred gives it).
bool vmlServes(const ir::Inst &I, const CodeGenOptions &Opts);
/// Whether F has a call VML serves: then it is emitted as a block loop.
bool usesVmlBlocks(const ir::Function &F, const CodeGenOptions &Opts);
/// The block-loop kernel for F (EmitVmlBlocks.cpp).
llvm::Expected<llvm::Function *>
emitVmlKernel(const ir::Function &F, const KernelSpec &Spec,
              const CodeGenOptions &Opts, llvm::LLVMContext &Ctx,
              llvm::Module &M, const std::string &Name);

/// Emits one kernel: the operand table, the loops (EmitKernel.cpp) and each
/// instruction's lowering in them (EmitInst.cpp and the Emit*.cpp files it
/// routes to).
class KernelEmitter : public RealMath {
public:
  KernelEmitter(const ir::Function &F, const KernelSpec &Spec,
                const CodeGenOptions &Opts, llvm::LLVMContext &Ctx,
                llvm::Module &M)
      : F(F), Spec(Spec), Opts(Opts), Ctx(Ctx), M(M), B(Ctx) {}

  llvm::Expected<llvm::Function *> emit(const std::string &Name);
  /// The kernel as a loop over blocks whose calls VML serves
  /// (EmitVmlBlocks.cpp); Spec holds P's buffers after the NumOperands
  /// real operands.
  llvm::Expected<llvm::Function *> emitVmlBlocks(const std::string &Name,
                                                 unsigned NumOperands,
                                                 const VmlPlan &P);

private:
  using Value = llvm::Value;
  using Type = llvm::Type;
  using Opcode = ir::Opcode;
  using Inst = ir::Inst;

  const ir::Function &F;
  const KernelSpec &Spec;
  const CodeGenOptions &Opts;
  llvm::LLVMContext &Ctx;
  llvm::Module &M;
  llvm::IRBuilder<> B;

  std::vector<Value *> Base, Stride; ///< per operand (0 = out)
  std::vector<Val> Hoisted;          ///< broadcast inputs, loaded once
  std::vector<Val> Cache;            ///< per instruction, current body
  unsigned VF = 1;
  Value *Index = nullptr;
  /// Alignment of the vector body's output stores: 1 (plain unaligned
  /// stores) unless the output streams, then the peel's target alignment.
  int64_t StoreAlign = 1;
  /// How far ahead of the vector body contiguous inputs are prefetched
  /// (0: not at all; memory-bound kernels are left to the hardware).
  int64_t PrefetchBytes = 0;
  std::string Failure;

  //===--- types ---------------------------------------------------------===//
  Type *scalarType(DType T) {
    switch (T) {
    case DType::Bool:
      return B.getInt1Ty();
    case DType::Int32:
      return B.getInt32Ty();
    case DType::Int64:
      return B.getInt64Ty();
    case DType::Float32:
      return B.getFloatTy();
    case DType::Float64:
    case DType::Complex128:
      return B.getDoubleTy();
    case DType::Bytes:
      return B.getPtrTy();
    }
    return nullptr;
  }
  Type *memType(DType T) {
    return T == DType::Bool ? B.getInt8Ty() : scalarType(T);
  }
  Type *vecOf(Type *T) {
    return VF == 1 ? T : (Type *)llvm::FixedVectorType::get(T, VF);
  }
  Type *vecType(DType T) { return vecOf(scalarType(T)); }
  int64_t memSize(DType T, int64_t ItemSize) {
    return T == DType::Bytes ? ItemSize : dtypeSize(T);
  }

  Value *splat(Value *S) { return VF == 1 ? S : B.CreateVectorSplat(VF, S); }
  Value *constOf(DType T, double V) {
    Type *S = scalarType(T);
    llvm::Constant *C = S->isFloatingPointTy()
                            ? llvm::ConstantFP::get(S, V)
                            : llvm::ConstantInt::get(S, (int64_t)V, true);
    return VF == 1 ? (Value *)C
                   : llvm::ConstantVector::getSplat(
                         llvm::ElementCount::getFixed(VF), C);
  }
  Value *intConst(DType T, int64_t V) {
    llvm::Constant *C = llvm::ConstantInt::get(scalarType(T), V, true);
    return VF == 1 ? (Value *)C
                   : llvm::ConstantVector::getSplat(
                         llvm::ElementCount::getFixed(VF), C);
  }

  //===--- loop skeleton (EmitKernel.cpp) --------------------------------===//
  /// What the loops do with the result instruction's value.
  struct ResultPlan {
    Opcode Op = Opcode::Input;
    DType Type = DType::Float64;
    int64_t ItemSize = 0;
    bool Reduce = false;     ///< fold every index into the element *ptrs[0]
    bool Accumulate = false; ///< out[i] = op(out[i], result[i])
  };
  /// What the loops do with one output of the kernel: store its value at
  /// every index, fold every index into an accumulator held in registers
  /// (its operands broadcast: one state element, read and written at the
  /// end), or accumulate elementwise into a state array along the loop.
  struct OutputPlan {
    int Inst = -1;             ///< the instruction whose value it takes
    Opcode Op = Opcode::Input; ///< its reduction, or Input for a value
    DType Type = DType::Float64; ///< the value's (a reduction's operand's)
    int64_t ItemSize = 0;
    enum Mode : uint8_t { Store, Fold, Accumulate } M = Store;
    /// Plain: one accumulator combined with combine() (numexpr's
    /// reductions, any/all, integer sums); Compensated: Neumaier's
    /// (sum, compensation); Welford: (count, mean, M2).
    enum Algorithm : uint8_t { Plain, Compensated, Welford } A = Plain;
    std::vector<unsigned> Operands; ///< kernel operand per state component
    std::vector<DType> Components;
    unsigned First = 0; ///< Fold: its first entry in the loops' state
    /// A Compensated fold whose memory is one value (the one-kernel ABI's
    /// accumulator): read as (value, 0), written as value + compensation.
    bool ValueSlot = false;
  };
  using State = std::vector<Val>;
  /// Where a loop left its fold accumulators (empty unless it folds).
  struct LoopEnd {
    State Acc;
    llvm::BasicBlock *Latch = nullptr;
  };

  /// The kernel function with its ABI, the builder in its entry block.
  llvm::Function *createKernel(const std::string &Name);
  /// The loops over [0, n) after the operand table: peel, vector body and
  /// scalar tail, every instruction fused into each; ends in the block
  /// that returns.
  void emitFusedLoop(llvm::Function *Fn, const std::vector<OutputPlan> &Outs);
  /// A loop over [Start, End) in steps of VF into Body, entered from the
  /// current block (whose branch the caller emits) and left to Exit:
  /// induction variable IVName, the body, then every output stored or
  /// accumulated, and with Init the fold outputs combined into accumulators
  /// named AccName.
  LoopEnd emitLoop(llvm::BasicBlock *Body, llvm::BasicBlock *Exit, Value *Start,
                   Value *End, const llvm::Twine &IVName,
                   const std::vector<OutputPlan> &Outs, const State *Init,
                   const llvm::Twine &AccName);
  /// The scalar iterations [0, Peel) that align a streaming output to
  /// AlignBytes, in blocks before Before; returns Peel.
  Value *emitAlignmentPeel(llvm::BasicBlock *Before,
                           const std::vector<OutputPlan> &Outs,
                           int64_t AlignBytes, int64_t OutElem);
  /// A one-kernel float sum's unrolled part [Start, End), End = Start plus
  /// (N - Start) rounded down to SumUnroll * VF: SumUnroll vectors added
  /// plainly, then one compensated step into the lanes' state Acc (the
  /// identity on entry, the state after the loop on return). Returns End,
  /// the builder left in the block after the loop.
  Value *emitUnrolledSum(llvm::Function *Fn, llvm::BasicBlock *Before,
                         Value *Start, Value *N,
                         const std::vector<OutputPlan> &Outs, State &Acc);
  /// Every instruction of F once, at VF lanes, into Cache.
  void emitBody();

  //===--- operands (OperandLayout.cpp) ----------------------------------===//
  /// Base pointers and strides of every operand, broadcast inputs hoisted.
  /// Buffers: layouts past the operands' (the VML block loop's buffers,
  /// which it adds itself).
  llvm::Error loadOperandTable(llvm::Function *Fn, size_t Buffers = 0);
  /// Address of lane L of operand K at the current index.
  Value *address(unsigned K, DType T, int64_t ItemSize, unsigned Lane);
  Val loadScalarAt(Value *Ptr, DType T);
  Val loadOperand(unsigned K, DType T, int64_t ItemSize);
  void storeScalarAt(Value *Ptr, Val V, DType T, int64_t ItemSize,
                     int64_t SrcItemSize);
  void storeResult(Val V, DType T, int64_t ItemSize, int64_t SrcItemSize);
  /// Stores V into operand K at the current index (its layout's way).
  void storeOperand(unsigned K, Val V, DType T, int64_t ItemSize,
                    int64_t SrcItemSize);

  //===--- operations (EmitInst.cpp routes them) -------------------------===//
  Val get(int Id) { return Cache[Id]; }
  /// Instruction Id's value in the current body.
  Val emitInst(int Id);
  Val emitConst(const Inst &I);
  Val emitCast(Val A, DType From, DType To);
  // EmitArith.cpp
  Val emitCompare(const Inst &I);
  Val emitFloatClass(const Inst &I);
  Val emitBoolOp(const Inst &I);
  Val emitFloatOp(int Id);
  /// numpy's clip: minimum(maximum(x, lo), hi), NaN if any operand is.
  Val emitClip(const Inst &I);
  // EmitInteger.cpp
  Val emitIntOp(const Inst &I, Value *A, Value *Bv);
  Value *emitIntDivision(Opcode Op, DType T, Value *A, Value *Bv);
  Value *emitInt64Pow(Value *A, Value *Bv);
  Value *emitInt32Pow(Value *A, Value *Bv);
  Value *intPowOfNegative(DType T, Value *A, Value *Bv, Value *NonNegative);
  // EmitStrings.cpp
  Val emitBytesOp(const Inst &I);
  // EmitComplex.cpp
  Val emitComplexInst(const Inst &I);
  Val emitComplexOp(const Inst &I);
  Val emitComplexHelper(llvm::StringRef Name, llvm::ArrayRef<Val> Args);
  // EmitLibm.cpp
  /// MathBackend::Libm: instruction I of X (and Y) as the C library's
  /// scalar function, per lane.
  Value *emitLibmCall(const Inst &I, Value *X, Value *Y);
  /// MathBackend::Libm: complex instruction I as numexpr's formula, per
  /// lane; nullopt for operations that are not libm-based functions.
  std::optional<Val> emitLibmComplex(const Inst &I);

  //===--- math and calls (EmitMath.cpp) ---------------------------------===//
  /// The transcendental function instruction Id of X (and Y).
  Value *emitMathCall(int Id, Value *X, Value *Y);
  Value *emitSinCos(int Id, bool WantSin);
  std::optional<std::pair<Value *, Value *>> sinCosCall(Value *X, DType T);
  Value *emitSinhCosh(bool Sinh, DType T, Value *X);
  Value *emitGuardedSleef(Opcode Op, DType T, Value *X, Value *Y);
  Value *fixLanes(Value *Cond, Value *R, llvm::StringRef Name,
                  llvm::function_ref<Value *()> Fix);
  /// Calls the Sleef function for Op at the current width.
  Value *sleefCall(llvm::StringRef Op, DType T, llvm::ArrayRef<Value *> Args);
  /// A call to a scalar C function of this process (libm or our helpers).
  Value *cCall(llvm::StringRef Name, Type *Ret, llvm::ArrayRef<Value *> Args);
  llvm::FunctionCallee declare(llvm::StringRef Name, Type *Ret,
                               llvm::ArrayRef<Type *> Params);
  /// Applies a scalar function lane by lane (for operations without a
  /// vector implementation).
  Value *perLane(llvm::ArrayRef<Value *> Args,
                 llvm::function_ref<Value *(llvm::ArrayRef<Value *>)> Scalar);
  Value *intrinsic(llvm::Intrinsic::ID ID, llvm::ArrayRef<Value *> Args) {
    return B.CreateIntrinsic(ID, {Args[0]->getType()}, Args);
  }
  // RealMath, for ComplexMath's formulas.
  Value *call(llvm::StringRef Op, llvm::ArrayRef<Value *> Args) override;
  std::pair<Value *, Value *> sinCos(Value *X) override;

  //===--- outputs and their accumulators (EmitStates.cpp) ---------------===//
  /// Every output of F: the result (the original ABI) or F.Outputs.
  std::vector<OutputPlan> planOutputs() const;
  /// The fold outputs' accumulators at their identity, at VF lanes.
  State foldIdentity(const std::vector<OutputPlan> &Outs);
  /// One index of every output: stored, folded into S, or accumulated.
  void updateOutputs(const std::vector<OutputPlan> &Outs, State &S);
  /// After the vector loop: every fold accumulator's lanes folded to one
  /// and combined with the state its operands hold. Leaves VF at 1.
  State foldLanes(const std::vector<OutputPlan> &Outs, const State &Vec);
  /// At the exit: the fold accumulators stored into their operands.
  void storeFolded(const std::vector<OutputPlan> &Outs, const State &S);
  std::vector<Val> stateIdentity(const OutputPlan &P);
  std::vector<Val> stateUpdate(const OutputPlan &P, std::vector<Val> S, Val X,
                               bool LaneCount);
  std::vector<Val> stateCombine(const OutputPlan &P, std::vector<Val> A,
                                std::vector<Val> Bv);
  /// Neumaier's step: (S, C) + X.
  std::pair<Value *, Value *> compensatedAdd(Value *S, Value *C, Value *X);
  /// Knuth's TwoSum step: (S, C) + X, branch-free.
  std::pair<Value *, Value *> twoSumAdd(Value *S, Value *C, Value *X);
  /// A compensated sum's value: S + C while S is finite, else S.
  Val compensatedValue(Val S, Val C);
  /// Chan's combination of two (count, mean, M2) states (scalars).
  std::vector<Val> chanCombine(const std::vector<Val> &A,
                               const std::vector<Val> &Bv, bool Complex);

  //===--- VML block loops (EmitVmlBlocks.cpp) ---------------------------===//
  VmlReduction allocateVmlBuffers(const VmlPlan &P, const ResultPlan &RP,
                                  unsigned FullVF);
  /// Stage S of the current block: its vector loop and scalar tail.
  void emitVmlStage(const VmlPlan &P, int S, Value *Len, unsigned FullVF,
                    const ResultPlan &RP, const VmlReduction &R);
  /// One iteration of stage S at VF lanes: the values it Needs, the call
  /// operands it stores, and in the last stage the result (or the
  /// accumulator in AccSlot).
  void emitVmlStageBody(const VmlPlan &P, int S, const std::vector<bool> &Need,
                        const ResultPlan &RP, llvm::AllocaInst *AccSlot,
                        llvm::AllocaInst *AccSlotIm);
  void storeToBuffer(unsigned K, Val V, DType T);
  void emitVmlCall(const VmlPlan &P, int Id, Value *Len32);
  void finishVmlReduction(const ResultPlan &RP, const VmlReduction &R,
                          Value *Out, unsigned FullVF);

  //===--- reductions (EmitReduction.cpp) --------------------------------===//
  ResultPlan planResult() const;
  /// The value to store for the result: the result itself, or combined
  /// with what the output holds when accumulating elementwise.
  Val accumulated(const ResultPlan &R);
  Val reductionIdentity(Opcode Op, DType T);
  Val combine(Opcode Op, DType T, Val A, Val Bv);
  Val horizontal(Opcode Op, DType T, Val V);
  /// PHIs joining X (from FromX) and Y (from FromY), both parts.
  Val phiPair(Val X, llvm::BasicBlock *FromX, Val Y, llvm::BasicBlock *FromY,
              const llvm::Twine &Name);
};

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_KERNELEMITTER_H
