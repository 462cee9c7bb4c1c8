//===- Transforms/SelectCanon.cpp - Canonical where() ---------------------===//
/// \file
/// Simplifies selections so that CodeGen sees one form: an inverted
/// condition swaps the arms, equal arms drop the select.
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

namespace nejit::transforms {

using ir::Opcode;

void canonicalizeSelects(ir::Function &F) {
  for (size_t Id = 0; Id < F.Insts.size(); ++Id) {
    ir::Inst &I = F.Insts[Id];
    if (I.Op != Opcode::Where)
      continue;
    const ir::Inst &Cond = F.Insts[I.Operands[0]];
    if (Cond.Op == Opcode::Invert && Cond.Type == DType::Bool) {
      I.Operands = {Cond.Operands[0], I.Operands[2], I.Operands[1]};
    }
    if (I.Operands[1] == I.Operands[2]) {
      // Become a copy of the arm; DCE removes the condition if unused.
      int Arm = I.Operands[1];
      I.Op = Opcode::Copy;
      I.Operands = {Arm};
    }
  }
}

} // namespace nejit::transforms
