//===- JIT/Symbols.h - Resolving generated code's external calls -*- C++
//-*-===//
/// \file
/// The definition generator that gives JIT'd kernels their external symbols:
/// Sleef from an explicitly opened libsleef, MKL's VML from the libmkl_rt
/// that Runtime/Vml loads, runtime helpers from a table the
/// Runtime fills, and libc/libm through dlsym. Python loads extension modules
/// RTLD_LOCAL, so a process-wide symbol search cannot see any of them reliably.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_JIT_SYMBOLS_H
#define NEJIT_JIT_SYMBOLS_H

#include "llvm/ADT/StringRef.h"
#include "llvm/ExecutionEngine/Orc/Core.h"
#include "llvm/Support/Error.h"

namespace nejit::jit {

/// Adds (or replaces) a helper that generated code calls by name. Replacing
/// only affects kernels linked after the first use of the name if it has not
/// been resolved yet: resolved addresses are bound for the process.
void registerHelperSymbol(llvm::StringRef Name, void *Address);

/// fork() support (see Engine.cpp): hold the helper table's lock across
/// fork() so that the child never inherits it locked.
void lockHelpersForFork();
void unlockHelpersAfterFork();

/// The address generated code would get for Name, or an error naming it.
llvm::Expected<void *> resolveExternalSymbol(llvm::StringRef Name);

/// Resolves the symbols a JITDylib lacks with resolveExternalSymbol and
/// defines them there as absolute symbols. Names it cannot find are left
/// undefined, so ORC fails the lookup with an error that names them.
class ExternalSymbolGenerator : public llvm::orc::DefinitionGenerator {
public:
  llvm::Error tryToGenerate(llvm::orc::LookupState &LS, llvm::orc::LookupKind K,
                            llvm::orc::JITDylib &JD,
                            llvm::orc::JITDylibLookupFlags JDLookupFlags,
                            const llvm::orc::SymbolLookupSet &Symbols) override;
};

} // namespace nejit::jit

#endif // NEJIT_JIT_SYMBOLS_H
