//===- CodeGen/EmitKernel.cpp - One fused SIMD loop per kernel ------------===//
/// \file
/// The loop skeleton (vector body, scalar tail, reduction accumulators) and
/// the per-operation emission. Every operation is written once for any lane
/// count: VF > 1 gives vector instructions, VF == 1 the scalar tail.
/// numexpr's C semantics are reproduced where LLVM's differ (integer
/// division by zero is 0, shifts past the width, pow's int conversion).
//===----------------------------------------------------------------------===//
#include "CodeGen/CodeGen.h"
#include "CodeGen/ComplexMath.h"

#include "llvm/IR/IRBuilder.h"
#include "llvm/IR/Intrinsics.h"
#include "llvm/IR/IntrinsicsX86.h"
#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

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

namespace {

/// A value in registers: complex numbers as two real parts, byte strings as
/// a pointer to the element.
struct Val {
  Value *V = nullptr;
  Value *Im = nullptr;
};

bool isIntType(DType T) { return T == DType::Int32 || T == DType::Int64; }
bool isFloatType(DType T) { return T == DType::Float32 || T == DType::Float64; }

class KernelEmitter : public RealMath {
public:
  KernelEmitter(const ir::Function &F, const KernelSpec &Spec,
                const CodeGenOptions &Opts, LLVMContext &Ctx, Module &M)
      : F(F), Spec(Spec), Opts(Opts), Ctx(Ctx), M(M), B(Ctx) {}

  Expected<Function *> emit(const std::string &Name);

private:
  const ir::Function &F;
  const KernelSpec &Spec;
  const CodeGenOptions &Opts;
  LLVMContext &Ctx;
  Module &M;
  IRBuilder<> B;

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
    return VF == 1 ? T : (Type *)FixedVectorType::get(T, VF);
  }
  Type *vecType(DType T) { return vecOf(scalarType(T)); }
  int64_t memSize(DType T, int64_t ItemSize) {
    return T == DType::Bytes ? ItemSize : dtypeSize(T);
  }

  Value *splat(Value *S) { return VF == 1 ? S : B.CreateVectorSplat(VF, S); }
  Value *constOf(DType T, double V) {
    Type *S = scalarType(T);
    Constant *C = S->isFloatingPointTy()
                      ? ConstantFP::get(S, V)
                      : ConstantInt::get(S, (int64_t)V, true);
    return VF == 1 ? (Value *)C
                   : ConstantVector::getSplat(ElementCount::getFixed(VF), C);
  }
  Value *intConst(DType T, int64_t V) {
    Constant *C = ConstantInt::get(scalarType(T), V, true);
    return VF == 1 ? (Value *)C
                   : ConstantVector::getSplat(ElementCount::getFixed(VF), C);
  }

  //===--- memory --------------------------------------------------------===//
  /// Address of lane L of operand K at the current index.
  Value *address(unsigned K, DType T, int64_t ItemSize, unsigned Lane) {
    Value *I = Lane ? B.CreateAdd(Index, B.getInt64(Lane)) : Index;
    Value *Off;
    if (Spec.Layouts[K] == Layout::Contiguous ||
        Spec.Layouts[K] == Layout::Streaming)
      Off = B.CreateMul(I, B.getInt64(memSize(T, ItemSize)));
    else
      Off = B.CreateMul(I, Stride[K]);
    return B.CreateGEP(B.getInt8Ty(), Base[K], Off);
  }

