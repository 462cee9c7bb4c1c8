//===- Interp/Interpreter.h - The interpreter tier --------------*- C++ -*-===//
/// \file
/// Runs a kernel's optimized IR without compiling it: the index range is cut
/// into blocks of a few hundred elements, and each instruction runs over a
/// block with its precompiled block kernel (BlockKernels.h), temporaries in
/// per-thread buffers that stay in cache. A Program is a KernelFn in all but
/// name: runtime::run drives it over n-d arrays exactly as it drives the JIT
/// kernel, so both see the same index ranges and the same threading.
///
/// Bit-identical to the JIT kernel: every operation runs the code CodeGen
/// emits for it, at the width the fused kernel runs it (the width selects
/// the Sleef variant), blocks start at multiples of that width so that the
/// same elements fall in the vector body and in the scalar tail, sin/cos
/// pairs use the sincos kernels, and reductions keep the JIT kernel's lane
/// accumulators and folding order (Reduce.h).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_INTERP_INTERPRETER_H
#define NEJIT_INTERP_INTERPRETER_H

#include "IR/IR.h"
#include "Interp/BlockKernels.h"
#include "Runtime/Driver.h"

#include <memory>
#include <optional>
#include <vector>

namespace nejit::jit {
struct HostTarget;
} // namespace nejit::jit

namespace nejit::interp {

/// The block kernels the host runs with the results of its JIT code: the
/// table compiled for the host's vector width and Sleef variants, if the
/// host has every feature it was compiled for and the table is not empty.
std::optional<Isa> hostIsa(const jit::HostTarget &T);

/// Elements per block: a power of two, so a multiple of every vector
/// width; smaller than the maximum only when a program's buffers (one per
/// constant, per live temporary and per non-contiguous input) would
/// otherwise exceed BufferBudget bytes. Small blocks measured best: with
/// 256 float64 elements (2 KiB buffers) a kernel reading one input's block
/// from memory hands over to the next input's sooner, and 1e6-element runs
/// took 25-45% less time than with 1024; below, per-call overhead shows.
constexpr int64_t MaxBlockSize = 256, MinBlockSize = 64;
constexpr int64_t BufferBudget = 2 << 20;

class Program {
public:
  /// The program for F, or null when an instruction has no block kernel
  /// (byte strings, or a table without it). VectorBits is the JIT's width.
  static std::unique_ptr<Program> build(const ir::Function &F, Accuracy Acc,
                                        Isa I, unsigned VectorBits);
  ~Program();

  /// What runtime::run calls for any layout variant.
  runtime::KernelRef kernel() const { return {&callThunk, this}; }
  /// One call with the JIT kernel's ABI (see CodeGen.h).
  void call(int64_t N, char *const *Ptrs, const int64_t *Strides) const;

  /// Lanes of the fused JIT kernel (codegen::vectorFactor).
  unsigned vectorWidth() const { return VF; }
  /// The block kernels run per block (for tests and statistics).
  size_t numSteps() const { return Steps.size(); }
  int64_t blockSize() const { return Block; }

private:
  Program() = default;
  static void callThunk(const void *Ctx, int64_t N, char *const *Ptrs,
                        const int64_t *Strides);

  /// Where a value lives during a block.
  enum class Home : uint8_t { Input, Const, Temp, Output };
  struct Value {
    Home Where = Home::Temp;
    DType Type = DType::Float64;
    int Index = 0; ///< input position, constant or temporary slot
  };
  struct Step {
    BlockFn Fn = nullptr;
    int Out = 0;             ///< value index
    int Args[3] = {0, 0, 0}; ///< value indices
    int NumArgs = 0;
  };

  bool addSteps(const ir::Function &F, Accuracy Acc, Isa I);
  void assignSlots();
  void runBlocks(int64_t N, char *const *Ptrs, const int64_t *Strides,
                 char *Scratch) const;

  std::vector<Value> Values;
  std::vector<Step> Steps;
  std::vector<int64_t> InputSizes; ///< element bytes per input
  std::vector<ir::Scalar> Consts;  ///< by Value::Index until laid out
  std::vector<char> ConstBytes;    ///< one block per constant
  std::vector<int> UsedInputs;     ///< inputs read, in order
  int Result = 0;                  ///< value holding the result
  int NumTemps = 0;
  int64_t SlotBytes = 0; ///< bytes per block buffer
  int64_t Block = MaxBlockSize;
  unsigned VF = 1;
  DType ResultType = DType::Float64;
  ir::Opcode Reduce = ir::Opcode::Input; ///< reduction opcode or Input
};

} // namespace nejit::interp

#endif // NEJIT_INTERP_INTERPRETER_H
