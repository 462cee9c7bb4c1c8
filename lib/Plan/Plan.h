//===- Plan/Plan.h - Execution plans: passes over memory --------*- C++ -*-===//
/// \file
/// A program whose reductions stand anywhere (`(a - mean(a)) / std(a)`) or
/// that has several outputs is run as a plan: an ordered list of passes over
/// memory, as few as the dependencies allow. Reduce pass k computes, in one
/// loop, every reduction whose operand depends on reductions of passes
/// before k only; the one final elementwise pass computes every output that
/// is not itself a reduced value, taking the reduced values as broadcast
/// parameters. Each pass is an ir::Function with the multi-output ABI
/// (CodeGen.h): a reduce pass's outputs are its reduction instructions, an
/// elementwise pass's outputs are the program's outputs it writes.
///
/// Shapes are numpy's and known only at run time (Plan/Shapes.h): the
/// plan is the same for every shape.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PLAN_PLAN_H
#define NEJIT_PLAN_PLAN_H

#include "IR/IR.h"

#include <string>
#include <vector>

namespace nejit::plan {

/// Where an input of a pass comes from.
struct Source {
  enum Kind : uint8_t {
    Input,   ///< the program's input Index
    Reduced, ///< reduced value Index (Plan::Values)
  } K = Input;
  int Index = 0;
};

/// One reduction of the program: computed by a reduce pass, read by later
/// passes (broadcast, numpy's rules) or returned as an output.
struct ReducedValue {
  int Inst = -1; ///< the reduction instruction in the program IR
  int Pass = -1; ///< the reduce pass computing it
  int Slot = -1; ///< its output position in that pass
};

struct Pass {
  enum Kind : uint8_t { Reduce, Elementwise } K = Reduce;
  /// The kernel: Inputs are Sources in order; Outputs set (several
  /// reductions, or several program outputs).
  ir::Function Body;
  std::vector<Source> Sources;
  /// Per Body instruction, the program instruction it copies (a reduced
  /// value read as an input: the reduction's instruction).
  std::vector<int> Origin;
  /// Elementwise: per Body output, the program output it writes.
  std::vector<int> Writes;
};

/// Where a program output's value ends up.
struct OutputSource {
  enum Kind : uint8_t {
    Elementwise, ///< written by the final pass (its output Index)
    Reduced,     ///< a reduced value, Plan::Values[Index]
  } K = Elementwise;
  int Index = 0;
};

struct Plan {
  std::vector<ReducedValue> Values;
  /// Reduce passes in dependency order, then at most one elementwise pass.
  std::vector<Pass> Passes;
  std::vector<OutputSource> Outputs; ///< per program output
  int numReducePasses() const {
    int N = 0;
    for (const Pass &P : Passes)
      N += P.K == Pass::Reduce;
    return N;
  }
};

/// Splits an optimized program into passes. Program.Outputs may be empty
/// (one output, Result).
Plan buildPlan(const ir::Function &Program);

/// Whether Program runs as one kernel of the original ABI: one output and
/// no reduction but, possibly, one numexpr reduction (sum, prod, min, max)
/// as the result with numexpr's axis (none or non-negative) and no
/// keepdims. Everything else runs as a plan.
bool isSingleKernel(const ir::Function &Program);

/// The text of nejit-dis --emit=plan: each pass with what it computes and
/// its kernel's IR, then where each output comes from.
std::string printPlan(const ir::Function &Program, const Plan &P);

/// The same kernel restricted to the outputs Keep (indices into
/// F.Outputs), dead code removed: a pass whose operands turn out to have
/// different shapes at run time is split this way.
ir::Function restrictOutputs(const ir::Function &F,
                             const std::vector<int> &Keep);

} // namespace nejit::plan

#endif // NEJIT_PLAN_PLAN_H
