//===- CodeGen/OwnMath.h - nejit's own inline vector math ------*- C++ -*-===//
/// \file
/// Transcendental functions emitted as LLVM IR into the fused loop instead of
/// calls to Sleef: exp, expm1, tanh, sinh, cosh and log (float64, and
/// float32: exp in float32, the others computed in float64). They are within
/// 1 ULP over the whole domain (bindings/python/tests/test_own_math.py) and
/// faster than Sleef's u10 functions (bench/bench_own_math.py). The IR depends
/// only on the lane count and on whether the target has FMA, so the
/// interpreter's block kernels (generated from this code per ISA) and JIT code
/// give the same bits, and the vector body and scalar tail agree lane for lane.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_CODEGEN_OWNMATH_H
#define NEJIT_CODEGEN_OWNMATH_H

#include "IR/IR.h"

#include "llvm/IR/IRBuilder.h"

namespace nejit::codegen {

/// Whether emitOwnMath computes Op on Type at accuracy Acc: the functions
/// above at Accuracy::High where they measured faster than Sleef u10. Low
/// and Fast keep Sleef's u35 functions.
bool ownMathServes(ir::Opcode Op, DType Type, Accuracy Acc);

/// Op of X (a Float32 or Float64 scalar or vector, as Type says) as inline
/// IR at the builder's insertion point. HasFMA: whether the target has fused
/// multiply-add (then polynomials and exact products use llvm.fma).
llvm::Value *emitOwnMath(llvm::IRBuilder<> &B, ir::Opcode Op, DType Type,
                         llvm::Value *X, bool HasFMA);

/// Where Cond (an i1 or a vector of them) holds in some lane, replaces
/// those lanes of R with Fix(), computed in a block that runs only then (for
/// rare cases: huge, tiny or non-finite arguments). Name labels the blocks.
llvm::Value *fixLanes(llvm::IRBuilder<> &B, llvm::Value *Cond, llvm::Value *R,
                      llvm::StringRef Name,
                      llvm::function_ref<llvm::Value *()> Fix);

} // namespace nejit::codegen

#endif // NEJIT_CODEGEN_OWNMATH_H
