//===- Transforms/CSE.cpp - Common subexpression elimination --------------===//
/// \file
/// Instructions are in dependency order, so one forward walk with a table of
/// already-seen instructions (after rewriting operands) merges every
/// duplicate. Constants compare bitwise (0.0 and -0.0 stay apart).
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

#include <cstring>
#include <map>
#include <tuple>

namespace nejit::transforms {

void eliminateCommonSubexpressions(ir::Function &F) {
  std::vector<int> Replacement(F.Insts.size());
  // Key: printed identity of an instruction with remapped operands.
  std::map<std::string, int> Seen;
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    ir::Inst &I = F.Insts[Id];
    for (int &O : I.Operands)
      O = Replacement[O];
    std::string Key =
        std::to_string((int)I.Op) + ":" + std::to_string((int)I.Type) + ":" +
        std::to_string(I.ItemSize) + ":" + std::to_string(I.InputIndex) + ":" +
        (I.Op == ir::Opcode::Const ? I.Value.str() : "") + ":" +
        (I.Axis ? std::to_string(*I.Axis) : "-") + ":" +
        std::to_string(I.KeepDims) + ":" + std::to_string(I.Ddof);
    if (I.Op == ir::Opcode::Const && I.Value.Type != DType::Bytes) {
      // str() may round; add the exact bits.
      Key += ":" + std::to_string(I.Value.I) + ":";
      uint64_t Bits;
      std::memcpy(&Bits, &I.Value.F, sizeof Bits);
      Key += std::to_string(Bits);
      std::memcpy(&Bits, &I.Value.C, sizeof Bits);
      Key += ":" + std::to_string(Bits);
      double Im = I.Value.C.imag();
      std::memcpy(&Bits, &Im, sizeof Bits);
      Key += ":" + std::to_string(Bits);
    }
    for (int O : I.Operands)
      Key += "," + std::to_string(O);
    auto [It, Inserted] = Seen.emplace(Key, (int)Id);
    Replacement[Id] = It->second;
  }
  F.remapOutputs([&](int Id) { return Replacement[Id]; });
}

void eliminateDeadCode(ir::Function &F) {
  std::vector<bool> Live(F.Insts.size(), false);
  for (int O : F.outputs())
    Live[O] = true;
  for (int Id = (int)F.Insts.size() - 1; Id >= 0; --Id)
    if (Live[Id])
      for (int O : F.Insts[Id].Operands)
        Live[O] = true;
  std::vector<int> NewId(F.Insts.size(), -1);
  std::vector<ir::Inst> Kept;
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    if (!Live[Id])
      continue;
    ir::Inst I = std::move(F.Insts[Id]);
    for (int &O : I.Operands)
      O = NewId[O];
    NewId[Id] = (int)Kept.size();
    Kept.push_back(std::move(I));
  }
  F.remapOutputs([&](int Id) { return NewId[Id]; });
  F.Insts = std::move(Kept);
}

} // namespace nejit::transforms
