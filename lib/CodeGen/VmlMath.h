//===- CodeGen/VmlMath.h - Which VML function to call -----------*- C++ -*-===//
/// \file
/// The second math table beside VectorMath (Sleef): which IR operations
/// Intel MKL's VML computes, under which names, in which accuracy mode, and
/// which of them Options::Backend = Auto gives to VML (a measured choice,
/// docs/performance.md). VML works on whole arrays, so a kernel that calls it
/// runs as a loop over blocks (EmitVmlBlocks.cpp).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_VMLMATH_H
#define NEJIT_CODEGEN_VMLMATH_H

#include "IR/IR.h"

#include <cstdint>
#include <optional>
#include <string>

namespace nejit::codegen {

/// VML's vm* function for Op on Type, e.g. "vmdSin" (Float64), "vmsSin"
/// (Float32), "vmzSin" (Complex128); nullopt when VML has none or nejit
/// keeps its own code (real sqrt is one exact instruction). Every vm*
/// function takes (i32 n, inputs..., output, i64 mode).
std::optional<std::string> vmlFunction(ir::Opcode Op, DType Type);

/// The mode argument for Acc: VML_HA, VML_LA or VML_EP, with errors ignored
/// (no errno, no callback), the way numexpr calls VML.
int64_t vmlMode(Accuracy Acc);

/// Whether Backend::Auto gives Op on Type to VML, on a CPU whose vendor is
/// Intel (IntelCpu) or not. See docs/performance.md for the measurements.
bool vmlPreferred(ir::Opcode Op, DType Type, Accuracy Acc, bool IntelCpu);

/// Whether F calls a function VML covers.
bool callsVmlFunction(const ir::Function &F);

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_VMLMATH_H
