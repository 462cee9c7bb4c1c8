//===- CodeGen/ComplexMath.h - Complex functions, real vectors --*- C++ -*-===//
/// \file
/// Complex128 functions written with real vector operations and real Sleef
/// calls, so a complex kernel stays one SIMD loop. The formulas follow C99
/// Annex G (what numpy's results follow) for zeros, infinities and NaNs.
/// Functions without a practical vector form (the inverse trigonometric and
/// hyperbolic ones) are left to the caller's per-lane helpers.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_COMPLEXMATH_H
#define NEJIT_CODEGEN_COMPLEXMATH_H

#include "IR/IR.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/IR/IRBuilder.h"

#include <optional>
#include <utility>

namespace nejit::codegen {

/// A complex vector (or scalar) as its two real parts.
struct CVal {
  llvm::Value *Re = nullptr;
  llvm::Value *Im = nullptr;
};

/// What the complex formulas need from the kernel emitter: real float64
/// functions at the current width.
class RealMath {
public:
  virtual ~RealMath() = default;
  /// Sleef's Op ("exp", "log", "hypot", "atan2" ...) on float64 operands.
  virtual llvm::Value *call(llvm::StringRef Op,
                            llvm::ArrayRef<llvm::Value *> Args) = 0;
  /// {sin(X), cos(X)} with one call where Sleef has sincos.
  virtual std::pair<llvm::Value *, llvm::Value *> sinCos(llvm::Value *X) = 0;
};

/// The vector formula for Op on complex Args, or nullopt when Op has none
/// (the caller then applies a scalar helper per lane).
std::optional<CVal> emitComplexMath(ir::Opcode Op, llvm::IRBuilder<> &B,
                                    RealMath &M, llvm::ArrayRef<CVal> Args);

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_COMPLEXMATH_H
