//===- Interp/BlockKernels.h - The ahead-of-time block kernels --*- C++ -*-===//
/// \file
/// The interpreter's vocabulary: one precompiled kernel per (operation,
/// operand types, result type[, vector width, accuracy]) and instruction set,
/// generated at build time by tools/nejit-blockgen from lib/CodeGen (so every
/// operation has one definition in both tiers) and looked up here by a packed
/// integer key.
///
/// A block kernel has the JIT's kernel ABI, every operand contiguous:
///   void kernel(i64 N, ptr Ptrs, ptr Strides)
/// Ptrs[0] is the output, Ptrs[1 + i] operand i; the strides are not read.
///
/// Vector width and accuracy are part of the key only where they change the
/// result: CodeGen picks the Sleef function by (width, ISA, accuracy), and
/// the fused JIT kernel's width comes from its widest type. Kernels that
/// call no Sleef function are exact IEEE (or integer) arithmetic at any
/// width, so they are stored once, under AnyWidth and AnyAccuracy.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_INTERP_BLOCKKERNELS_H
#define NEJIT_INTERP_BLOCKKERNELS_H

#include "IR/IR.h"

#include <cstddef>
#include <cstdint>

namespace nejit::interp {

using BlockFn = void (*)(int64_t N, char *const *Ptrs, const int64_t *Strides);

/// The instruction sets the block kernels are compiled for.
enum class Isa : uint8_t { Avx512, Avx2, Sse41 };
constexpr int NumIsas = 3;

/// What nejit-blockgen compiles an Isa's kernels for, and what CodeGen must
/// be told so that it picks the same Sleef variants the JIT picks on a host
/// with that vector width.
struct IsaDesc {
  const char *Name;     ///< "avx512", "avx2", "sse41" (symbol names, flags)
  const char *CPU;      ///< LLVM CPU the kernels are compiled for
  const char *Features; ///< added to the CPU's own
  unsigned VectorBits;  ///< the JIT's width on such a host
  bool HasAVX512F, HasAVX2, HasFMA, HasSSE41;
};

inline const IsaDesc &isaDesc(Isa I) {
  static const IsaDesc Descs[NumIsas] = {
      {"avx512", "x86-64-v4", "", 512, true, true, true, true},
      {"avx2", "x86-64-v3", "", 256, false, true, true, true},
      {"sse41", "x86-64", "+sse4.1,+ssse3,+sse3", 128, false, false, false,
       true},
  };
  return Descs[(int)I];
}

/// Which of a sin/cos pair's results a kernel gives: CodeGen computes sin(x)
/// and cos(x) of one operand with one sincos call, whose results may differ
/// from separate sin and cos calls in the last bit.
enum class Variant : uint8_t { Plain, SinOfSinCos, CosOfSinCos };

/// Accuracy classes that select different Sleef functions.
enum class AccClass : uint8_t { Any, High, Low };
inline AccClass accClass(Accuracy A) {
  return A == Accuracy::High ? AccClass::High : AccClass::Low;
}

constexpr unsigned AnyWidth = 0;
/// Operand slot not used by the operation.
constexpr unsigned NoType = 15;

/// The packed identity of a block kernel; sorting by it groups an
/// operation's variants together.
constexpr uint64_t blockKey(ir::Opcode Op, DType Result, unsigned A0,
                            unsigned A1, unsigned A2, Variant V, unsigned Width,
                            AccClass Acc) {
  return (uint64_t)Op << 48 | (uint64_t)Result << 44 | (uint64_t)A0 << 40 |
         (uint64_t)A1 << 36 | (uint64_t)A2 << 32 | (uint64_t)V << 24 |
         (uint64_t)Width << 8 | (uint64_t)Acc;
}

struct BlockKernelEntry {
  uint64_t Key;
  BlockFn Fn;
};

/// The kernels compiled for one Isa, sorted by Key (empty if none were).
struct BlockKernelTable {
  const BlockKernelEntry *Entries = nullptr;
  size_t Size = 0;
  /// Host features the kernels need (LLVM's names), comma-separated.
  const char *Requires = "";
};
const BlockKernelTable &blockKernels(Isa I);

/// The kernel for Key, trying the exact width and accuracy first, then
/// AnyAccuracy, then AnyWidth with AnyAccuracy; null if there is none.
BlockFn findBlockKernel(Isa I, ir::Opcode Op, DType Result, unsigned A0,
                        unsigned A1, unsigned A2, Variant V, unsigned Width,
                        AccClass Acc);

} // namespace nejit::interp

#endif // NEJIT_INTERP_BLOCKKERNELS_H
