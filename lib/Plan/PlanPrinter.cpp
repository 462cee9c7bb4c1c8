//===- Plan/PlanPrinter.cpp - The text of nejit-dis --emit=plan -----------===//
/// \file
/// One header line with the number of passes over memory, then each pass
/// (what it computes, then its kernel's IR), then where each output comes
/// from. lit tests match this text.
//===----------------------------------------------------------------------===//
#include "Plan/Plan.h"

namespace nejit::plan {

static std::string outputName(const ir::Function &Program, size_t O) {
  if (O < Program.OutputNames.size() && !Program.OutputNames[O].empty())
    return Program.OutputNames[O];
  return "out" + std::to_string(O);
}

std::string printPlan(const ir::Function &Program, const Plan &P) {
  int Reduce = P.numReducePasses();
  int Total = (int)P.Passes.size();
  std::string Out = "plan: " + std::to_string(Total) + " pass" +
                    (Total == 1 ? "" : "es") + " over memory (" +
                    std::to_string(Reduce) + " reduce, " +
                    std::to_string(Total - Reduce) + " elementwise)\n";
  for (size_t K = 0; K < P.Passes.size(); ++K) {
    const Pass &Ps = P.Passes[K];
    Out += "pass " + std::to_string(K) + ": ";
    if (Ps.K == Pass::Reduce) {
      Out += "reduce";
      for (size_t V = 0; V < P.Values.size(); ++V) {
        if (P.Values[V].Pass != (int)K)
          continue;
        const ir::Inst &I = Program.Insts[P.Values[V].Inst];
        Out += (P.Values[V].Slot ? ", r" : " r") + std::to_string(V) + " = " +
               ir::opcodeName(I.Op) +
               (I.Axis ? "(axis=" + std::to_string(*I.Axis) + ")"
                       : std::string("(axis=none)"));
      }
    } else {
      Out += "elementwise";
      for (size_t W = 0; W < Ps.Writes.size(); ++W)
        Out += (W ? ", " : " ") + outputName(Program, Ps.Writes[W]);
    }
    Out += "\n";
    Out += ir::print(Ps.Body);
  }
  for (size_t O = 0; O < P.Outputs.size(); ++O) {
    const OutputSource &S = P.Outputs[O];
    Out += "output " + outputName(Program, O) + " = ";
    if (S.K == OutputSource::Reduced)
      Out += "r" + std::to_string(S.Index) + "\n";
    else
      Out += "pass " + std::to_string(P.Passes.size() - 1) + " output " +
             std::to_string(S.Index) + "\n";
  }
  return Out;
}

} // namespace nejit::plan
