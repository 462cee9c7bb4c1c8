//===- JIT/Target.h - The machine the JIT generates code for ---*- C++ -*-===//
/// \file
/// Host detection (triple, CPU, features, vector width) and target machine
/// creation. CodeGen reads VectorBits to choose its SIMD width and its Sleef
/// variants; the JIT builds its one TargetMachine from the same description so
/// that both always agree.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_JIT_TARGET_H
#define NEJIT_JIT_TARGET_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <memory>
#include <string>
#include <vector>

namespace llvm {
class TargetMachine;
} // namespace llvm

namespace nejit::jit {

/// The machine the JIT targets.
struct HostTarget {
  std::string Triple, CPU;
  /// Every feature LLVM knows for Triple, explicitly enabled or disabled and
  /// sorted ("+avx2,+avx512f,-avx512fp16,..."), so that the string is
  /// deterministic (it is part of the cache key) and a TargetMachine built
  /// from it does not depend on the CPU name's implied defaults.
  std::string Features;
  /// 512 with avx512f, else 256 with avx2 and fma, else 128. The
  /// NEJIT_VECTOR_BITS environment variable lowers it (never above what the
  /// features allow, since the code must run on this machine).
  unsigned VectorBits = 128;
  /// The names of the enabled features (without '+'), sorted.
  std::vector<std::string> Enabled;

  /// True if feature F (spelled without '+', e.g. "avx512f") is enabled.
  bool hasFeature(llvm::StringRef F) const;
};

/// The machine generated code is for, chosen once: the CPU NEJIT_CPU names
/// (an LLVM cpu name: x86-64-v2, x86-64-v3, x86-64-v4, haswell, znver3, ...;
/// unset or "native" is this machine, as llvm::sys::getHostCPUName and
/// getHostCPUFeatures detect it), with NEJIT_VECTOR_BITS applied. Everything
/// that depends on the ISA reads it: CodeGen's width and Sleef variants, the
/// interpreter's block kernels, the cache keys. When NEJIT_CPU cannot be
/// honoured this is the native target and targetSelectionError() says why.
const HostTarget &hostTarget();

/// Why NEJIT_CPU was refused (an unknown name, or features this machine
/// lacks, whose code would die of SIGILL); empty when it was not. The API's
/// entry points report it instead of running anything.
const std::string &targetSelectionError();

/// This machine as detected, whatever NEJIT_CPU says.
const HostTarget &nativeTarget();

/// A target for another CPU on the host's triple, for nejit-dis
/// --mcpu/--mattr. An empty CPU means the host's CPU; Features ("+avx2,-fma")
/// are applied on top of the CPU's own. The feature list is completed from
/// LLVM's subtarget tables so that hasFeature() and VectorBits reflect what
/// the CPU implies. NEJIT_VECTOR_BITS is not applied.
llvm::Expected<HostTarget> makeTarget(llvm::StringRef CPU,
                                      llvm::StringRef Features);

/// Initializes LLVM's native target, asm printer and asm parser once.
void initializeNativeTarget();

/// A new TargetMachine for T: position independent, small code model (JITLink
/// resolves far calls and data through its own GOT and stubs).
llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createTargetMachine(const HostTarget &T, llvm::CodeGenOptLevel Level);

/// Maps nejit's 0..3 opt levels to LLVM's codegen levels (values above 3
/// clamp).
llvm::CodeGenOptLevel codeGenOptLevel(unsigned OptLevel);

} // namespace nejit::jit

#endif // NEJIT_JIT_TARGET_H
