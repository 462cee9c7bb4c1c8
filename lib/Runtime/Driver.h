//===- Runtime/Driver.h - Running kernels over n-d arrays -------*- C++ -*-===//
/// \file
/// Turns an n-d iteration space into calls of a serial kernel over 1-d index
/// ranges: dimensions are reordered and merged so that the innermost run is
/// as long as possible, each operand's innermost layout (contiguous,
/// broadcast, strided) picks the kernel variant, and large runs are split
/// into chunks run with OpenMP. Reductions get one partial accumulator per
/// chunk, combined in a fixed order. Every kernel call covers at most
/// CancelGrain elements, so that a run can be cancelled between calls.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_DRIVER_H
#define NEJIT_RUNTIME_DRIVER_H

#include "CodeGen/CodeGen.h"
#include "IR/IR.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <atomic>
#include <functional>

namespace nejit::runtime {

using KernelFn = void (*)(int64_t N, char *const *Ptrs, const int64_t *Strides);

/// A serial kernel over an index range as the driver calls it: JIT code, or
/// a function with a context (lib/Interp's interpreter), with KernelFn's
/// arguments and meaning either way.
class KernelRef {
public:
  using ContextFn = void (*)(const void *Ctx, int64_t N, char *const *Ptrs,
                             const int64_t *Strides);
  KernelRef(KernelFn Fn) : Plain(Fn) {}
  KernelRef(ContextFn Fn, const void *Ctx) : WithContext(Fn), Ctx(Ctx) {}
  void operator()(int64_t N, char *const *Ptrs, const int64_t *Strides) const {
    if (WithContext)
      WithContext(Ctx, N, Ptrs, Strides);
    else
      Plain(N, Ptrs, Strides);
  }

private:
  KernelFn Plain = nullptr;
  ContextFn WithContext = nullptr;
  const void *Ctx = nullptr;
};

/// Gives the kernel for one layout variant (may compile).
using VariantFn = llvm::function_ref<KernelRef(const codegen::KernelSpec &)>;

/// Inline capacity of the per-operand vectors: a call on small arrays must
/// not allocate, and lifted constants are operands too (three inputs and
/// four literals are eight operands).
constexpr unsigned InlineOperands = 10;

struct RunRequest {
  int NDim = 0;
  const int64_t *Shape = nullptr;
  /// [0] = out, [1 + i] = inputs (then the kernel's lifted constants)
  llvm::SmallVector<char *, InlineOperands> Data;
  /// Per operand, NDim entries.
  llvm::SmallVector<const int64_t *, InlineOperands> Strides;
  llvm::SmallVector<int64_t, InlineOperands> ElemSizes; ///< per operand, bytes
  DType ResultType = DType::Float64;
  ir::Opcode Reduce = ir::Opcode::Input; ///< a reduction opcode, or Input
  /// The kernel is memory-bound: large outputs may use Layout::Streaming.
  bool MayStreamOutput = false;
  /// When set, the run reads it between kernel calls and stops early (the
  /// output then partly written) once it is true.
  const std::atomic<bool> *Cancel = nullptr;
};

/// Checks that the iteration space is addressable: extents are not
/// negative, and the element count and each operand's byte span fit in
/// int64 (so no offset computed while running can overflow).
llvm::Error checkSpace(const RunRequest &R);

/// Runs an elementwise kernel or a reduction, after checkSpace (whose error
/// it returns, having run nothing). For a reduction, Out's strides are 0
/// along the reduced dimensions.
llvm::Error run(const RunRequest &R, const VariantFn &Variant);

/// Below this many elements a run stays on the calling thread.
constexpr int64_t SerialThreshold = 32768;

/// Threads for a run of Work elements: 1 below SerialThreshold, then one
/// per SerialThreshold / 2 elements up to numThreads(); prepares the
/// parallel region when more than one.
int threadsFor(int64_t Work);

/// No kernel call covers more elements than this: at the slowest kernels'
/// tens of nanoseconds per element a cancellation is seen within a few
/// milliseconds, and the calls are long enough that their fixed cost does
/// not show.
constexpr int64_t CancelGrain = 1 << 16;

/// Calls Fn over N elements in pieces of at most CancelGrain, advancing each
/// of the NOps operands by its Inner stride, and stops before a piece once
/// Cancel is set. The pieces depend on N only.
void callPieces(const KernelRef &Fn, int64_t N, char *const *P,
                const int64_t *Inner, size_t NOps,
                const std::atomic<bool> *Cancel);

/// Outputs of at least this many bytes are written with non-temporal stores.
constexpr int64_t StreamingThreshold = 16 << 20;

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_DRIVER_H
