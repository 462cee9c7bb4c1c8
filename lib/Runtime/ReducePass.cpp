//===- Runtime/ReducePass.cpp - One reduce pass of a plan -----------------===//
/// \file
/// The kernel's operands are the inputs (broadcast to the iteration shape by
/// their strides) and every component of every reduction's state: state
/// arrays over the kept dimensions (stride 0 along the reduced ones), or,
/// while a block is folded, one state element per component.
//===----------------------------------------------------------------------===//
#include "Runtime/ReducePass.h"
#include "Runtime/IterSpace.h"
#include "Runtime/ReduceChunker.h"

#include <algorithm>
#include <cstring>

namespace nejit::runtime {

using codegen::KernelSpec;
using codegen::Layout;

namespace {

/// What the VariantFn gives: a kernel to call as KernelFn is called.
using KernelHandle = decltype(std::declval<const VariantFn &>()(
    std::declval<const KernelSpec &>()));

/// Every kernel operand over the NDim iteration dimensions.
struct Table {
  llvm::SmallVector<char *, 8> Data;
  llvm::SmallVector<DimVector, 8> Strides; ///< [operand][dim], bytes
  llvm::SmallVector<int64_t, 8> Sizes;     ///< element bytes
  llvm::SmallVector<bool, 8> IsState;
};

Space simplify(llvm::ArrayRef<int> Dims, const int64_t *Shape, const Table &T,
               int OrderOp) {
  return simplifySpace(Dims, Shape, T.Strides, T.Data.size(), OrderOp);
}

/// The kernel variant for loops along S's innermost dimension; States:
/// whether the state operands are single elements (a fold).
KernelSpec specFor(const Space &S, const Table &T, bool FoldStates) {
  KernelSpec Spec;
  for (size_t K = 0; K < T.Data.size(); ++K) {
    int64_t St = S.inner(K);
    if ((T.IsState[K] && FoldStates) || St == 0)
      Spec.Layouts.push_back(Layout::Broadcast);
    else if (St == T.Sizes[K])
      Spec.Layouts.push_back(Layout::Contiguous);
    else
      Spec.Layouts.push_back(Layout::Strided);
  }
  return Spec;
}

/// The states of every reduction of the pass, side by side: the layout of
/// one block's state (each component 16-byte aligned).
struct StateLayout {
  std::vector<std::vector<size_t>> Offsets; ///< [output][component]
  size_t Bytes = 0;
  explicit StateLayout(const ReduceRequest &R) {
    for (const ReduceOutput &O : R.Outputs) {
      Offsets.emplace_back();
      for (int64_t Size : O.Kind.Sizes) {
        Offsets.back().push_back(Bytes);
        Bytes += (size_t)((Size + 15) & ~int64_t(15));
      }
    }
  }
  void pointers(char *Base, size_t Out,
                llvm::SmallVectorImpl<char *> &P) const {
    P.clear();
    for (size_t Off : Offsets[Out])
      P.push_back(Base + Off);
  }
};

class PassRunner {
public:
  PassRunner(const ReduceRequest &R, const VariantFn &Variant)
      : R(R), Variant(Variant), Layout(R) {}

  llvm::Error run();

private:
  const ReduceRequest &R;
  const VariantFn &Variant;
  StateLayout Layout;
  Table T;
  /// [output][component]: the state arrays over the kept elements.
  std::vector<std::vector<std::vector<char>>> Arrays;
  int64_t Count = 1, OutCount = 1;
  llvm::SmallVector<int, 6> ReducedDims, KeptDims;

