//===- CodeGen/EmitMath.cpp - Sleef, libm and helper calls ----------------===//
/// \file
/// Calls out of line: Sleef functions at the current width (split or per
/// lane where Sleef has no variant for it), C helpers, sin+cos fused into
/// sincos, and the guards where Sleef's domain is narrower than the type's.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"
#include "CodeGen/OwnMath.h"

#include <cmath>

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

FunctionCallee KernelEmitter::declare(StringRef Name, Type *Ret,
                                      ArrayRef<Type *> Params) {
  auto *FT = FunctionType::get(Ret, Params, false);
  FunctionCallee C = M.getOrInsertFunction(Name, FT);
  if (auto *Fn = dyn_cast<Function>(C.getCallee())) {
    Fn->setDoesNotThrow();
    Fn->addFnAttr(Attribute::WillReturn);
  }
  return C;
}

Value *KernelEmitter::perLane(ArrayRef<Value *> Args,
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

Value *KernelEmitter::sleefCall(StringRef Op, DType T, ArrayRef<Value *> Args) {
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

Value *KernelEmitter::cCall(StringRef Name, Type *Ret, ArrayRef<Value *> Args) {
  SmallVector<Type *, 4> Params;
  for (Value *A : Args)
    Params.push_back(A->getType());
  return B.CreateCall(declare(Name, Ret, Params), Args);
}

Value *KernelEmitter::call(StringRef Op, ArrayRef<Value *> Args) {
  return sleefCall(Op, DType::Float64, Args);
}
std::pair<Value *, Value *> KernelEmitter::sinCos(Value *X) {
  if (auto P = sinCosCall(X, DType::Float64))
    return *P;
  return {sleefCall("sin", DType::Float64, {X}),
          sleefCall("cos", DType::Float64, {X})};
}

/// The transcendental functions of floating-point values: one Sleef call
/// each, except where sin and cos share one sincos call or where a guard
/// fixes the lanes outside Sleef's domain.
Value *KernelEmitter::emitMathCall(int Id, Value *X, Value *Y) {
  const Inst &I = F.Insts[Id];
  DType T = I.Type;
  if (Opts.Backend == MathBackend::Libm)
    return emitLibmCall(I, X, Y);
  if (Opts.OwnMath && ownMathServes(I.Op, T, Opts.Acc))
    return emitOwnMath(B, I.Op, T, X, Opts.Isa.HasFMA);
  switch (I.Op) {
  case Opcode::Sin:
  case Opcode::Cos:
    return emitSinCos(Id, I.Op == Opcode::Sin);
  case Opcode::Sinh:
  case Opcode::Cosh:
    return emitSinhCosh(I.Op == Opcode::Sinh, T, X);
  case Opcode::Fmod:
  case Opcode::Log1p:
  case Opcode::Arcsinh:
  case Opcode::Arccosh:
  case Opcode::Tan:
  case Opcode::Tanh:
    return emitGuardedSleef(I.Op, T, X, Y);
  case Opcode::Pow:
  case Opcode::Arctan2:
  case Opcode::Hypot:
  case Opcode::Nextafter:
    return sleefCall(sleefBaseName(I.Op), T, {X, Y});
  default: {
    StringRef Name = sleefBaseName(I.Op);
    if (!Name.empty())
      return sleefCall(Name, T, {X});
    Failure = std::string("floating operation '") + ir::opcodeName(I.Op) +
              "' is not supported";
    return UndefValue::get(X->getType());
  }
  }
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

/// codegen::fixLanes (OwnMath.h) at this emitter's builder.
Value *KernelEmitter::fixLanes(Value *Cond, Value *R, StringRef Name,
                               function_ref<Value *()> Fix) {
  return codegen::fixLanes(B, Cond, R, Name, Fix);
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
  case Opcode::Tan: {
    // tan(x) == x below 2^-28 (2^-12): x^2 / 3 is under half an ulp there.
    // Sleef's u10 tan returns 0 for the smallest subnormals (5e-324) and
    // is off by one in the last place for others.
    Value *R = sleefCall("tan", T, {X});
    return B.CreateSelect(Less(AX, F32 ? 0x1p-12 : 0x1p-28), X, R);
  }
  case Opcode::Tanh: {
    // Past |x| = 3, 1 - 2 / (exp(2|x|) + 1): the subtracted term is under
    // 0.005, so its few ulps of error are a few hundredths of an ulp of
    // the result, which then rounds correctly. Sleef's u10 tanh rounds up
    // to 1 from 18.715 on, where the true value is 1 - 2^-53 up to 19.06,
    // and `tanh(x) < 1` then differed from numexpr (libm).
    Value *R = sleefCall("tanh", T, {X});
    return fixLanes(Greater(AX, 3.0), R, "tanh", [&] {
      Value *E = sleefCall("exp", T, {B.CreateFMul(AX, constOf(T, 2.0))});
      Value *Q = B.CreateFDiv(constOf(T, 2.0),
                              B.CreateFAdd(E, constOf(T, 1.0)));
      return intrinsic(Intrinsic::copysign,
                       {B.CreateFSub(constOf(T, 1.0), Q), X});
    });
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

} // namespace nejit::codegen
