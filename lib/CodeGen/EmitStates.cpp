//===- CodeGen/EmitStates.cpp - Outputs and their accumulator states ------===//
/// \file
/// What a kernel does with each output at each index: store it, or update
/// a reduction's accumulator state. Three algorithms: Plain (one value and
/// combine(): prod/min/max, any/all, integer sums, and a numexpr sum that
/// accumulates along the loop), Compensated (Neumaier's sum with a running
/// compensation: the error of a float sum is bounded by a few ulps of the
/// sum of magnitudes whatever the length, where numpy's pairwise summation
/// grows with log n; also a numexpr float sum's fold, whose one-value
/// accumulator is read as (value, 0) and written as value + compensation)
/// and Welford (count, mean,
/// M2; lanes and partial states join with Chan's formula). The runtime's
/// identity/combine/finish (Runtime/States.cpp) mirror these exactly.
//===----------------------------------------------------------------------===//
#include "CodeGen/KernelEmitter.h"

namespace nejit::codegen {

using ir::Inst;
using ir::Opcode;
using namespace llvm;

//===----------------------------------------------------------------------===//
// The multi-output ABI
//===----------------------------------------------------------------------===//

std::vector<DType> stateComponents(const ir::Function &F, const Inst &I) {
  DType T = F.Insts[I.Operands[0]].Type;
  bool Real = T == DType::Float32 || T == DType::Float64;
  switch (I.Op) {
  case Opcode::Sum:
  case Opcode::Mean:
    if (Real || T == DType::Complex128)
      return {T, T};
    return {T};
  case Opcode::Var:
  case Opcode::Std:
    return {DType::Float64, T, DType::Float64};
  case Opcode::Any:
  case Opcode::All:
    return {DType::Bool};
  default:
    return {T};
  }
}

std::vector<OutputSlot> outputSlots(const ir::Function &F) {
  std::vector<OutputSlot> Slots;
  unsigned Next = 1 + (unsigned)F.Inputs.size();
  for (size_t K = 0; K < F.Outputs.size(); ++K) {
    OutputSlot S;
    S.Inst = F.Outputs[K];
    const Inst &I = F.Insts[S.Inst];
    S.Components = ir::isReduction(I.Op) ? stateComponents(F, I)
                                         : std::vector<DType>{I.Type};
    for (size_t C = 0; C < S.Components.size(); ++C)
      S.Operands.push_back(K == 0 && C == 0 ? 0 : Next++);
    Slots.push_back(std::move(S));
  }
  return Slots;
}

unsigned numOperands(const ir::Function &F) {
  unsigned N = 1 + (unsigned)F.Inputs.size();
  for (const OutputSlot &S : outputSlots(F))
    N += (unsigned)S.Components.size();
  return F.Outputs.empty() ? N : N - 1;
}

//===----------------------------------------------------------------------===//
// Planning the outputs
//===----------------------------------------------------------------------===//

std::vector<KernelEmitter::OutputPlan> KernelEmitter::planOutputs() const {
  if (F.Outputs.empty()) {
    // The original ABI: the result, or one numexpr reduction into ptrs[0].
    ResultPlan R = planResult();
    OutputPlan P;
    P.Inst = F.Result;
    P.Op = R.Reduce || R.Accumulate ? R.Op : Opcode::Input;
    P.Type = R.Type;
    P.ItemSize = R.ItemSize;
    P.M = R.Reduce       ? OutputPlan::Fold
          : R.Accumulate ? OutputPlan::Accumulate
                         : OutputPlan::Store;
    P.Operands = {0};
    P.Components = {R.Type};
    // A float sum folds its call's elements with Neumaier's compensation,
    // so that a call's result is within an ulp of its exact sum whatever
    // its length (docs/accuracy.md: the runtime's blocks then join in a
    // tree, and the whole sum stays within numpy's pairwise bound).
    if (R.Reduce && R.Op == Opcode::Sum &&
        (R.Type == DType::Float32 || R.Type == DType::Float64 ||
         R.Type == DType::Complex128)) {
      P.A = OutputPlan::Compensated;
      P.Operands = {0, 0};
      P.Components = {R.Type, R.Type};
      P.ValueSlot = true;
    }
    return {P};
  }
  std::vector<OutputPlan> Plans;
  unsigned First = 0;
  for (const OutputSlot &S : outputSlots(F)) {
    const Inst &I = F.Insts[S.Inst];
    OutputPlan P;
    P.Inst = S.Inst;
    P.Operands = S.Operands;
    P.Components = S.Components;
    if (ir::isReduction(I.Op)) {
      P.Op = I.Op;
      P.Type = F.Insts[I.Operands[0]].Type;
      P.M = Spec.Layouts[S.Operands[0]] == Layout::Broadcast
                ? OutputPlan::Fold
                : OutputPlan::Accumulate;
      if (I.Op == Opcode::Var || I.Op == Opcode::Std)
        P.A = OutputPlan::Welford;
      else if (S.Components.size() == 2)
        P.A = OutputPlan::Compensated;
    } else {
      P.Type = I.Type;
      P.ItemSize = I.ItemSize;
    }
    if (P.M == OutputPlan::Fold) {
      P.First = First;
      First += (unsigned)P.Components.size();
    }
    Plans.push_back(std::move(P));
  }
  return Plans;
}

//===----------------------------------------------------------------------===//
// The loops' work per output
//===----------------------------------------------------------------------===//

KernelEmitter::State
KernelEmitter::foldIdentity(const std::vector<OutputPlan> &Outs) {
  State S;
  for (const OutputPlan &P : Outs)
    if (P.M == OutputPlan::Fold)
      for (Val V : stateIdentity(P))
        S.push_back(V);
  return S;
}

void KernelEmitter::updateOutputs(const std::vector<OutputPlan> &Outs,
                                  State &S) {
  for (const OutputPlan &P : Outs) {
    Val X = Cache[P.Inst];
    size_t N = P.Components.size();
    switch (P.M) {
    case OutputPlan::Store:
      storeOperand(P.Operands[0], X, P.Type, P.ItemSize, P.ItemSize);
      break;
    case OutputPlan::Fold: {
      std::vector<Val> Cur(S.begin() + P.First, S.begin() + P.First + N);
      std::vector<Val> Next = stateUpdate(P, Cur, X, /*LaneCount=*/true);
      std::copy(Next.begin(), Next.end(), S.begin() + P.First);
      break;
    }
    case OutputPlan::Accumulate: {
      std::vector<Val> Cur;
      for (size_t C = 0; C < N; ++C)
        Cur.push_back(loadOperand(P.Operands[C], P.Components[C], P.ItemSize));
      std::vector<Val> Next = stateUpdate(P, Cur, X, /*LaneCount=*/false);
      for (size_t C = 0; C < N; ++C)
        storeOperand(P.Operands[C], Next[C], P.Components[C], P.ItemSize,
                     P.ItemSize);
      break;
    }
    }
  }
}

KernelEmitter::State
KernelEmitter::foldLanes(const std::vector<OutputPlan> &Outs,
                         const State &Vec) {
  unsigned Lanes = VF;
  State Out(Vec.size());
  for (const OutputPlan &P : Outs) {
    if (P.M != OutputPlan::Fold)
      continue;
    size_t N = P.Components.size();
    std::vector<Val> Cur(Vec.begin() + P.First, Vec.begin() + P.First + N);
    std::vector<Val> H = Cur;
    VF = Lanes;
    if (Lanes > 1 && P.A == OutputPlan::Plain) {
      H = {horizontal(P.Op, P.Type, Cur[0])};
    } else if (Lanes > 1) {
      // Lane states, joined pairwise (a tree, as accurate as the lanes).
      std::vector<std::vector<Val>> Level;
      for (unsigned L = 0; L < Lanes; ++L) {
        std::vector<Val> One;
        for (size_t C = 0; C < N; ++C) {
          const Val &V = Cur[C];
          if (!V.V->getType()->isVectorTy()) { // Welford's shared count
            One.push_back(V);
            continue;
          }
          One.push_back({B.CreateExtractElement(V.V, L),
                         V.Im ? B.CreateExtractElement(V.Im, L) : nullptr});
        }
        Level.push_back(std::move(One));
      }
      VF = 1;
      while (Level.size() > 1) {
        std::vector<std::vector<Val>> Up;
        for (size_t K = 0; K + 1 < Level.size(); K += 2)
          Up.push_back(stateCombine(P, Level[K], Level[K + 1]));
        if (Level.size() % 2)
          Up.push_back(Level.back());
        Level = std::move(Up);
      }
      H = Level[0];
    }
    VF = 1;
    std::vector<Val> Prev;
    for (size_t C = 0; C < N; ++C)
      Prev.push_back(P.ValueSlot && C
                         ? stateIdentity(P)[C]
                         : loadScalarAt(Base[P.Operands[C]], P.Components[C]));
    std::vector<Val> Joined = stateCombine(P, Prev, H);
    std::copy(Joined.begin(), Joined.end(), Out.begin() + P.First);
  }
  VF = 1;
  return Out;
}

void KernelEmitter::storeFolded(const std::vector<OutputPlan> &Outs,
                                const State &S) {
  for (const OutputPlan &P : Outs)
    if (P.M == OutputPlan::Fold && P.ValueSlot)
      storeScalarAt(Base[P.Operands[0]],
                    compensatedValue(S[P.First], S[P.First + 1]),
                    P.Components[0], 0, 0);
    else if (P.M == OutputPlan::Fold)
      for (size_t C = 0; C < P.Components.size(); ++C)
        storeScalarAt(Base[P.Operands[C]], S[P.First + C], P.Components[C], 0,
                      0);
}

//===----------------------------------------------------------------------===//
// The three algorithms
//===----------------------------------------------------------------------===//

std::vector<Val> KernelEmitter::stateIdentity(const OutputPlan &P) {
  bool Complex = P.Type == DType::Complex128;
  DType Part = Complex ? DType::Float64 : P.Type;
  auto Zero = [&] {
    return Val{constOf(Part, 0.0), Complex ? constOf(Part, 0.0) : nullptr};
  };
  switch (P.A) {
  case OutputPlan::Plain:
    return {reductionIdentity(P.Op, P.Type)};
  case OutputPlan::Compensated:
    return {Zero(), Zero()};
  case OutputPlan::Welford: {
    // The lanes of a fold share one count: a scalar.
    Val N{ConstantFP::get(B.getDoubleTy(), 0.0)};
    return {N, Zero(), {constOf(DType::Float64, 0.0)}};
  }
  }
  return {};
}

Val KernelEmitter::compensatedValue(Val S, Val C) {
  // As Runtime/States.cpp: the compensation means nothing once the sum is
  // no longer finite.
  auto Part = [&](Value *Sp, Value *Cp) -> Value * {
    Value *Finite = B.CreateFCmpOLT(
        intrinsic(Intrinsic::fabs, {Sp}),
        ConstantFP::getInfinity(Sp->getType()->getScalarType()));
    return B.CreateSelect(Finite, B.CreateFAdd(Sp, Cp), Sp);
  };
  return {Part(S.V, C.V), S.Im ? Part(S.Im, C.Im) : nullptr};
}

std::pair<Value *, Value *> KernelEmitter::twoSumAdd(Value *S, Value *C,
                                                     Value *X) {
  // T = S + X; Z = T - S; E = (S - (T - Z)) + (X - Z): the rounding error
  // of S + X, exact for any magnitudes (barring overflow).
  Value *T = B.CreateFAdd(S, X);
  Value *Z = B.CreateFSub(T, S);
  Value *E = B.CreateFAdd(B.CreateFSub(S, B.CreateFSub(T, Z)),
                          B.CreateFSub(X, Z));
  return {T, B.CreateFAdd(C, E)};
}

std::pair<Value *, Value *> KernelEmitter::compensatedAdd(Value *S, Value *C,
                                                          Value *X) {
  Value *T = B.CreateFAdd(S, X);
  // The rounding error of S + X, exact whichever operand is larger.
  Value *Big = B.CreateFCmpOGE(intrinsic(Intrinsic::fabs, {S}),
                               intrinsic(Intrinsic::fabs, {X}));
  Value *E = B.CreateSelect(Big, B.CreateFAdd(B.CreateFSub(S, T), X),
                            B.CreateFAdd(B.CreateFSub(X, T), S));
  return {T, B.CreateFAdd(C, E)};
}

std::vector<Val> KernelEmitter::stateUpdate(const OutputPlan &P,
                                            std::vector<Val> S, Val X,
                                            bool LaneCount) {
  switch (P.A) {
  case OutputPlan::Plain:
    return {combine(P.Op, P.Type, S[0], X)};
  case OutputPlan::Compensated: {
    // A value slot's fold (a one-kernel sum) uses Knuth's branch-free
    // TwoSum: the same exact error as Neumaier's step, fewer operations.
    auto Add = [&](Value *Sp, Value *Cp, Value *Xp) {
      return P.ValueSlot ? twoSumAdd(Sp, Cp, Xp) : compensatedAdd(Sp, Cp, Xp);
    };
    auto [Re, ReC] = Add(S[0].V, S[1].V, X.V);
    if (!X.Im)
      return {{Re}, {ReC}};
    auto [Im, ImC] = Add(S[0].Im, S[1].Im, X.Im);
    return {{Re, Im}, {ReC, ImC}};
  }
  case OutputPlan::Welford: {
    // n += 1; d = x - mean; mean += d / n; M2 += d * (x - mean).
    Value *N = S[0].V;
    bool Shared = LaneCount && !N->getType()->isVectorTy();
    Value *One = Shared ? (Value *)ConstantFP::get(B.getDoubleTy(), 1.0)
                        : constOf(DType::Float64, 1.0);
    Value *N1 = B.CreateFAdd(N, One);
    // A shared count divides once per iteration, not once per lane.
    Value *Rcp = Shared ? splat(B.CreateFDiv(One, N1)) : nullptr;
    auto Step = [&](Value *Mean, Value *Xp) {
      Value *D = B.CreateFSub(Xp, Mean);
      Value *Inc = Rcp ? B.CreateFMul(D, Rcp) : B.CreateFDiv(D, N1);
      Value *NewMean = B.CreateFAdd(Mean, Inc);
      return std::make_pair(NewMean,
                            B.CreateFMul(D, B.CreateFSub(Xp, NewMean)));
    };
    auto [MeanRe, DeltaRe] = Step(S[1].V, X.V);
    Value *M2 = B.CreateFAdd(S[2].V, DeltaRe);
    Value *MeanIm = nullptr;
    if (X.Im) {
      auto [Im, DeltaIm] = Step(S[1].Im, X.Im);
      MeanIm = Im;
      M2 = B.CreateFAdd(M2, DeltaIm);
    }
    return {{N1}, {MeanRe, MeanIm}, {M2}};
  }
  }
  return S;
}

std::vector<Val> KernelEmitter::stateCombine(const OutputPlan &P,
                                             std::vector<Val> A,
                                             std::vector<Val> Bv) {
  switch (P.A) {
  case OutputPlan::Plain:
    return {combine(P.Op, P.Type, A[0], Bv[0])};
  case OutputPlan::Compensated: {
    // (s1, c1) + (s2, c2) = (s1 + s2, c1 + c2 + the rounding of s1 + s2).
    auto Join = [&](Value *S1, Value *C1, Value *S2, Value *C2) {
      auto [T, E] = compensatedAdd(S1, ConstantFP::get(S1->getType(), 0.0), S2);
      return std::make_pair(T, B.CreateFAdd(B.CreateFAdd(C1, C2), E));
    };
    auto [Re, ReC] = Join(A[0].V, A[1].V, Bv[0].V, Bv[1].V);
    if (!A[0].Im)
      return {{Re}, {ReC}};
    auto [Im, ImC] = Join(A[0].Im, A[1].Im, Bv[0].Im, Bv[1].Im);
    return {{Re, Im}, {ReC, ImC}};
  }
  case OutputPlan::Welford:
    return chanCombine(A, Bv, P.Type == DType::Complex128);
  }
  return A;
}

std::vector<Val> KernelEmitter::chanCombine(const std::vector<Val> &A,
                                            const std::vector<Val> &Bv,
                                            bool Complex) {
  // n = na + nb; mean = ma + (mb - ma) * nb/n;
  // M2 = M2a + M2b + |mb - ma|^2 * na * nb/n (0 when both are empty).
  Value *N = B.CreateFAdd(A[0].V, Bv[0].V);
  Value *Zero = ConstantFP::get(N->getType(), 0.0);
  Value *Frac =
      B.CreateSelect(B.CreateFCmpOGT(N, Zero), B.CreateFDiv(Bv[0].V, N), Zero);
  Value *DRe = B.CreateFSub(Bv[1].V, A[1].V);
  Value *MeanRe = B.CreateFAdd(A[1].V, B.CreateFMul(DRe, Frac));
  Value *DD = B.CreateFMul(DRe, DRe);
  Value *MeanIm = nullptr;
  if (Complex) {
    Value *DIm = B.CreateFSub(Bv[1].Im, A[1].Im);
    MeanIm = B.CreateFAdd(A[1].Im, B.CreateFMul(DIm, Frac));
    DD = B.CreateFAdd(DD, B.CreateFMul(DIm, DIm));
  }
  Value *M2 = B.CreateFAdd(B.CreateFAdd(A[2].V, Bv[2].V),
                           B.CreateFMul(DD, B.CreateFMul(A[0].V, Frac)));
  return {{N}, {MeanRe, MeanIm}, {M2}};
}

} // namespace nejit::codegen
