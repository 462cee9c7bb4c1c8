//===- Runtime/ReduceChunker.h - The fixed decomposition of reductions -*- C++ -*-===//
/// \file
/// The one definition of how a reduction's range is cut into kernel calls
/// and in which order the partial results are combined, for the driver's
/// one-kernel reductions (Driver.cpp) and a plan's reduce passes
/// (ReducePass.cpp) alike, in every tier: the interpreter's kernels fold a
/// call's elements exactly as the JIT's do (Interp/Reduce.h), so the calls
/// and joins decided here are all that is left to fix.
///
/// A fold (the reduced dimension innermost in memory, or one result) cuts
/// the reduced space into blocks that depend on its shape only (BlockPlan),
/// folds every block from the identity with one kernel call per line
/// segment, and joins the block states pairwise in block order. The thread
/// count only decides which thread folds which block, so the result is the
/// same bits for any thread count and schedule.
///
/// A row accumulation (a kept dimension innermost) updates each output
/// element with the reduced positions in order; threads own disjoint
/// output elements, so again no result depends on the thread count.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_REDUCECHUNKER_H
#define NEJIT_RUNTIME_REDUCECHUNKER_H

#include "Runtime/Driver.h"
#include "Runtime/IterSpace.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"

#include <atomic>
#include <cstdint>

namespace nejit::runtime {

/// Elements per block of a fold: long enough that a kernel call's fixed
/// cost and the join do not show (at 4096 a float64 sum streaming from
/// memory ran 6-10% slower), short enough for many blocks per thread. The
/// kernels' compensated float sums make a block's own error independent of
/// its length (docs/accuracy.md states the bound).
constexpr int64_t ReduceBlock = 16384;

/// Above this many blocks the block length doubles (a function of the
/// size, never of the threads), so that the block states stay few.
constexpr int64_t MaxReduceBlocks = int64_t(1) << 18;

/// The blocks of a reduced space: with lines of at least the block length,
/// each line is cut into segments of the block length (the last shorter);
/// with shorter lines, each block is a run of whole lines of at most the
/// block length in total (at least one line).
class BlockPlan {
public:
  explicit BlockPlan(const Space &Red);

  /// Where block B lies: lines [FirstLine, EndLine), elements [Begin, End)
  /// of each of them.
  struct Extent {
    int64_t FirstLine, EndLine, Begin, End;
  };

  int64_t count() const { return Blocks; }
  int64_t blockLength() const { return BlockLen; }
  int64_t elements() const { return Line * Outer; }
  Extent extent(int64_t B) const;

private:
  int64_t Line, Outer, BlockLen, Segments, LinesPer, Blocks;
  bool SplitLines;
};

/// A fold of a reduced space into one state of StateBytes bytes (the
/// components of every reduction a kernel computes, side by side).
struct FoldTask {
  const Space &Red;            ///< the reduced dimensions, every operand
  llvm::ArrayRef<char *> Data; ///< per kernel operand
  KernelRef Fn;                ///< the variant with broadcast states
  size_t StateBytes;
  /// Writes the identity into State.
  llvm::function_ref<void(char *State)> Identity; ///< (callables outlive it)
  /// Points the state operands of the kernel's operand array P at State.
  llvm::function_ref<void(char *State, char **P)> Bind;
  /// A = A then B (B's elements follow A's).
  llvm::function_ref<void(char *A, const char *B)> Combine;
  const std::atomic<bool> *Cancel = nullptr;
};

/// Folds the positions of T.Red at byte offsets Base (one per operand) into
/// Into: every block of BlockPlan(T.Red) from the identity, on up to
/// threadsFor(elements) threads when Parallel, then the block states joined
/// pairwise in block order. Into is left unspecified once T.Cancel is set.
void foldBlocks(const FoldTask &T, llvm::ArrayRef<int64_t> Base, char *Into,
                bool Parallel);

/// Joins N states of Bytes bytes each, stored one after another, pairwise
/// in order: (0,1) (2,3) ..., then those pairs, and so on; an odd state out
/// joins at the next level. Leaves the result in the first state.
void joinPairwise(char *States, int64_t N, size_t Bytes,
                  llvm::function_ref<void(char *A, const char *B)> Combine);

/// A row accumulation: the state operands run along Out (byte strides
/// there, 0 along Red) and are updated in place.
struct RowTask {
  const Space &Out;            ///< the kept dimensions, every operand
  const Space &Red;            ///< the reduced dimensions, unit inner dim
  llvm::ArrayRef<char *> Data; ///< per kernel operand
  KernelRef Fn;                ///< the variant that accumulates elementwise
  const std::atomic<bool> *Cancel = nullptr;
};

/// For every element of T.Out, applies the reduced positions of T.Red in
/// order. Output rows go to threads, or, with fewer rows than threads,
/// column chunks starting on 64-element boundaries.
void accumulateRows(const RowTask &T);

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_REDUCECHUNKER_H