  Val loadScalarAt(Value *Ptr, DType T) {
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

  Val loadOperand(unsigned K, DType T, int64_t ItemSize) {
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

  void storeScalarAt(Value *Ptr, Val V, DType T, int64_t ItemSize,
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

  void storeResult(Val V, DType T, int64_t ItemSize, int64_t SrcItemSize) {
    if (VF == 1) {
      storeScalarAt(address(0, T, ItemSize, 0), V, T, ItemSize, SrcItemSize);
      return;
    }
    if (Spec.Layouts[0] == Layout::Contiguous ||
        Spec.Layouts[0] == Layout::Streaming) {
      Value *P = address(0, T, ItemSize, 0);
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
      StoreInst *St = B.CreateAlignedStore(S, P, Align(StoreAlign));
      if (StoreAlign > 1)
        St->setMetadata(
            LLVMContext::MD_nontemporal,
            MDNode::get(Ctx, ConstantAsMetadata::get(B.getInt32(1))));
      return;
    }
    for (unsigned Lane = 0; Lane < VF; ++Lane) {
      Val S{B.CreateExtractElement(V.V, Lane),
            V.Im ? B.CreateExtractElement(V.Im, Lane) : nullptr};
      storeScalarAt(address(0, T, ItemSize, Lane), S, T, ItemSize, SrcItemSize);
    }
  }

  //===--- calls ---------------------------------------------------------===//
  Value *intrinsic(Intrinsic::ID ID, ArrayRef<Value *> Args) {
    return B.CreateIntrinsic(ID, {Args[0]->getType()}, Args);
  }

  FunctionCallee declare(StringRef Name, Type *Ret, ArrayRef<Type *> Params) {
    auto *FT = FunctionType::get(Ret, Params, false);
    FunctionCallee C = M.getOrInsertFunction(Name, FT);
    if (auto *Fn = dyn_cast<Function>(C.getCallee())) {
      Fn->setDoesNotThrow();
      Fn->addFnAttr(Attribute::WillReturn);
    }
    return C;
  }

  /// Applies a scalar function lane by lane (for operations without a
  /// vector implementation).
  Value *perLane(ArrayRef<Value *> Args,
                 function_ref<Value *(ArrayRef<Value *>)> Scalar) {
    if (VF == 1)
      return Scalar(Args);
    Value *Out = nullptr;
    for (unsigned Lane = 0; Lane < VF; ++Lane) {
      SmallVector<Value *, 3> LaneArgs;
      for (Value *A : Args)
        LaneArgs.push_back(B.CreateExtractElement(A, Lane));
      Value *R = Scalar(LaneArgs);
      if (!Out)
        Out = PoisonValue::get(FixedVectorType::get(R->getType(), VF));
      Out = B.CreateInsertElement(Out, R, Lane);
    }
    return Out;
  }

  /// Calls the Sleef function for Op at the current width.
  Value *sleefCall(StringRef Op, DType T, ArrayRef<Value *> Args) {
    auto Name = sleefFunction(Op, T, VF, Opts.Isa, Opts.Acc);
    if (!Name && VF > 1) {
      // A narrower vector variant (say 16 float64 lanes on AVX-512): call
      // it on each part and join the parts.
      for (unsigned Part = VF / 2; Part > 1; Part /= 2) {
        auto PartName = sleefFunction(Op, T, Part, Opts.Isa, Opts.Acc);
        if (!PartName)
          continue;
        auto *PT = FixedVectorType::get(scalarType(T), Part);
        SmallVector<Type *, 2> Params(Args.size(), PT);
        FunctionCallee Fn = declare(*PartName, PT, Params);
        SmallVector<Value *, 8> Results;
        for (unsigned Start = 0; Start < VF; Start += Part) {
          SmallVector<int, 16> Mask;
          for (unsigned L = 0; L < Part; ++L)
            Mask.push_back(Start + L);
          SmallVector<Value *, 2> PartArgs;
          for (Value *A : Args)
            PartArgs.push_back(B.CreateShuffleVector(A, Mask));
          Results.push_back(B.CreateCall(Fn, PartArgs));
        }
        while (Results.size() > 1) {
          SmallVector<Value *, 8> Joined;
          for (size_t K = 0; K < Results.size(); K += 2) {
            unsigned W =
                cast<FixedVectorType>(Results[K]->getType())->getNumElements();
            SmallVector<int, 64> Mask;
            for (unsigned L = 0; L < 2 * W; ++L)
              Mask.push_back(L);
            Joined.push_back(
                B.CreateShuffleVector(Results[K], Results[K + 1], Mask));
          }
          Results.swap(Joined);
        }
        assert(Results.size() == 1 && "VF > 1 makes at least one part");
        return Results.empty() ? nullptr : Results.front();
      }
    }
    if (!Name) {
      // No vector variant for this width: call the scalar one per lane.
      auto ScalarName = sleefFunction(Op, T, 1, Opts.Isa, Opts.Acc);
      if (!ScalarName) {
        Failure = "no Sleef function for " + Op.str();
        return UndefValue::get(Args[0]->getType());
      }
      Type *S = scalarType(T);
      SmallVector<Type *, 2> Params(Args.size(), S);
      FunctionCallee Fn = declare(*ScalarName, S, Params);
      return perLane(Args, [&](ArrayRef<Value *> L) {
        return (Value *)B.CreateCall(Fn, L);
      });
    }
    Type *VT = Args[0]->getType();
    SmallVector<Type *, 2> Params(Args.size(), VT);
    return B.CreateCall(declare(*Name, VT, Params), Args);
  }

  /// A call to a scalar C function of this process (libm or our helpers).
  Value *cCall(StringRef Name, Type *Ret, ArrayRef<Value *> Args) {
    SmallVector<Type *, 4> Params;
    for (Value *A : Args)
      Params.push_back(A->getType());
    return B.CreateCall(declare(Name, Ret, Params), Args);
  }

  //===--- operations ----------------------------------------------------===//
  Val get(int Id) { return Cache[Id]; }
  Val emitInst(int Id);
  Val emitCast(Val A, DType From, DType To);
  Val emitIntOp(const Inst &I, Value *A, Value *Bv);
  Val emitComplexOp(const Inst &I);
  Value *emitSinCos(int Id, bool WantSin);
  Val emitComplexHelper(StringRef Name, ArrayRef<Val> Args);
  std::optional<std::pair<Value *, Value *>> sinCosCall(Value *X, DType T);
  Value *emitSinhCosh(bool Sinh, DType T, Value *X);
  Value *emitGuardedSleef(Opcode Op, DType T, Value *X, Value *Y);
  Value *fixLanes(Value *Cond, Value *R, StringRef Name,
                  function_ref<Value *()> Fix);

  //===--- RealMath (for ComplexMath) ------------------------------------===//
  Value *call(StringRef Op, ArrayRef<Value *> Args) override {
    return sleefCall(Op, DType::Float64, Args);
  }
  std::pair<Value *, Value *> sinCos(Value *X) override {
    if (auto P = sinCosCall(X, DType::Float64))
      return *P;
    return {sleefCall("sin", DType::Float64, {X}),
            sleefCall("cos", DType::Float64, {X})};
  }

  void emitBody() {
    Cache.assign(F.Insts.size(), Val{});
    for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
      const Inst &I = F.Insts[Id];
      if (ir::isReduction(I.Op))
        Cache[Id] = get(I.Operands[0]);
      else
        Cache[Id] = emitInst((int)Id);
    }
  }

  /// The value to store for the result: the result itself, or combined
  /// with what the output holds when accumulating elementwise.
  Val accumulated(bool Accumulate, Opcode Op, DType T, int64_t ItemSize) {
    if (!Accumulate)
      return Cache[F.Result];
    return combine(Op, T, loadOperand(0, T, ItemSize), Cache[F.Result]);
  }

  //===--- reductions ----------------------------------------------------===//
  Val reductionIdentity(Opcode Op, DType T);
  Val combine(Opcode Op, DType T, Val A, Val Bv);
  Val horizontal(Opcode Op, DType T, Val V);
};

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

/// numexpr's integer semantics (interp_body.cpp), branch-free for vectors.
Val KernelEmitter::emitIntOp(const Inst &I, Value *A, Value *Bv) {
  DType T = I.Type;
  unsigned Bits = T == DType::Int32 ? 32 : 64;
  Value *Zero = intConst(T, 0), *One = intConst(T, 1),
        *MinusOne = intConst(T, -1);
  switch (I.Op) {
  case Opcode::Add:
    return {B.CreateAdd(A, Bv)};
  case Opcode::Sub:
    return {B.CreateSub(A, Bv)};
  case Opcode::Mul:
    return {B.CreateMul(A, Bv)};
  case Opcode::Div:
  case Opcode::FloorDiv:
  case Opcode::Mod: {
    // x / 0 == 0 and x % 0 == 0 as in numexpr; the divisor -1 is handled
    // apart because INT_MIN / -1 traps on x86.
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
      if (I.Op == Opcode::Mod) // numexpr's ((a % b) + b) % b, wrapping
        Result =
            B.CreateSelect(IsMinusOne, Zero, CRem(B.CreateAdd(CRem(A), Safe)));
      else
        Result =
            B.CreateSelect(IsMinusOne, B.CreateNeg(A),
                           Quotient(A, I.Op == Opcode::Div ? Intrinsic::trunc
                                                           : Intrinsic::floor));
      return {B.CreateSelect(IsZero, Zero, Result)};
    }
    Value *Q = B.CreateSDiv(A, Safe);
    Value *R = B.CreateSRem(A, Safe);
    Value *Result;
    if (I.Op == Opcode::Div) {
      Result = B.CreateSelect(IsMinusOne, B.CreateNeg(A), Q);
    } else if (I.Op == Opcode::FloorDiv) {
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
    return {B.CreateSelect(IsZero, Zero, Result)};
  }
  case Opcode::Pow: {
    if (Bits == 64) {
      // numexpr: b < 0 ? 1 / a : llround(powl(a, b)) -- exact in long
      // double's 64-bit mantissa, LLONG_MIN when out of range. Binary
      // powering with overflow checks gives the same.
      Type *VT = A->getType();
      Type *BoolTy = vecOf(B.getInt1Ty());
      Value *False = Constant::getNullValue(BoolTy);
      Value *Acc = One, *P = A, *Ovf = False, *POvf = False;
      for (int Bit = 0; Bit < 6; ++Bit) {
        Value *Use = B.CreateICmpNE(
            B.CreateAnd(B.CreateLShr(Bv, intConst(T, Bit)), One), Zero);
        Value *M =
            B.CreateBinaryIntrinsic(Intrinsic::smul_with_overflow, Acc, P);
        Acc = B.CreateSelect(Use, B.CreateExtractValue(M, 0), Acc);
        Ovf = B.CreateOr(
            Ovf,
            B.CreateAnd(Use, B.CreateOr(B.CreateExtractValue(M, 1), POvf)));
        if (Bit < 5) {
          Value *Sq =
              B.CreateBinaryIntrinsic(Intrinsic::smul_with_overflow, P, P);
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
      Value *AZero = B.CreateICmpEQ(A, Zero);
      Value *Recip = B.CreateSDiv(One, B.CreateSelect(AZero, One, A));
      Recip = B.CreateSelect(AZero, Zero, Recip);
      (void)VT;
      return {B.CreateSelect(B.CreateICmpSLT(Bv, Zero), Recip, Pos)};
    }
    // numexpr: b < 0 ? 1 / a : (int)pow((double)a, b). Out-of-range
    // conversions give INT_MIN like x86's cvttsd2si.
    Type *DT = vecOf(B.getDoubleTy());
    Value *P = intrinsic(Intrinsic::pow,
                         {B.CreateSIToFP(A, DT), B.CreateSIToFP(Bv, DT)});
    double Lim = std::ldexp(1.0, Bits - 1);
    Value *InRange = B.CreateAnd(B.CreateFCmpOGE(P, ConstantFP::get(DT, -Lim)),
                                 B.CreateFCmpOLT(P, ConstantFP::get(DT, Lim)));
    Value *SafeP = B.CreateSelect(InRange, P, ConstantFP::get(DT, 0.0));
    Value *AsInt =
        B.CreateSelect(InRange, B.CreateFPToSI(SafeP, A->getType()),
                       intConst(T, Bits == 32 ? INT32_MIN : INT64_MIN));
    Value *AZero = B.CreateICmpEQ(A, Zero);
    Value *Recip = B.CreateSDiv(One, B.CreateSelect(AZero, One, A));
    Recip = B.CreateSelect(AZero, Zero, Recip);
    return {B.CreateSelect(B.CreateICmpSLT(Bv, Zero), Recip, AsInt)};
  }
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

Val KernelEmitter::emitComplexHelper(StringRef Name, ArrayRef<Val> Args) {
  // Scalar helpers from lib/Runtime: void f(double re, double im, [re2, im2,]
  // double *out) — applied lane by lane.
  Type *D = B.getDoubleTy();
  auto *Slot = [&]() {
    IRBuilder<>::InsertPointGuard G(B);
    Function *Fn = B.GetInsertBlock()->getParent();
    B.SetInsertPoint(&Fn->getEntryBlock(), Fn->getEntryBlock().begin());
    return B.CreateAlloca(ArrayType::get(D, 2));
  }();
  Value *OutRe = nullptr, *OutIm = nullptr;
  auto One = [&](ArrayRef<Value *> Parts) {
    SmallVector<Value *, 5> CallArgs(Parts.begin(), Parts.end());
    CallArgs.push_back(Slot);
    cCall(Name, B.getVoidTy(), CallArgs);
    Value *Re = B.CreateLoad(D, Slot);
    Value *Im = B.CreateLoad(D, B.CreateConstGEP1_64(D, Slot, 1));
    return std::make_pair(Re, Im);
  };
  if (VF == 1) {
    SmallVector<Value *, 4> Parts;
    for (const Val &A : Args) {
      Parts.push_back(A.V);
      Parts.push_back(A.Im);
    }
    auto [Re, Im] = One(Parts);
    return {Re, Im};
  }
  OutRe = PoisonValue::get(vecOf(D));
  OutIm = PoisonValue::get(vecOf(D));
  for (unsigned Lane = 0; Lane < VF; ++Lane) {
    SmallVector<Value *, 4> Parts;
    for (const Val &A : Args) {
      Parts.push_back(B.CreateExtractElement(A.V, Lane));
      Parts.push_back(B.CreateExtractElement(A.Im, Lane));
    }
    auto [Re, Im] = One(Parts);
    OutRe = B.CreateInsertElement(OutRe, Re, Lane);
    OutIm = B.CreateInsertElement(OutIm, Im, Lane);
  }
  return {OutRe, OutIm};
}

Val KernelEmitter::emitComplexOp(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  Type *DT = vecOf(B.getDoubleTy());
  Value *Zero = ConstantFP::get(DT, 0.0);
  switch (I.Op) {
  case Opcode::Add:
    return {B.CreateFAdd(Arg(0).V, Arg(1).V),
            B.CreateFAdd(Arg(0).Im, Arg(1).Im)};
  case Opcode::Sub:
    return {B.CreateFSub(Arg(0).V, Arg(1).V),
            B.CreateFSub(Arg(0).Im, Arg(1).Im)};
  case Opcode::Mul: {
    Val X = Arg(0), Y = Arg(1);
    return {B.CreateFSub(B.CreateFMul(X.V, Y.V), B.CreateFMul(X.Im, Y.Im)),
            B.CreateFAdd(B.CreateFMul(X.V, Y.Im), B.CreateFMul(X.Im, Y.V))};
  }
  case Opcode::Div: {
    // numexpr's formula (not Smith's): keeps its results bit for bit.
    Val X = Arg(0), Y = Arg(1);
    Value *D = B.CreateFAdd(B.CreateFMul(Y.V, Y.V), B.CreateFMul(Y.Im, Y.Im));
    Value *Re = B.CreateFDiv(
        B.CreateFAdd(B.CreateFMul(X.V, Y.V), B.CreateFMul(X.Im, Y.Im)), D);
    Value *Im = B.CreateFDiv(
        B.CreateFSub(B.CreateFMul(X.Im, Y.V), B.CreateFMul(X.V, Y.Im)), D);
    return {Re, Im};
  }
  case Opcode::Neg:
    return {B.CreateFNeg(Arg(0).V), B.CreateFNeg(Arg(0).Im)};
  case Opcode::Copy:
    return Arg(0);
  case Opcode::OnesLike:
    return {ConstantFP::get(DT, 1.0), Zero};
  case Opcode::Where: {
    Value *C = Arg(0).V;
    return {B.CreateSelect(C, Arg(1).V, Arg(2).V),
            B.CreateSelect(C, Arg(1).Im, Arg(2).Im)};
  }
  case Opcode::Conj:
    return {Arg(0).V, B.CreateFNeg(Arg(0).Im)};
  case Opcode::Round:
    return {intrinsic(Intrinsic::roundeven, {Arg(0).V}),
            intrinsic(Intrinsic::roundeven, {Arg(0).Im})};
  case Opcode::Sign: {
    Val X = Arg(0);
    Value *Mag = sleefCall("hypot", DType::Float64, {X.V, X.Im});
    Value *IsZero = B.CreateFCmpOEQ(Mag, Zero);
    return {B.CreateSelect(IsZero, Zero, B.CreateFDiv(X.V, Mag)),
            B.CreateSelect(IsZero, Zero, B.CreateFDiv(X.Im, Mag))};
  }
  case Opcode::Sum:
  case Opcode::Prod:
    return Arg(0);
  default:
    break;
  }
  {
    SmallVector<CVal, 2> Args;
    for (size_t K = 0; K < I.Operands.size(); ++K)
      Args.push_back({Arg((int)K).V, Arg((int)K).Im});
    if (auto R = emitComplexMath(I.Op, B, *this, Args))
      return {R->Re, R->Im};
  }
  // No vector formula (the inverse functions): C99 per lane.
  static const std::pair<Opcode, const char *> Helpers[] = {
      {Opcode::Arcsin, "nejit_c_arcsin"},
      {Opcode::Arccos, "nejit_c_arccos"},
      {Opcode::Arctan, "nejit_c_arctan"},
      {Opcode::Arcsinh, "nejit_c_arcsinh"},
      {Opcode::Arccosh, "nejit_c_arccosh"},
      {Opcode::Arctanh, "nejit_c_arctanh"}};
  for (const auto &[Op, Name] : Helpers)
    if (Op == I.Op) {
      SmallVector<Val, 2> Args;
      for (size_t K = 0; K < I.Operands.size(); ++K)
        Args.push_back(Arg((int)K));
      return emitComplexHelper(Name, Args);
    }
  Failure = std::string("complex operation '") + ir::opcodeName(I.Op) +
            "' is not supported";
  return {UndefValue::get(DT), UndefValue::get(DT)};
}

/// {sin X, cos X} from one Sleef sincos call, or nullopt where there is
/// none (or, for scalar float32, where it returns its pair in one register).
std::optional<std::pair<Value *, Value *>> KernelEmitter::sinCosCall(Value *X,
                                                                     DType T) {
  auto Name = sleefFunction("sincos", T, VF, Opts.Isa, Opts.Acc);
  bool Vector = VF > 1;
  if (!Name || (!Vector && T == DType::Float32))
    return std::nullopt;
  Type *VT = X->getType();
  StructType *Pair = StructType::get(VT, VT);
  if (!Vector) {
    Value *R = B.CreateCall(declare(*Name, Pair, {VT}), {X});
    return std::make_pair(B.CreateExtractValue(R, 0),
                          B.CreateExtractValue(R, 1));
  }
  // Sleef returns the vector pair through memory (sret), per the x86-64
  // ABI for aggregates of vectors.
  AllocaInst *Slot;
  {
    IRBuilder<>::InsertPointGuard G(B);
    Function *Fn = B.GetInsertBlock()->getParent();
    B.SetInsertPoint(&Fn->getEntryBlock(), Fn->getEntryBlock().begin());
    Slot = B.CreateAlloca(Pair);
    Slot->setAlignment(Align(VF * (T == DType::Float32 ? 4 : 8)));
  }
  FunctionCallee Fn = declare(*Name, B.getVoidTy(), {B.getPtrTy(), VT});
  CallInst *Call = B.CreateCall(Fn, {Slot, X});
  Attribute SRet = Attribute::getWithStructRetType(Ctx, Pair);
  Call->addParamAttr(0, SRet);
  if (auto *Decl = dyn_cast<Function>(Fn.getCallee()))
    if (!Decl->hasParamAttribute(0, Attribute::StructRet))
      Decl->addParamAttr(0, SRet);
  return std::make_pair(
      (Value *)B.CreateLoad(VT, B.CreateStructGEP(Pair, Slot, 0)),
      (Value *)B.CreateLoad(VT, B.CreateStructGEP(Pair, Slot, 1)));
}

/// sin and cos of one operand become one Sleef sincos call; the other
/// result is cached for when its instruction is reached.
Value *KernelEmitter::emitSinCos(int Id, bool WantSin) {
  const Inst &I = F.Insts[Id];
  int Partner = -1;
  for (size_t K = 0; K < F.Insts.size(); ++K) {
    const Inst &O = F.Insts[K];
    if ((int)K != Id && O.Op == (WantSin ? Opcode::Cos : Opcode::Sin) &&
        O.Operands == I.Operands && O.Type == I.Type)
      Partner = (int)K;
  }
  Value *X = get(I.Operands[0]).V;
  std::optional<std::pair<Value *, Value *>> SC;
  if (Partner >= 0)
    SC = sinCosCall(X, I.Type);
  if (!SC)
    return sleefCall(WantSin ? "sin" : "cos", I.Type, {X});
  auto [Sin, Cos] = *SC;
  Cache[Partner] = {WantSin ? Cos : Sin, nullptr};
  return WantSin ? Sin : Cos;
}

/// Sleef's sinh/cosh overflow early (past |x| = 709 for float64, 88.5 for
/// float32, where the results are still finite up to 710.48 and 89.42).
/// Lanes past that use e^(|x| - ln2_hi) * e^(-ln2_lo), where |x| - ln2_hi is
/// exact; the fix-up runs only when some lane needs it.
Value *KernelEmitter::emitSinhCosh(bool Sinh, DType T, Value *X) {
  Value *R = sleefCall(Sinh ? "sinh" : "cosh", T, {X});
  bool F32 = T == DType::Float32;
  Value *AX = intrinsic(Intrinsic::fabs, {X});
  Value *Big = B.CreateFCmpOGT(AX, constOf(T, F32 ? 88.0 : 709.0));
  return fixLanes(Big, R, Sinh ? "sinh" : "cosh", [&]() -> Value * {
    // ln 2 = Hi + Lo, Hi with few enough bits that |x| - Hi is exact.
    double Hi = F32 ? 0.693115234375 : 0.693147180369123816490;
    double Lo = F32 ? 3.19461833e-05 : 1.90821492927058770002e-10;
    Value *E = sleefCall("exp", T, {B.CreateFSub(AX, constOf(T, Hi))});
    E = B.CreateFMul(
        E, constOf(T, F32 ? (double)std::exp(-(float)Lo) : std::exp(-Lo)));
    return Sinh ? intrinsic(Intrinsic::copysign, {E, X}) : E;
  });
}

/// Where Cond holds in some lane, replaces those lanes of R with Fix(),
/// computed in a block that runs only then (the cases are rare: huge or
/// subnormal arguments).
Value *KernelEmitter::fixLanes(Value *Cond, Value *R, StringRef Name,
                               function_ref<Value *()> Fix) {
  Value *Any = VF == 1 ? Cond : B.CreateOrReduce(Cond);
  Function *Fn = B.GetInsertBlock()->getParent();
  BasicBlock *Before = B.GetInsertBlock();
  BasicBlock *FixBB = BasicBlock::Create(Ctx, Name + ".big", Fn);
  BasicBlock *Join = BasicBlock::Create(Ctx, Name + ".join", Fn);
  B.CreateCondBr(Any, FixBB, Join);
  B.SetInsertPoint(FixBB);
  Value *Fixed = B.CreateSelect(Cond, Fix(), R);
  BasicBlock *FixEnd = B.GetInsertBlock();
  B.CreateBr(Join);
  B.SetInsertPoint(Join);
  PHINode *Phi = B.CreatePHI(R->getType(), 2);
  Phi->addIncoming(R, Before);
  Phi->addIncoming(Fixed, FixEnd);
  return Phi;
}

/// Sleef functions whose documented domain is narrower than the type's:
/// the lanes outside it get exact or asymptotic values instead.
Value *KernelEmitter::emitGuardedSleef(Opcode Op, DType T, Value *X, Value *Y) {
  bool F32 = T == DType::Float32;
  Value *AX = intrinsic(Intrinsic::fabs, {X});
  auto Less = [&](Value *V, double C) {
    return B.CreateFCmpOLT(V, constOf(T, C));
  };
  auto Greater = [&](Value *V, double C) {
    return B.CreateFCmpOGT(V, constOf(T, C));
  };
  double Ln2 = 0.69314718055994530942;
  switch (Op) {
  case Opcode::Fmod: {
    // Sleef's fmod is wrong for subnormal divisors and for quotients past
    // its range; libm's fmod (LLVM frem) is exact.
    Value *R = sleefCall("fmod", T, {X, Y});
    Value *AY = intrinsic(Intrinsic::fabs, {Y});
    double MinNormal = F32 ? 0x1p-126 : 0x1p-1022;
    Value *Bad = B.CreateOr(
        Less(AY, MinNormal),
        B.CreateFCmpOGT(AX,
                        B.CreateFMul(AY, constOf(T, F32 ? 0x1p60 : 0x1p500))));
    return fixLanes(Bad, R, "fmod", [&] { return B.CreateFRem(X, Y); });
  }
  case Opcode::Log1p: {
    // log1p(x) == x below 2^-54 (2^-25); log1p(x) ~ log(x) past 1e307.
    Value *R = sleefCall("log1p", T, {X});
    R = B.CreateSelect(Less(AX, F32 ? 0x1p-25 : 0x1p-54), X, R);
    return fixLanes(Greater(X, F32 ? 1e38 : 1e307), R, "log1p",
                    [&] { return sleefCall("log", T, {X}); });
  }
  case Opcode::Arcsinh:
  case Opcode::Arccosh: {
    // asinh(x) == x below 2^-28 (2^-12); asinh/acosh(x) = log|x| + ln 2
    // past 1e154 (1e19), where Sleef overflows.
    bool Asinh = Op == Opcode::Arcsinh;
    Value *R = sleefCall(Asinh ? "asinh" : "acosh", T, {X});
    if (Asinh)
      R = B.CreateSelect(Less(AX, F32 ? 0x1p-12 : 0x1p-28), X, R);
    return fixLanes(Greater(Asinh ? AX : X, F32 ? 1e19 : 1e154), R,
                    Asinh ? "asinh" : "acosh", [&] {
                      Value *L = B.CreateFAdd(sleefCall("log", T, {AX}),
                                              constOf(T, Ln2));
                      return Asinh ? intrinsic(Intrinsic::copysign, {L, X}) : L;
                    });
  }
  default:
    return sleefCall(sleefBaseName(Op), T,
                     Y ? ArrayRef<Value *>{X, Y} : ArrayRef<Value *>{X});
  }
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

Val KernelEmitter::reductionIdentity(Opcode Op, DType T) {
  if (T == DType::Complex128)
    return {constOf(DType::Float64, Op == Opcode::Prod ? 1.0 : 0.0),
            constOf(DType::Float64, 0.0)};
  if (Op == Opcode::Sum)
    return {constOf(T, 0.0)};
  if (Op == Opcode::Prod)
    return {constOf(T, 1.0)};
  if (isFloatType(T))
    return {constOf(T, NAN)}; // minnum/maxnum skip NaN
  bool Is32 = T == DType::Int32;
  if (Op == Opcode::Min)
    return {intConst(T, Is32 ? INT32_MAX : INT64_MAX)};
  return {intConst(T, Is32 ? INT32_MIN : INT64_MIN)};
}

Val KernelEmitter::combine(Opcode Op, DType T, Val A, Val Bv) {
  if (T == DType::Complex128) {
    if (Op == Opcode::Sum)
      return {B.CreateFAdd(A.V, Bv.V), B.CreateFAdd(A.Im, Bv.Im)};
    return {B.CreateFSub(B.CreateFMul(A.V, Bv.V), B.CreateFMul(A.Im, Bv.Im)),
            B.CreateFAdd(B.CreateFMul(A.V, Bv.Im), B.CreateFMul(A.Im, Bv.V))};
  }
  bool Float = isFloatType(T);
  switch (Op) {
  case Opcode::Sum:
    return {Float ? B.CreateFAdd(A.V, Bv.V) : B.CreateAdd(A.V, Bv.V)};
  case Opcode::Prod:
    return {Float ? B.CreateFMul(A.V, Bv.V) : B.CreateMul(A.V, Bv.V)};
  case Opcode::Min:
    return {
        intrinsic(Float ? Intrinsic::minnum : Intrinsic::smin, {A.V, Bv.V})};
  default:
    return {
        intrinsic(Float ? Intrinsic::maxnum : Intrinsic::smax, {A.V, Bv.V})};
  }
}

/// Folds the lanes of a vector accumulator into one scalar, lane 0 first.
Val KernelEmitter::horizontal(Opcode Op, DType T, Val V) {
  unsigned Lanes = VF;
  Val Acc{B.CreateExtractElement(V.V, (uint64_t)0),
          V.Im ? B.CreateExtractElement(V.Im, (uint64_t)0) : nullptr};
  unsigned Saved = VF;
  VF = 1;
  for (unsigned L = 1; L < Lanes; ++L) {
    Val Lane{B.CreateExtractElement(V.V, L),
             V.Im ? B.CreateExtractElement(V.Im, L) : nullptr};
    Acc = combine(Op, T, Acc, Lane);
  }
  VF = Saved;
  return Acc;
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

} // namespace

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
