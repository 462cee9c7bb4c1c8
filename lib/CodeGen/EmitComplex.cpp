//===- CodeGen/EmitComplex.cpp - Complex operations -----------------------===//
/// \file
/// Complex128 operations on split real/imaginary vectors: the arithmetic
/// here, the functions from ComplexMath's formulas, the inverse functions
/// through per-lane C helpers.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

/// Instructions with a complex first operand (real, imag, comparisons and
/// predicates give real results) or a complex result.
Val KernelEmitter::emitComplexInst(const Inst &I) {
  auto Arg = [&](int K) { return get(I.Operands[K]); };
  auto OpType = [&](int K) { return F.Insts[I.Operands[K]].Type; };
  if (I.Operands.empty() || OpType(0) != DType::Complex128) {
    if (I.Op == Opcode::Complex)
      return {Arg(0).V, Arg(1).V};
    if (I.Op == Opcode::Where)
      return emitComplexOp(I);
    if (I.Op == Opcode::OnesLike)
      return emitComplexOp(I);
    Failure = std::string("cannot produce complex from '") +
              ir::opcodeName(I.Op) + "'";
    return {UndefValue::get(vecType(I.Type)), UndefValue::get(vecType(I.Type))};
  }
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
      return {B.CreateAnd(B.CreateFCmpOLT(AR, Inf), B.CreateFCmpOLT(AI, Inf))};
    return {B.CreateOr(B.CreateFCmpOEQ(AR, Inf), B.CreateFCmpOEQ(AI, Inf))};
  }
  default:
    return emitComplexOp(I);
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
  if (Opts.Backend == MathBackend::Libm)
    if (std::optional<Val> R = emitLibmComplex(I))
      return *R;
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

} // namespace nejit::codegen
