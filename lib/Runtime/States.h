//===- Runtime/States.h - Reduction states outside the kernel ---*- C++ -*-===//
/// \file
/// The runtime's half of the plan's reductions: the identity a state starts
/// from, the combination of two partial states (chunk partials, blocks of
/// a long reduction) and the reduced value a state finally gives. Each
/// mirrors the kernel's own update (CodeGen/EmitStates.cpp) operation for
/// operation, so a result does not depend on where a partial was combined.
/// A state is one element per component (codegen::stateComponents), each
/// at its own address.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_STATES_H
#define NEJIT_RUNTIME_STATES_H

#include "IR/IR.h"
#include "Support/Diagnostic.h"

#include <vector>

namespace nejit::runtime {

/// What the runtime needs to know about one reduction's state.
struct StateKind {
  ir::Opcode Op = ir::Opcode::Sum;
  DType Operand = DType::Float64; ///< the accumulated values' type
  DType Result = DType::Float64;  ///< the reduction instruction's type
  int Ddof = 0;
  SourceLoc Loc; ///< for the error of an empty min/max
  enum Algorithm : uint8_t { Plain, Compensated, Welford } A = Plain;
  std::vector<DType> Components;
  std::vector<int64_t> Sizes; ///< bytes per component
};

/// The state of reduction I of kernel F (F.Outputs set).
StateKind stateKind(const ir::Function &F, const ir::Inst &I);

/// Writes the identity into C[k] (one element per component).
void stateIdentity(const StateKind &K, char *const *C);

/// A = A then B (B's elements come after A's).
void stateCombine(const StateKind &K, char *const *A, const char *const *Bv);

/// The reduced value over Count elements into Out (K.Result's type). An
/// empty min or max has no identity: an error, as in numpy.
llvm::Error stateFinish(const StateKind &K, const char *const *C, int64_t Count,
                        char *Out);

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_STATES_H