  void buildTable();
  void forEachState(char *Block,
                    llvm::function_ref<void(size_t, char *const *)> Fn) const;
  /// Folds the positions of Red at byte offsets Base, block by block, into
  /// the block state Into; Parallel: the blocks on several threads.
  void foldSpace(const KernelHandle &Fn, const Space &Red,
                 const DimVector &Base, char *Into, bool Parallel);
  void foldAll();
  void foldEach();
  void accumulateRows();
  bool innermostIsKept() const;
  bool cancelled() const {
    return R.Cancel && R.Cancel->load(std::memory_order_relaxed);
  }
};

void PassRunner::buildTable() {
  unsigned NOps = R.NumOperands;
  T.Data.assign(NOps, nullptr);
  T.Strides.assign(NOps, DimVector(R.NDim, 0));
  T.Sizes.assign(NOps, 0);
  T.IsState.assign(NOps, false);
  for (size_t I = 0; I < R.InputData.size(); ++I) {
    T.Data[1 + I] = R.InputData[I];
    for (int D = 0; D < R.NDim; ++D)
      T.Strides[1 + I][D] = R.InputStrides[I][D];
    T.Sizes[1 + I] = R.InputSizes[I];
  }
  // State arrays: row-major over the kept dimensions.
  DimVector KeptStride(R.NDim, 0);
  int64_t Step = 1;
  for (int K = (int)KeptDims.size() - 1; K >= 0; --K) {
    KeptStride[KeptDims[K]] = Step;
    Step *= R.Shape[KeptDims[K]];
  }
  Arrays.resize(R.Outputs.size());
  for (size_t O = 0; O < R.Outputs.size(); ++O) {
    const ReduceOutput &Out = R.Outputs[O];
    for (size_t C = 0; C < Out.Operands.size(); ++C) {
      int64_t Size = Out.Kind.Sizes[C];
      Arrays[O].emplace_back((size_t)(OutCount * Size));
      unsigned K = Out.Operands[C];
      T.Data[K] = Arrays[O][C].data();
      T.Sizes[K] = Size;
      T.IsState[K] = true;
      for (int D = 0; D < R.NDim; ++D)
        T.Strides[K][D] = KeptStride[D] * Size;
    }
  }
}

void PassRunner::forEachState(
    char *Block, llvm::function_ref<void(size_t, char *const *)> Fn) const {
  llvm::SmallVector<char *, 4> P;
  for (size_t O = 0; O < R.Outputs.size(); ++O) {
    Layout.pointers(Block, O, P);
    Fn(O, P.data());
  }
}

void PassRunner::foldSpace(const KernelHandle &Fn, const Space &Red,
                           const DimVector &Base, char *Into, bool Parallel) {
  // Named: FoldTask refers to them (function_ref).
  auto Identity = [&](char *State) {
    forEachState(State, [&](size_t O, char *const *P) {
      stateIdentity(R.Outputs[O].Kind, P);
    });
  };
  auto Bind = [&](char *State, char **P) {
    for (size_t O = 0; O < R.Outputs.size(); ++O)
      for (size_t C = 0; C < R.Outputs[O].Operands.size(); ++C)
        P[R.Outputs[O].Operands[C]] = State + Layout.Offsets[O][C];
  };
  auto Combine = [&](char *A, const char *B) {
    llvm::SmallVector<char *, 4> PA, PB;
    for (size_t O = 0; O < R.Outputs.size(); ++O) {
      Layout.pointers(A, O, PA);
      Layout.pointers(const_cast<char *>(B), O, PB);
      stateCombine(R.Outputs[O].Kind, PA.data(), PB.data());
    }
  };
  FoldTask Task{Red,     T.Data,  Fn,      Layout.Bytes,
                Identity, Bind,   Combine, R.Cancel};
  foldBlocks(Task, Base, Into, Parallel);
}

/// Copies a block state into (or from) element E of the state arrays.
static void copyState(const ReduceRequest &R, const StateLayout &Layout,
                      std::vector<std::vector<std::vector<char>>> &Arrays,
                      int64_t E, char *Block, bool ToArrays) {
  for (size_t O = 0; O < R.Outputs.size(); ++O)
    for (size_t C = 0; C < R.Outputs[O].Operands.size(); ++C) {
      int64_t Size = R.Outputs[O].Kind.Sizes[C];
      char *A = Arrays[O][C].data() + E * Size;
      char *S = Block + Layout.Offsets[O][C];
      if (ToArrays)
        std::memcpy(A, S, (size_t)Size);
      else
        std::memcpy(S, A, (size_t)Size);
    }
}

void PassRunner::foldAll() {
  int OrderOp = R.InputData.empty() ? 0 : 1;
  Space Red = simplify(ReducedDims, R.Shape, T, OrderOp);
  KernelHandle Fn = Variant(specFor(Red, T, /*FoldStates=*/true));
  std::vector<char> Block(Layout.Bytes);
  foldSpace(Fn, Red, DimVector(T.Data.size(), 0), Block.data(), true);
  copyState(R, Layout, Arrays, 0, Block.data(), true);
}

void PassRunner::foldEach() {
  int OrderOp = R.InputData.empty() ? 0 : 1;
  Space Red = simplify(ReducedDims, R.Shape, T, OrderOp);
  Space Out = withUnitInner(simplify(KeptDims, R.Shape, T, OrderOp));
  KernelHandle Fn = Variant(specFor(Red, T, /*FoldStates=*/true));
  int Threads = threadsFor(Count * OutCount);
  auto One = [&](int64_t Pos) {
    DimVector Off;
    outerOffsets(Out, Pos, Off);
    std::vector<char> Block(Layout.Bytes);
    foldSpace(Fn, Red, Off, Block.data(), false);
    // The state element of this position: its offset in any state array.
    int64_t E = 0;
    for (size_t K = 0; K < T.Data.size(); ++K)
      if (T.IsState[K]) {
        E = Off[K] / T.Sizes[K];
        break;
      }
    copyState(R, Layout, Arrays, E, Block.data(), true);
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

void PassRunner::accumulateRows() {
  int OrderOp = R.InputData.empty() ? 0 : 1;
  Space Red = withUnitInner(simplify(ReducedDims, R.Shape, T, OrderOp));
  Space Out = simplify(KeptDims, R.Shape, T, OrderOp);
  KernelHandle Fn = Variant(specFor(Out, T, /*FoldStates=*/false));
  runtime::accumulateRows({Out, Red, T.Data, Fn, R.Cancel});
}

bool PassRunner::innermostIsKept() const {
  if (R.InputData.empty())
    return false;
  int Best = -1;
  for (int D = 0; D < R.NDim; ++D) {
    int64_t St = std::llabs(T.Strides[1][D]);
    if (R.Shape[D] > 1 && St != 0 &&
        (Best < 0 || St < std::llabs(T.Strides[1][Best])))
      Best = D;
  }
  return Best >= 0 && !R.Reduced[Best];
}

llvm::Error PassRunner::run() {
  for (int D = 0; D < R.NDim; ++D) {
    (R.Reduced[D] ? ReducedDims : KeptDims).push_back(D);
    (R.Reduced[D] ? Count : OutCount) *= R.Shape[D];
  }
  if (OutCount == 0)
    return llvm::Error::success();
  buildTable();
  // Every state starts from the identity (an empty reduction stays there).
  llvm::SmallVector<char *, 4> P;
  for (int64_t E = 0; E < OutCount; ++E)
    for (size_t O = 0; O < R.Outputs.size(); ++O) {
      P.clear();
      for (size_t C = 0; C < R.Outputs[O].Operands.size(); ++C)
        P.push_back(Arrays[O][C].data() + E * R.Outputs[O].Kind.Sizes[C]);
      stateIdentity(R.Outputs[O].Kind, P.data());
    }
  if (Count > 0) {
    if (OutCount == 1)
      foldAll();
    else if (innermostIsKept())
      accumulateRows();
    else
      foldEach();
  }
  for (size_t O = 0; O < R.Outputs.size(); ++O) {
    const ReduceOutput &Out = R.Outputs[O];
    int64_t ResultSize = dtypeSize(Out.Kind.Result);
    for (int64_t E = 0; E < OutCount; ++E) {
      P.clear();
      for (size_t C = 0; C < Out.Operands.size(); ++C)
        P.push_back(Arrays[O][C].data() + E * Out.Kind.Sizes[C]);
      if (auto Err = stateFinish(Out.Kind, P.data(), Count,
                                 Out.Result + E * ResultSize))
        return Err;
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error runReducePass(const ReduceRequest &R, const VariantFn &Variant) {
  return PassRunner(R, Variant).run();
}

} // namespace nejit::runtime
