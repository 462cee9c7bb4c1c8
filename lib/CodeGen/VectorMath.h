//===- CodeGen/VectorMath.h - Which Sleef function to call -----*- C++ -*-===//
/// \file
/// One table maps (operation, element type, vector width, ISA, accuracy) to
/// the name of a Sleef function. LLVM's -fveclib=SLEEF maps nothing on
/// x86-64, so CodeGen asks this table and calls the function by name; the JIT
/// resolves the name from libsleef at run time.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_VECTORMATH_H
#define NEJIT_CODEGEN_VECTORMATH_H

#include "IR/IR.h"

#include "llvm/ADT/StringRef.h"

#include <optional>
#include <string>

namespace nejit::codegen {

/// The host features that decide which Sleef ISA variant exists.
struct IsaInfo {
  bool HasAVX512F = false;
  bool HasAVX2 = false;
  bool HasFMA = false;
  bool HasSSE41 = true;
};

/// The Sleef function for Op on Width lanes of Type (Float32 or Float64),
/// or nullopt when Sleef has none (the caller then uses an LLVM intrinsic
/// or a scalar loop over lanes). Width 1 gives the scalar function.
/// Op may also be the pseudo-operation "sincos".
std::optional<std::string> sleefFunction(llvm::StringRef Op, DType Type,
                                         unsigned Width, const IsaInfo &Isa,
                                         Accuracy Acc);

/// Sleef's name for an IR opcode ("asin" for Arcsin ...), or empty.
llvm::StringRef sleefBaseName(ir::Opcode Op);

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_VECTORMATH_H
