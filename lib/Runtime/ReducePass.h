//===- Runtime/ReducePass.h - One reduce pass of a plan ---------*- C++ -*-===//
/// \file
/// Runs a kernel that computes several reductions over the same operands
/// and axes in one pass over memory. Every reduced value is accumulated in
/// a state (Runtime/States.h) and finished into a contiguous result array
/// over the kept dimensions (row-major). Three ways, as Driver.cpp's
/// reductions, cut and joined by ReduceChunker.h: one result folds its
/// blocks in parallel; with the reduced dimension innermost in memory each
/// result folds its own blocks; with a kept dimension innermost whole rows
/// update the state arrays elementwise.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_REDUCEPASS_H
#define NEJIT_RUNTIME_REDUCEPASS_H

#include "Runtime/Driver.h"
#include "Runtime/States.h"

namespace nejit::runtime {

struct ReduceOutput {
  StateKind Kind;
  std::vector<unsigned> Operands; ///< kernel operand per state component
  char *Result = nullptr;         ///< kept-shape array of Kind.Result
};

struct ReduceRequest {
  int NDim = 0;
  const int64_t *Shape = nullptr;     ///< the reductions' operand shape
  llvm::SmallVector<bool, 6> Reduced; ///< per dimension
  unsigned NumOperands = 0;           ///< the kernel's
  /// Input i is kernel operand 1 + i: data and NDim byte strides.
  llvm::SmallVector<char *, 6> InputData;
  llvm::SmallVector<const int64_t *, 6> InputStrides;
  llvm::SmallVector<int64_t, 6> InputSizes; ///< element bytes
  std::vector<ReduceOutput> Outputs;
  /// When set, read between blocks: once true the pass stops (its results
  /// then meaningless; the caller reads *Cancel).
  const std::atomic<bool> *Cancel = nullptr;
};

llvm::Error runReducePass(const ReduceRequest &R, const VariantFn &Variant);

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_REDUCEPASS_H
