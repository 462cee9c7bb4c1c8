//===- Runtime/Driver.cpp - Running kernels over n-d arrays ---------------===//
/// \file
/// All threading of nejit is here, in code compiled ahead of time: the JIT
/// emits a serial kernel over an index range and this file calls it per
/// chunk inside `#pragma omp parallel for`. A run stops early between
/// kernel calls when its cancellation flag is set.
//===----------------------------------------------------------------------===//
#include "Runtime/Driver.h"
#include "Runtime/IterSpace.h"
#include "Runtime/ReduceChunker.h"
#include "Runtime/Threads.h"
#include "Support/Diagnostic.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <numeric>

namespace nejit::runtime {

using codegen::KernelSpec;
using codegen::Layout;

int threadsFor(int64_t Work) {
  if (Work < SerialThreshold)
    return 1;
  int Threads = (int)std::max<int64_t>(
      1, std::min<int64_t>(numThreads(), Work / (SerialThreshold / 2)));
  if (Threads > 1)
    prepareParallelRegion();
  return Threads;
}

namespace {

bool cancelled(const std::atomic<bool> *Cancel) {
  return Cancel && Cancel->load(std::memory_order_relaxed);
}

/// One entry per operand.
using OpVector = llvm::SmallVector<int64_t, InlineOperands>;
using PtrVector = llvm::SmallVector<char *, InlineOperands>;

Space simplify(llvm::ArrayRef<int> Dims, const RunRequest &R,
               int OrderOperand) {
  return simplifySpace(Dims, R.Shape, R.Strides, R.Data.size(), OrderOperand);
}

/// StreamOutput: the output is large enough to be written with
/// non-temporal stores (see Layout::Streaming).
KernelSpec specFor(const Space &S, const RunRequest &R,
                   bool StreamOutput = false) {
  KernelSpec Spec;
  for (size_t K = 0; K < R.Data.size(); ++K) {
    int64_t St = S.Shape.empty() ? 0 : S.Strides[K].back();
    if (S.Shape.empty())
      Spec.Layouts.push_back(K == 0 ? Layout::Contiguous : Layout::Broadcast);
    else if (St == 0 && K != 0)
      Spec.Layouts.push_back(Layout::Broadcast);
    else if (St == R.ElemSizes[K])
      Spec.Layouts.push_back(K == 0 && StreamOutput ? Layout::Streaming
                                                    : Layout::Contiguous);
    else
      Spec.Layouts.push_back(Layout::Strided);
  }
  return Spec;
}

/// Whether an output of Bytes bytes at Data should bypass the caches: only
/// when it is far larger than the caches, so that nobody expects to read it
/// back from them, and element-aligned, so that a peel can align it.
bool shouldStream(const RunRequest &R, int64_t Len) {
  int64_t Elem = R.ElemSizes[0], Bytes;
  if (__builtin_mul_overflow(Len, Elem, &Bytes))
    Bytes = INT64_MAX;
  return R.MayStreamOutput && Bytes >= StreamingThreshold && Elem > 1 &&
         reinterpret_cast<uintptr_t>(R.Data[0]) % Elem == 0;
}

//===--- reduction accumulators (one element of the result type) ---------===//
struct Acc {
  alignas(16) unsigned char Bytes[16] = {};
};

template <typename T> T &as(Acc &A) { return *reinterpret_cast<T *>(A.Bytes); }

void setIdentity(Acc &A, DType T, ir::Opcode Op) {
  bool Sum = Op == ir::Opcode::Sum, Prod = Op == ir::Opcode::Prod,
       Min = Op == ir::Opcode::Min;
  switch (T) {
  case DType::Int32:
    as<int32_t>(A) = Sum ? 0 : Prod ? 1 : Min ? INT32_MAX : INT32_MIN;
    break;
  case DType::Int64:
    as<int64_t>(A) = Sum ? 0 : Prod ? 1 : Min ? INT64_MAX : INT64_MIN;
    break;
  case DType::Float32:
    as<float>(A) = Sum ? 0.0f : Prod ? 1.0f : NAN;
    break;
  case DType::Float64:
    as<double>(A) = Sum ? 0.0 : Prod ? 1.0 : NAN;
    break;
  case DType::Complex128:
    as<std::complex<double>>(A) = Prod ? 1.0 : 0.0;
    break;
  default:
    break;
  }
}

template <typename T> T combineValues(ir::Opcode Op, T A, T B) {
  switch (Op) {
  case ir::Opcode::Sum:
    return A + B;
  case ir::Opcode::Prod:
    return A * B;
  case ir::Opcode::Min:
    if constexpr (std::is_floating_point_v<T>)
      return std::fmin(A, B);
    else
      return std::min(A, B);
  default:
    if constexpr (std::is_floating_point_v<T>)
      return std::fmax(A, B);
    else
      return std::max(A, B);
  }
}

void combineInto(Acc &A, const Acc &B, DType T, ir::Opcode Op) {
  Acc &BB = const_cast<Acc &>(B);
  switch (T) {
  case DType::Int32:
    if (Op == ir::Opcode::Min || Op == ir::Opcode::Max)
      as<int32_t>(A) = combineValues(Op, as<int32_t>(A), as<int32_t>(BB));
    else // wrap around like the kernel does
      as<uint32_t>(A) = combineValues(Op, as<uint32_t>(A), as<uint32_t>(BB));
    break;
  case DType::Int64:
    if (Op == ir::Opcode::Min || Op == ir::Opcode::Max)
      as<int64_t>(A) = combineValues(Op, as<int64_t>(A), as<int64_t>(BB));
    else // wrap around like the kernel does
      as<uint64_t>(A) = combineValues(Op, as<uint64_t>(A), as<uint64_t>(BB));
    break;
  case DType::Float32:
    as<float>(A) = combineValues(Op, as<float>(A), as<float>(BB));
    break;
  case DType::Float64:
    as<double>(A) = combineValues(Op, as<double>(A), as<double>(BB));
    break;
  case DType::Complex128: {
    auto &X = as<std::complex<double>>(A);
    auto Y = as<std::complex<double>>(BB);
    X = Op == ir::Opcode::Prod ? X * Y : X + Y;
    break;
  }
  default:
    break;
  }
}

void runElementwise(const RunRequest &R, const VariantFn &Variant) {
  llvm::SmallVector<int, 6> Dims(R.NDim);
  std::iota(Dims.begin(), Dims.end(), 0);
  Space S = simplify(Dims, R, 0);
  size_t NOps = R.Data.size();
  OpVector Inner(NOps);
  for (size_t K = 0; K < NOps; ++K)
    Inner[K] = S.Shape.empty() ? R.ElemSizes[K] : S.Strides[K].back();
  int64_t Len = S.Shape.empty() ? 1 : S.Shape.back();
  int64_t Outer = 1;
  for (size_t D = 0; D + 1 < S.Shape.size(); ++D)
    Outer *= S.Shape[D];
  // Stream only one long run: each kernel call ends with an sfence, which
  // waits for the write-combining buffers, so a call per row would pay it
  // thousands of times.
  KernelRef Fn = Variant(specFor(S, R, Outer == 1 && shouldStream(R, Len)));
  int Threads = threadsFor(Len * Outer);

  if (Outer == 1) {
    if (Threads == 1) {
      callPieces(Fn, Len, R.Data.data(), Inner.data(), NOps, R.Cancel);
      return;
    }
    // Chunk starts on 64-element boundaries keep vector loops aligned.
    int64_t Chunk = ((Len + Threads - 1) / Threads + 63) & ~int64_t(63);
    int64_t NumChunks = (Len + Chunk - 1) / Chunk;
#pragma omp parallel for num_threads(Threads) schedule(static)
    for (int64_t C = 0; C < NumChunks; ++C) {
      int64_t Start = C * Chunk, N = std::min(Chunk, Len - Start);
      PtrVector P(NOps);
      for (size_t K = 0; K < NOps; ++K)
        P[K] = R.Data[K] + Start * Inner[K];
      callPieces(Fn, N, P.data(), Inner.data(), NOps, R.Cancel);
    }
    return;
  }
  // An operand whose inner stride spans cache lines (a transposed array)
  // touches a new line per element. Walking the rows in blocks of
  // TileRows, TileCols columns at a time, lets the next rows reuse those
  // lines while they are still in L1.
  bool Tile = false;
  for (size_t K = 0; K < NOps; ++K)
    Tile |= std::llabs(Inner[K]) >= 64;
  const int64_t TileRows = Tile ? 8 : 1;
  const int64_t TileCols = Tile ? 256 : Len;
  auto Block = [&](int64_t B) {
    OpVector Off;
    PtrVector P(NOps);
    int64_t RowEnd = std::min(Outer, (B + 1) * TileRows);
    for (int64_t Col = 0; Col < Len && !cancelled(R.Cancel); Col += TileCols)
      for (int64_t Pos = B * TileRows; Pos < RowEnd; ++Pos) {
        outerOffsets(S, Pos, Off);
        for (size_t K = 0; K < NOps; ++K)
          P[K] = R.Data[K] + Off[K] + Col * Inner[K];
        callPieces(Fn, std::min(TileCols, Len - Col), P.data(), Inner.data(),
                   NOps, R.Cancel);
      }
  };
  int64_t Blocks = (Outer + TileRows - 1) / TileRows;
  if (Threads == 1) {
    for (int64_t B = 0; B < Blocks; ++B)
      Block(B);
    return;
  }
#pragma omp parallel for num_threads(Threads) schedule(static)
  for (int64_t B = 0; B < Blocks; ++B)
    Block(B);
}

void storeAcc(char *Out, const Acc &A, DType T) {
  std::memcpy(Out, A.Bytes, (size_t)dtypeSize(T));
}

/// An axis reduction whose innermost memory dimension is kept: accumulate
/// whole rows elementwise into the output (out[j] = op(out[j], x[r, j])),
/// rather than walking a strided column per output element (the chunker's
/// row accumulation).
void runAccumulate(const RunRequest &R, const VariantFn &Variant,
                   const Space &Red, const Space &Out) {
  KernelRef Fn = Variant(specFor(Out, R));
  int64_t Len = Out.line(), OutOuter = Out.outer();
  Space RedAll = withUnitInner(Red);

  // Every output element starts as the identity.
  Acc Identity;
  setIdentity(Identity, R.ResultType, R.Reduce);
  Space OutAll = withUnitInner(Out);
  OpVector Off;
  for (int64_t Pos = 0, N = OutOuter * Len; Pos < N; ++Pos) {
    outerOffsets(OutAll, Pos, Off);
    storeAcc(R.Data[0] + Off[0], Identity, R.ResultType);
  }

  accumulateRows({Out, RedAll, R.Data, Fn, R.Cancel});
}

/// Whether the first input's fastest-varying dimension is one the
/// reduction keeps (then runAccumulate reads memory in order).
bool innermostIsKept(const RunRequest &R) {
  if (R.Data.size() < 2)
    return false;
  int Best = -1;
  for (int D = 0; D < R.NDim; ++D) {
    int64_t St = std::llabs(R.Strides[1][D]);
    if (R.Shape[D] > 1 && St != 0 &&
        (Best < 0 || St < std::llabs(R.Strides[1][Best])))
      Best = D;
  }
  return Best >= 0 && R.Strides[0][Best] != 0;
}

void runReduction(const RunRequest &R, const VariantFn &Variant) {
  llvm::SmallVector<int, 6> Reduced, Kept;
  for (int D = 0; D < R.NDim; ++D)
    (R.Strides[0][D] == 0 ? Reduced : Kept).push_back(D);
  // Order the reduced dims by the first input's memory order.
  int OrderOp = R.Data.size() > 1 ? 1 : 0;
  Space Red = simplify(Reduced, R, OrderOp);
  Space Out = simplify(Kept, R, 0);
  size_t NOps = R.Data.size();
  if (!Out.Shape.empty() && !Red.Shape.empty() && innermostIsKept(R)) {
    runAccumulate(R, Variant, Red, Out);
    return;
  }

  KernelSpec Spec = specFor(Red, R);
  Spec.Layouts[0] = Layout::Broadcast; // one accumulator for the whole loop
  if (Red.Shape.empty())
    for (size_t K = 1; K < NOps; ++K)
      Spec.Layouts[K] = Layout::Broadcast;
  KernelRef Fn = Variant(Spec);
  // Named: FoldTask refers to them (function_ref).
  auto Identity = [&](char *State) {
    setIdentity(*reinterpret_cast<Acc *>(State), R.ResultType, R.Reduce);
  };
  auto Bind = [](char *State, char **P) { P[0] = State; };
  auto Combine = [&](char *A, const char *B) {
    combineInto(*reinterpret_cast<Acc *>(A), *reinterpret_cast<const Acc *>(B),
                R.ResultType, R.Reduce);
  };
  FoldTask Task{Red, R.Data, Fn, sizeof(Acc), Identity, Bind, Combine,
                R.Cancel};
  int64_t OutCount = 1;
  for (int64_t E : Out.Shape)
    OutCount *= E;
  if (OutCount == 1) {
    // One result: its blocks run in parallel.
    Acc Total;
    foldBlocks(Task, OpVector(NOps, 0), reinterpret_cast<char *>(Total.Bytes),
               /*Parallel=*/true);
    if (!cancelled(R.Cancel)) // a partial total is no result
      storeAcc(R.Data[0], Total, R.ResultType);
    return;
  }
  // One result per output element, each folded on one thread.
  Space OutAll = withUnitInner(Out);
  int Threads = threadsFor(Red.line() * Red.outer() * OutCount);
  auto One = [&](int64_t Pos) {
    if (cancelled(R.Cancel))
      return;
    OpVector Off;
    outerOffsets(OutAll, Pos, Off);
    Acc A;
    foldBlocks(Task, Off, reinterpret_cast<char *>(A.Bytes),
               /*Parallel=*/false);
    if (!cancelled(R.Cancel))
      storeAcc(R.Data[0] + Off[0], A, R.ResultType);
  };
  if (Threads == 1) {
    for (int64_t Pos = 0; Pos < OutCount; ++Pos)
      One(Pos);
    return;
  }
#pragma omp parallel for num_threads(Threads) schedule(static)
  for (int64_t Pos = 0; Pos < OutCount; ++Pos)
    One(Pos);
}

} // namespace

void callPieces(const KernelRef &Fn, int64_t N, char *const *P,
                const int64_t *Inner, size_t NOps,
                const std::atomic<bool> *Cancel) {
  if (N <= CancelGrain) {
    Fn(N, P, Inner);
    return;
  }
  PtrVector Q(P, P + NOps);
  for (int64_t Done = 0; Done < N && !cancelled(Cancel); Done += CancelGrain) {
    int64_t Piece = std::min(CancelGrain, N - Done);
    Fn(Piece, Q.data(), Inner);
    for (size_t K = 0; K < NOps; ++K)
      Q[K] += Piece * Inner[K];
  }
}

/// Whether every operand's byte span fits in int64, exactly: the sum over
/// dimensions of (extent - 1) * |stride|, plus the element size.
static bool spansFit(const RunRequest &R) {
  for (size_t K = 0; K < R.Data.size(); ++K) {
    int64_t Span = R.ElemSizes[K];
    for (int D = 0; D < R.NDim; ++D) {
      int64_t St = R.Strides[K][D], Ext;
      if (St == INT64_MIN ||
          __builtin_mul_overflow(R.Shape[D] - 1, St < 0 ? -St : St, &Ext) ||
          __builtin_add_overflow(Span, Ext, &Span))
        return false;
    }
  }
  return true;
}

llvm::Error checkSpace(const RunRequest &R) {
  bool Empty = false, Overflow = false;
  int64_t Total = 1;
  uint64_t Steps = 0; // sum of (extent - 1) <= Total - 1
  for (int D = 0; D < R.NDim; ++D) {
    int64_t E = R.Shape[D];
    if (E < 0)
      return makeError(ErrorKind::Value,
                       "negative extent in the iteration shape");
    Empty |= E == 0;
    Overflow |= __builtin_mul_overflow(Total, E, &Total);
    Steps += uint64_t(E) - 1;
  }
  if (Empty)
    return llvm::Error::success();
  // numpy's message for an iteration space larger than npy_intp.
  if (Overflow)
    return makeError(ErrorKind::Value, "iterator is too large");
  // Offsets reached while running are partial sums of each operand's
  // (extent - 1) * |stride|. Cheap bound first (the per-call path runs
  // this): Steps * the largest |stride| + the largest element.
  uint64_t MaxStride = 0, MaxElem = 0, Bound;
  for (size_t K = 0; K < R.Data.size(); ++K) {
    MaxElem = std::max(MaxElem, uint64_t(R.ElemSizes[K]));
    for (int D = 0; D < R.NDim; ++D) {
      int64_t St = R.Strides[K][D];
      MaxStride = std::max(MaxStride, St < 0 ? 0 - uint64_t(St) : uint64_t(St));
    }
  }
  if (!__builtin_mul_overflow(Steps, MaxStride, &Bound) &&
      Bound <= uint64_t(INT64_MAX) - MaxElem)
    return llvm::Error::success();
  if (!spansFit(R))
    return makeError(ErrorKind::Value, "iterator is too large");
  return llvm::Error::success();
}

llvm::Error run(const RunRequest &R, const VariantFn &Variant) {
  if (llvm::Error E = checkSpace(R))
    return E;
  int64_t Total = 1; // cannot overflow unless an extent is 0 (checkSpace)
  for (int D = 0; D < R.NDim && Total != 0; ++D)
    Total = R.Shape[D] == 0 ? 0 : Total * R.Shape[D];
  bool IsReduction = ir::isReduction(R.Reduce);
  if (Total == 0) {
    if (IsReduction) {
      // An empty reduction gives the identity, as numpy's sum/prod do.
      Acc A;
      setIdentity(A, R.ResultType, R.Reduce);
      llvm::SmallVector<int, 6> Kept;
      for (int D = 0; D < R.NDim; ++D)
        if (R.Strides[0][D] != 0)
          Kept.push_back(D);
      int64_t OutCount = 1;
      for (int D : Kept)
        if (__builtin_mul_overflow(OutCount, R.Shape[D], &OutCount))
          return makeError(ErrorKind::Value, "iterator is too large");
      for (int64_t Pos = 0; Pos < OutCount; ++Pos) {
        int64_t Off = 0, P = Pos;
        for (int I = (int)Kept.size() - 1; I >= 0; --I) {
          Off += (P % R.Shape[Kept[I]]) * R.Strides[0][Kept[I]];
          P /= R.Shape[Kept[I]];
        }
        storeAcc(R.Data[0] + Off, A, R.ResultType);
      }
    }
    return llvm::Error::success();
  }
  if (IsReduction)
    runReduction(R, Variant);
  else
    runElementwise(R, Variant);
  return llvm::Error::success();
}

} // namespace nejit::runtime
