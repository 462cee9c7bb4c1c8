//===- Runtime/Helpers.h - C functions generated code calls -----*- C++ -*-===//
/// \file
/// Byte-string comparison and search with numpy's padding rules, and the
/// complex inverse functions that have no vector form. They are plain C symbols
/// registered with the JIT by name (Python loads us RTLD_LOCAL, so the JIT
/// cannot find them by a process-wide search).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_HELPERS_H
#define NEJIT_RUNTIME_HELPERS_H

namespace nejit::runtime {

/// Registers every helper with the JIT; idempotent and thread-safe.
void registerHelpers();

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_HELPERS_H
