//===- Plan/PlanBuilder.cpp - Typed IR to ordered passes ------------------===//
/// \file
/// A reduction's level is the number of reductions nested inside its
/// operand: level-0 reductions read inputs only and are computed together
/// in the first pass, level-1 ones in the second, and so on; the final
/// elementwise pass computes every output that is not a reduced value. Each
/// pass copies the instructions its roots need, reading earlier reduced
/// values as inputs, so a temporary shared by several passes is recomputed
/// in registers rather than stored.
//===----------------------------------------------------------------------===//
#include "Plan/Plan.h"

#include "Transforms/Passes.h"

#include <algorithm>
#include <map>

namespace nejit::plan {

using ir::Inst;
using ir::Opcode;

bool isSingleKernel(const ir::Function &P) {
  if (!P.Outputs.empty())
    return false;
  for (size_t Id = 0; Id < P.Insts.size(); ++Id) {
    const Inst &I = P.Insts[Id];
    if (!ir::isReduction(I.Op))
      continue;
    if ((int)Id != P.Result || !ir::isNumexprReduction(I.Op) || I.KeepDims ||
        (I.Axis && *I.Axis < 0))
      return false;
  }
  return true;
}

namespace {

class Builder {
public:
  explicit Builder(const ir::Function &P) : P(P) {}

  Plan run() {
    computeLevels();
    std::vector<int> Outs = P.outputs();
    int MaxLevel = 0;
    for (int L : Level)
      MaxLevel = std::max(MaxLevel, L);
    // Reduce pass k: the reductions whose operand has level k.
    for (int K = 0; K < MaxLevel; ++K) {
      std::vector<int> Roots;
      for (size_t Id = 0; Id < P.Insts.size(); ++Id)
        if (ir::isReduction(P.Insts[Id].Op) &&
            Level[P.Insts[Id].Operands[0]] == K)
          Roots.push_back((int)Id);
      Pass Ps = makePass(Pass::Reduce, Roots);
      for (size_t S = 0; S < Roots.size(); ++S) {
        ReducedValue V;
        V.Inst = Roots[S];
        V.Pass = (int)Out.Passes.size();
        V.Slot = (int)S;
        ValueOf[Roots[S]] = (int)Out.Values.size();
        Out.Values.push_back(V);
      }
      Out.Passes.push_back(std::move(Ps));
    }
    // The outputs that are reduced values need no further pass.
    std::vector<int> Roots, Writes;
    for (size_t O = 0; O < Outs.size(); ++O) {
      auto It = ValueOf.find(Outs[O]);
      if (It != ValueOf.end()) {
        Out.Outputs.push_back({OutputSource::Reduced, It->second});
        continue;
      }
      Out.Outputs.push_back({OutputSource::Elementwise, (int)Roots.size()});
      Roots.push_back(Outs[O]);
      Writes.push_back((int)O);
    }
    if (!Roots.empty()) {
      Pass Ps = makePass(Pass::Elementwise, Roots);
      Ps.Writes = std::move(Writes);
      if (!P.OutputNames.empty())
        for (int W : Ps.Writes)
          Ps.Body.OutputNames.push_back(P.OutputNames[W]);
      Out.Passes.push_back(std::move(Ps));
    }
    return std::move(Out);
  }

private:
  const ir::Function &P;
  std::vector<int> Level;     ///< reductions below (and at) each instruction
  std::map<int, int> ValueOf; ///< reduction instruction -> Plan::Values
  Plan Out;

  void computeLevels() {
    Level.assign(P.Insts.size(), 0);
    for (size_t Id = 0; Id < P.Insts.size(); ++Id) {
      int L = 0;
      for (int O : P.Insts[Id].Operands)
        L = std::max(L, Level[O]);
      Level[Id] = L + (ir::isReduction(P.Insts[Id].Op) ? 1 : 0);
    }
  }

  /// The kernel computing Roots: every instruction they need, with the
  /// reduced values of earlier passes as inputs.
  Pass makePass(Pass::Kind K, const std::vector<int> &Roots) {
    Pass Ps;
    Ps.K = K;
    std::vector<bool> Needed(P.Insts.size(), false);
    for (int R : Roots)
      Needed[R] = true;
    auto IsRoot = [&](int Id) {
      return std::find(Roots.begin(), Roots.end(), Id) != Roots.end();
    };
    for (int Id = (int)P.Insts.size() - 1; Id >= 0; --Id) {
      if (!Needed[Id])
        continue;
      // An earlier reduced value is an input here: its operands are not.
      if (ir::isReduction(P.Insts[Id].Op) && !IsRoot(Id))
        continue;
      for (int O : P.Insts[Id].Operands)
        Needed[O] = true;
    }
    ir::Function &B = Ps.Body;
    std::vector<int> NewId(P.Insts.size(), -1);
    std::map<std::pair<int, int>, int> InputOf; // source -> Body input
    auto AddInput = [&](Source S, const Arg &A) {
      auto Key = std::make_pair((int)S.K, S.Index);
      auto It = InputOf.find(Key);
      if (It != InputOf.end())
        return It->second;
      int Index = (int)B.Inputs.size();
      B.Inputs.push_back(A);
      Ps.Sources.push_back(S);
      InputOf[Key] = Index;
      return Index;
    };
    for (size_t Id = 0; Id < P.Insts.size(); ++Id) {
      if (!Needed[Id])
        continue;
      const Inst &I = P.Insts[Id];
      Inst C = I;
      if (I.Op == Opcode::Input) {
        C.InputIndex =
            AddInput({Source::Input, I.InputIndex}, P.Inputs[I.InputIndex]);
      } else if (ir::isReduction(I.Op) && !IsRoot((int)Id)) {
        Arg A;
        A.Name = "r" + std::to_string(ValueOf.at((int)Id));
        A.Type = I.Type;
        C = Inst{Opcode::Input, I.Type};
        C.Loc = I.Loc;
        C.InputIndex = AddInput({Source::Reduced, ValueOf.at((int)Id)}, A);
      } else {
        for (int &O : C.Operands)
          O = NewId[O];
      }
      NewId[Id] = B.add(std::move(C));
      Ps.Origin.push_back((int)Id);
    }
    for (int R : Roots)
      B.Outputs.push_back(NewId[R]);
    B.Result = B.Outputs[0];
    return Ps;
  }
};

} // namespace

Plan buildPlan(const ir::Function &Program) { return Builder(Program).run(); }

ir::Function restrictOutputs(const ir::Function &F,
                             const std::vector<int> &Keep) {
  ir::Function R = F;
  R.Outputs.clear();
  R.OutputNames.clear();
  for (int K : Keep) {
    R.Outputs.push_back(F.Outputs[K]);
    if (!F.OutputNames.empty())
      R.OutputNames.push_back(F.OutputNames[K]);
  }
  R.Result = R.Outputs[0];
  transforms::eliminateDeadCode(R);
  return R;
}

} // namespace nejit::plan
