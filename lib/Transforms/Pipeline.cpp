//===- Transforms/Pipeline.cpp - The ordered list of passes ---------------===//
/// \file
/// Reads as the pass order. Folding first so that CSE sees folded constants;
/// select canonicalization before CSE so swapped arms merge; DCE last.
//===----------------------------------------------------------------------===//
#include "Transforms/Passes.h"

namespace nejit::transforms {

void runPipeline(ir::Function &F) {
  foldConstants(F);
  canonicalizeSelects(F);
  eliminateCommonSubexpressions(F);
  eliminateDeadCode(F);
}

} // namespace nejit::transforms
