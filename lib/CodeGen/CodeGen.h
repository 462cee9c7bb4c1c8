//===- CodeGen/CodeGen.h - Typed IR to LLVM IR ------------------*- C++ -*-===//
/// \file
/// Emits one fused loop per kernel: an explicit vector body at the host's
/// natural width, then a scalar tail. The generated function is serial over
/// an index range; threading lives in the Runtime.
///
/// Kernel ABI (every kernel):
///   void kernel(i64 N, ptr Ptrs, ptr Strides)
/// Ptrs[0] is the output (for a reduction: one accumulator element, read and
/// written), Ptrs[1 + i] input i in signature order; Strides[k] is operand k's
/// byte stride. The layout of each operand is fixed at compile time.
///
/// A kernel with several outputs (ir::Function::Outputs set: the passes of
/// an execution plan) has one operand per output component: operand 0 is
/// output 0's first component, operands 1..NIn the inputs, then the
/// remaining components in output order. A value output has one component,
/// a reduction output its accumulator state (stateComponents): with every
/// component broadcast the kernel folds all indices into that one state
/// (read at the start, written at the end), with components along the loop
/// it updates state i with index i.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_CODEGEN_H
#define NEJIT_CODEGEN_CODEGEN_H

#include "CodeGen/VectorMath.h"
#include "IR/IR.h"
#include "Support/Diagnostic.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class LLVMContext;
class Module;
} // namespace llvm

namespace nejit::codegen {

/// How an operand is laid out along the kernel's index.
enum class Layout : uint8_t {
  Contiguous, ///< stride == element size
  Broadcast,  ///< stride == 0: one value for every index
  Strided,    ///< any other stride
  /// Output only: contiguous, written with non-temporal (cache-bypassing)
  /// stores after a scalar peel that aligns it. For outputs far larger than
  /// the caches it saves the read-for-ownership of every line (25-30% of
  /// the traffic of a memory-bound kernel).
  Streaming,
};
char layoutCode(Layout L); ///< 'c', 'b', 's', 'n' (cache keys, names)

struct KernelSpec {
  std::vector<Layout> Layouts; ///< [0] = output, [1 + i] = input i
  std::string key() const;     ///< e.g. "cbs"
};

struct CodeGenOptions {
  Accuracy Acc = Accuracy::High;
  /// Resolved by the API: Sleef, VML (every function VML covers), Auto
  /// (the functions vmlPreferred gives VML on this CPU) or Libm (the C
  /// library's scalar functions and numexpr's complex formulas).
  MathBackend Backend = MathBackend::Sleef;
  bool IntelCpu = false; ///< the CPU vendor, for Backend::Auto

  unsigned VectorBits = 512; ///< host SIMD register width
  IsaInfo Isa;
};

/// Lanes per vector iteration: the widest element type decides; kernels
/// over byte strings run scalar.
unsigned vectorFactor(const ir::Function &F, unsigned VectorBits);

/// Whether a kernel is memory-bound enough for Layout::Streaming to pay:
/// only arithmetic, comparisons and selections, no function calls. With
/// calls in the loop, non-temporal stores measured up to 3x slower.
bool benefitsFromStreaming(const ir::Function &F);

/// The LLVM module holding the kernel function named Name.
Expected<std::unique_ptr<llvm::Module>> emitKernel(const ir::Function &F,
                                                   const KernelSpec &Spec,
                                                   const CodeGenOptions &Opts,
                                                   llvm::LLVMContext &Ctx,
                                                   const std::string &Name);

/// One output of a multi-output kernel and the operands it occupies.
struct OutputSlot {
  int Inst = -1;                  ///< the output instruction
  std::vector<DType> Components;  ///< its value's type, or its state's
  std::vector<unsigned> Operands; ///< the kernel operand of each component
};

/// The accumulator state of reduction I of F, component by component:
/// sum and mean of floating or complex numbers Neumaier's (sum,
/// compensation); var and std Welford's (count f8, mean, M2 f8); any and
/// all one bool; the others one value of the operand's type.
std::vector<DType> stateComponents(const ir::Function &F, const ir::Inst &I);

/// Every output of F with its operands (F.Outputs set).
std::vector<OutputSlot> outputSlots(const ir::Function &F);

/// The kernel's operand count: 1 + inputs (+ further output components).
unsigned numOperands(const ir::Function &F);

/// Runtime helpers the generated code may call (name, address); the JIT
/// registers them.
std::vector<std::pair<const char *, void *>> runtimeHelpers();

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_CODEGEN_H
