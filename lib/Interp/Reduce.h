//===- Interp/Reduce.h - Reductions folded as the JIT folds -----*- C++ -*-===//
/// \file
/// A reduction kernel keeps VF vector lanes, lane L folding elements L,
/// L + VF, ... of its vector part; after the loop it folds the lanes into
/// one value, lane 0 first, folds that into the accumulator it was given,
/// then folds the scalar tail in order. Floating-point folds do not
/// associate, so the interpreter reproduces exactly this order, with the
/// same arithmetic: wrapping integer sums and products, IEEE float sums and
/// products, numexpr's complex product formula, and min/max with the
/// semantics x86 code generation gives LLVM's minnum/maxnum (a NaN
/// accumulator takes the new value; a NaN new value is skipped; of two equal
/// values the accumulator is kept). A float sum instead keeps a (sum,
/// compensation) pair per lane, adds the call's first elements in groups
/// of codegen::SumUnroll vectors folded with TwoSum (the rest one vector at
/// a time), joins the lanes in a tree, then the accumulator as (value, 0),
/// then the tail, and stores value + compensation, as CodeGen's
/// emitUnrolledSum and Compensated fold with a value slot do.
///
/// This is the in-call half of a reduction's order; the other half, which
/// elements each call gets and how calls' results join, is the runtime's
/// (Runtime/ReduceChunker.h) and the same for both tiers.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_INTERP_REDUCE_H
#define NEJIT_INTERP_REDUCE_H

#include "IR/IR.h"

#include <cstdint>

namespace nejit::interp {

/// Whether the folds below support (Op, T).
bool canReduce(ir::Opcode Op, DType T);

/// The lane accumulators of a reduction over one kernel call.
struct LaneAccumulator {
  alignas(64) unsigned char Bytes[64 * 16];
  /// A float sum: elements of the call's unrolled part (a multiple of
  /// codegen::SumUnroll * VF), and elements folded so far.
  int64_t Unrolled = 0, Done = 0;
};

/// Every lane holds the identity of Op, for a call over N elements.
void initLanes(LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
               int64_t N);

/// Folds X[0, N) into the lanes, N a multiple of VF: X[I] into lane I % VF.
void foldLanes(LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
               const char *X, int64_t N);

/// *Acc = fold of (*Acc, lanes folded lane 0 first), then of Tail[0, TailN).
void finishLanes(const LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
                 char *Acc, const char *Tail, int64_t TailN);

/// Out[I * OutStride] = fold(Out[I * OutStride], X[I]) for I < N: the
/// kernel variant that accumulates along a kept axis.
void accumulate(ir::Opcode Op, DType T, char *Out, int64_t OutStride,
                const char *X, int64_t N);

} // namespace nejit::interp

#endif // NEJIT_INTERP_REDUCE_H
