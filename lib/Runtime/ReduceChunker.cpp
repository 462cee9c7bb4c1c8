//===- Runtime/ReduceChunker.cpp - The fixed decomposition of reductions --===//
/// \file
/// Block states live in one array, so that the join reads them in block
/// order whichever thread wrote them.
//===----------------------------------------------------------------------===//
#include "Runtime/ReduceChunker.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstddef>

namespace nejit::runtime {

namespace {

bool cancelled(const std::atomic<bool> *Cancel) {
  return Cancel && Cancel->load(std::memory_order_relaxed);
}

/// Runs Body(I) for I in [0, N) on Threads threads (the calling thread
/// alone when 1). Each I is independent: which thread runs it is free.
template <typename Fn> void parallelFor(int64_t N, int Threads, Fn &&Body) {
  if (Threads <= 1) {
    for (int64_t I = 0; I < N; ++I)
      Body(I);
    return;
  }
#pragma omp parallel for num_threads(Threads) schedule(static)
  for (int64_t I = 0; I < N; ++I)
    Body(I);
}

} // namespace

BlockPlan::BlockPlan(const Space &Red)
    : Line(Red.line()), Outer(Red.outer()), BlockLen(ReduceBlock) {
  int64_t Elements = Line * Outer;
  while (Elements / BlockLen >= MaxReduceBlocks)
    BlockLen *= 2;
  SplitLines = Line >= BlockLen;
  Segments = SplitLines ? (Line + BlockLen - 1) / BlockLen : 1;
  LinesPer = SplitLines ? 1 : std::max<int64_t>(1, BlockLen / Line);
  Blocks = SplitLines ? Outer * Segments : (Outer + LinesPer - 1) / LinesPer;
}

BlockPlan::Extent BlockPlan::extent(int64_t B) const {
  if (SplitLines) {
    int64_t Begin = (B % Segments) * BlockLen;
    return {B / Segments, B / Segments + 1, Begin,
            std::min(Line, Begin + BlockLen)};
  }
  int64_t First = B * LinesPer;
  return {First, std::min(Outer, First + LinesPer), 0, Line};
}

void joinPairwise(char *States, int64_t N, size_t Bytes,
                  llvm::function_ref<void(char *A, const char *B)> Combine) {
  for (int64_t Step = 1; Step < N; Step *= 2)
    for (int64_t B = 0; B + Step < N; B += 2 * Step)
      Combine(States + (size_t)B * Bytes, States + (size_t)(B + Step) * Bytes);
}

void foldBlocks(const FoldTask &T, llvm::ArrayRef<int64_t> Base, char *Into,
                bool Parallel) {
  BlockPlan Plan(T.Red);
  size_t NOps = T.Data.size();
  int64_t Blocks = Plan.count();
  // Inline for a few blocks: a reduction per output element must not
  // allocate. Each state is aligned as malloc aligns (the driver's Acc
  // holds 16-byte members: UBSan caught them misaligned in char storage).
  size_t Stride = llvm::alignTo(T.StateBytes, alignof(std::max_align_t));
  llvm::SmallVector<std::max_align_t, 32> Storage(
      llvm::divideCeil((size_t)Blocks * Stride, sizeof(std::max_align_t)));
  char *States = reinterpret_cast<char *>(Storage.data());
  DimVector Inner(NOps);
  for (size_t K = 0; K < NOps; ++K)
    Inner[K] = T.Red.inner(K);

  auto Block = [&](int64_t B) {
    char *State = States + (size_t)B * Stride;
    T.Identity(State);
    if (cancelled(T.Cancel))
      return;
    BlockPlan::Extent X = Plan.extent(B);
    llvm::SmallVector<char *, InlineOperands> P(NOps);
    DimVector Off;
    for (int64_t L = X.FirstLine; L < X.EndLine; ++L) {
      outerOffsets(T.Red, L, Off);
      for (size_t K = 0; K < NOps; ++K)
        P[K] = T.Data[K] + Base[K] + Off[K] + X.Begin * Inner[K];
      T.Bind(State, P.data());
      callPieces(T.Fn, X.End - X.Begin, P.data(), Inner.data(), NOps,
                 T.Cancel);
    }
  };
  parallelFor(Blocks, Parallel ? threadsFor(Plan.elements()) : 1, Block);
  if (Blocks == 0) {
    T.Identity(Into);
    return;
  }
  joinPairwise(States, Blocks, Stride, T.Combine);
  std::copy(States, States + T.StateBytes, Into);
}

void accumulateRows(const RowTask &T) {
  size_t NOps = T.Data.size();
  DimVector Inner(NOps);
  for (size_t K = 0; K < NOps; ++K)
    Inner[K] = T.Out.inner(K);
  int64_t Len = T.Out.line(), Rows = T.Out.outer(), Count = 1;
  for (int64_t E : T.Red.Shape)
    Count *= E;
  int Threads = threadsFor(Len * Rows * Count);
  // Rows among threads, or with fewer rows than threads column chunks;
  // either way every state element sees the reduced positions in order.
  bool SplitRows = Rows >= Threads;
  int64_t Step =
      SplitRows ? Len : ((Len + Threads - 1) / Threads + 63) & ~int64_t(63);
  int64_t Chunks = SplitRows ? Rows : (Len + Step - 1) / Step;
  auto Chunk = [&](int64_t C) {
    int64_t RowBegin = SplitRows ? C : 0, RowEnd = SplitRows ? C + 1 : Rows;
    int64_t ColBegin = SplitRows ? 0 : C * Step;
    int64_t Cols = std::min(Step, Len - ColBegin);
    DimVector RowOff, RedOff;
    llvm::SmallVector<char *, InlineOperands> P(NOps);
    for (int64_t Row = RowBegin; Row < RowEnd; ++Row) {
      outerOffsets(T.Out, Row, RowOff); // over all but the innermost dim
      for (int64_t Pos = 0; Pos < Count && !cancelled(T.Cancel); ++Pos) {
        outerOffsets(T.Red, Pos, RedOff);
        for (size_t K = 0; K < NOps; ++K)
          P[K] = T.Data[K] + RowOff[K] + RedOff[K] + ColBegin * Inner[K];
        callPieces(T.Fn, Cols, P.data(), Inner.data(), NOps, T.Cancel);
      }
    }
  };
  parallelFor(Chunks, Threads, Chunk);
}

} // namespace nejit::runtime
