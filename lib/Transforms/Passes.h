//===- Transforms/Passes.h - IR to IR passes --------------------*- C++ -*-===//
/// \file
/// Each pass is a free function that rewrites a Function in place and keeps
/// it valid (ir::verify holds after each). Pipeline.cpp runs them in order.
/// Power expansion and division by a constant happen in Sema, because in
/// numexpr they change result types (i4**2.0 is int32).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_TRANSFORMS_PASSES_H
#define NEJIT_TRANSFORMS_PASSES_H

#include "IR/IR.h"

namespace nejit::transforms {

/// Replaces operations whose operands are all constants by their value, where
/// the result is exactly what the generated code would compute (IEEE
/// arithmetic, casts, comparisons).
void foldConstants(ir::Function &F);

/// where(c, x, x) -> x; where(~c, a, b) -> where(c, b, a).
void canonicalizeSelects(ir::Function &F);

/// Merges identical instructions (same opcode, type, operands, value).
void eliminateCommonSubexpressions(ir::Function &F);

/// Drops instructions the result does not use and renumbers the rest.
void eliminateDeadCode(ir::Function &F);

/// The whole pipeline, in order; see Pipeline.cpp.
void runPipeline(ir::Function &F);

/// Not part of the pipeline: applied to the copy of the optimized IR that
/// CodeGen compiles and the JIT cache key names. Turns each constant whose
/// value does not shape the generated code into an input appended to
/// F.Inputs (counted in F.NumParams), to be passed at run time with a
/// broadcast layout. Returns the lifted values, in parameter order.
std::vector<ir::Scalar> liftConstants(ir::Function &F);

} // namespace nejit::transforms

#endif // NEJIT_TRANSFORMS_PASSES_H
