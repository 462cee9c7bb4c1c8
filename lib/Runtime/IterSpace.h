//===- Runtime/IterSpace.h - Simplified iteration spaces --------*- C++ -*-===//
/// \file
/// The iteration space a run walks: the dimensions without unit extents,
/// ordered by one operand's memory order and merged where every operand is
/// contiguous across them, and the byte offsets of its outer positions.
/// Shared by the driver (Driver.cpp) and a plan's reduce passes
/// (ReducePass.cpp). Small inline vectors: a call on small arrays must not
/// allocate.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_ITERSPACE_H
#define NEJIT_RUNTIME_ITERSPACE_H

#include "Runtime/Driver.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace nejit::runtime {

using DimVector = llvm::SmallVector<int64_t, 6>;

struct Space {
  DimVector Shape;                                      ///< outermost first
  llvm::SmallVector<DimVector, InlineOperands> Strides; ///< [operand][dim]

  /// Elements of the innermost dimension (1 for a 0-d space).
  int64_t line() const { return Shape.empty() ? 1 : Shape.back(); }
  /// Positions of all but the innermost dimension.
  int64_t outer() const {
    int64_t N = 1;
    for (size_t D = 0; D + 1 < Shape.size(); ++D)
      N *= Shape[D];
    return N;
  }
  /// Operand K's innermost stride, in bytes.
  int64_t inner(size_t K) const {
    return Shape.empty() ? 0 : Strides[K].back();
  }
};

/// Space of dimensions Dims of Shape for NOps operands whose byte strides
/// are Strides[K][D] (any table indexable so): unit extents dropped,
/// ordered by operand OrderOp's memory order (largest |stride| outermost),
/// and adjacent dimensions merged where every operand is contiguous across
/// them (a product that would overflow never merges).
template <typename StrideTable>
Space simplifySpace(llvm::ArrayRef<int> Dims, const int64_t *Shape,
                    const StrideTable &Strides, size_t NOps, int OrderOp) {
  Space S;
  S.Strides.resize(NOps);
  llvm::SmallVector<int, 6> Kept;
  for (int D : Dims)
    if (Shape[D] != 1)
      Kept.push_back(D);
  std::stable_sort(Kept.begin(), Kept.end(), [&](int A, int B) {
    return std::llabs(Strides[OrderOp][A]) > std::llabs(Strides[OrderOp][B]);
  });
  for (int D : Kept) {
    bool Merge = !S.Shape.empty();
    for (size_t K = 0; K < NOps && Merge; ++K) {
      int64_t Next;
      Merge = !__builtin_mul_overflow(Strides[K][D], Shape[D], &Next) &&
              S.Strides[K].back() == Next;
    }
    if (Merge) {
      S.Shape.back() *= Shape[D];
      for (size_t K = 0; K < NOps; ++K)
        S.Strides[K].back() = Strides[K][D];
      continue;
    }
    S.Shape.push_back(Shape[D]);
    for (size_t K = 0; K < NOps; ++K)
      S.Strides[K].push_back(Strides[K][D]);
  }
  return S;
}

/// Byte offsets of outer position Pos (row-major over all but the last
/// dimension), one per operand.
inline void outerOffsets(const Space &S, int64_t Pos,
                         llvm::SmallVectorImpl<int64_t> &Off) {
  size_t NOps = S.Strides.size();
  Off.assign(NOps, 0);
  for (int D = (int)S.Shape.size() - 2; D >= 0; --D) {
    int64_t C = Pos % S.Shape[D];
    Pos /= S.Shape[D];
    for (size_t K = 0; K < NOps; ++K)
      Off[K] += C * S.Strides[K][D];
  }
}

/// S with a unit innermost dimension appended, so that outerOffsets()
/// enumerates every position of S.
inline Space withUnitInner(Space S) {
  S.Shape.push_back(1);
  for (auto &St : S.Strides)
    St.push_back(0);
  return S;
}

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_ITERSPACE_H
