//===- JIT/Engine.h - The process-wide JIT and its caches ------*- C++ -*-===//
/// \file
/// One ORC LLJIT per process, with an in-memory LRU cache of compiled kernels
/// and an on-disk cache of their objects. Callers (lib/API) describe a kernel
/// by a complete key text and a function that builds its LLVM module; the
/// engine builds it only when neither cache has the key.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_JIT_ENGINE_H
#define NEJIT_JIT_ENGINE_H

#include "JIT/Target.h"

#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ExecutionEngine/Orc/ThreadSafeModule.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <string>

namespace llvm {
class Module;
namespace orc {
class JITDylib;
} // namespace orc
} // namespace llvm

namespace nejit::jit {

/// A kernel's machine code, alive as long as this object lives. Each kernel
/// has a JITDylib of its own; the destructor removes it, which returns the
/// code and data pages to the system.
class CompiledCode {
public:
  CompiledCode(const CompiledCode &) = delete;
  CompiledCode &operator=(const CompiledCode &) = delete;
  ~CompiledCode();

  /// Address of the entry symbol.
  void *entry() const { return Entry; }
  /// Bytes of code and data pages the JIT linker allocated for the kernel.
  uint64_t codeBytes() const { return Bytes; }
  /// True if the code came from the on-disk cache (not compiled now).
  bool fromDisk() const { return FromDisk; }

private:
  friend class Engine;
  CompiledCode(llvm::orc::JITDylib *JD, void *Entry, uint64_t Bytes,
               bool FromDisk)
      : JD(JD), Entry(Entry), Bytes(Bytes), FromDisk(FromDisk) {}
  llvm::orc::JITDylib *JD;
  void *Entry;
  uint64_t Bytes;
  bool FromDisk;
};

/// Builds the LLVM module for a key on a miss. The module must define a
/// function named EntryName. It need not be prepared (see prepareModule): a
/// module without a triple or data layout gets the engine's.
using ModuleBuilder =
    llvm::function_ref<llvm::Expected<llvm::orc::ThreadSafeModule>()>;

/// Returns the compiled code for Key: from the in-memory LRU cache, else from
/// the on-disk object cache (without calling Build), else by calling Build,
/// running optimizeModule at OptLevel (0..3) and compiling. Thread-safe: a new
/// Key requested concurrently from many threads is compiled once and every
/// caller gets the same pointer. Key must be complete for what the caller
/// controls (canonical IR, dtypes, layout, options); the engine adds the
/// target, vector width, EntryName, OptLevel and the LLVM, Sleef and nejit
/// versions before hashing it for the disk.
llvm::Expected<std::shared_ptr<const CompiledCode>>
getOrCompile(const std::string &Key, ModuleBuilder Build,
             llvm::StringRef EntryName, unsigned OptLevel);

/// The IR pipeline getOrCompile runs, in place. Kernels arrive vectorized,
/// so this is a short function pipeline (no loop vectorizer); 0 runs nothing.
/// Target is the machine whose cost model the passes consult (host if null).
void optimizeModule(llvm::Module &M, unsigned OptLevel,
                    const HostTarget *Target = nullptr);
/// The assembly text the code generator produces for M at OptLevel (for
/// nejit-dis). Does not run optimizeModule. Target selects another machine
/// (see makeTarget); the host if null. M is modified by code generation.
llvm::Expected<std::string> emitAssembly(llvm::Module &M, unsigned OptLevel,
                                         const HostTarget *Target = nullptr);
/// Sets M's data layout and triple to the engine's TargetMachine's (or to
/// Target's, for nejit-dis).
void prepareModule(llvm::Module &M, const HostTarget *Target = nullptr);

/// Counters since process start; Entries and CodeBytes are current values.
/// Misses == DiskHits + Compiles + failed compiles; a caller that waits for
/// another thread's compile of the same key counts as a hit.
struct Stats {
  uint64_t Hits = 0, Misses = 0, DiskHits = 0, Compiles = 0, Evictions = 0,
           Entries = 0, CodeBytes = 0;
  double CompileSeconds = 0;
};
Stats stats();
/// Drops the cache's references; kernels in use stay alive until released.
void clearMemoryCache();

/// Runtime helpers generated code may call by name (e.g. string comparison);
/// register them before the first kernel that uses them is linked.
void registerHelperSymbol(llvm::StringRef Name, void *Address);

/// Bytes of JIT code and data pages mapped now for all kernels, as the JIT
/// memory manager counts them (they go when a kernel's last holder lets go);
/// stats().CodeBytes counts only what the memory cache holds.
uint64_t liveCodeBytes();

/// The full key getOrCompile hashes for the disk: Key plus everything about
/// the environment that changes the generated code.
std::string fullCacheKey(llvm::StringRef Key, llvm::StringRef EntryName,
                         unsigned OptLevel);

// Testing hooks. They take effect immediately, also after the engine started.

/// Uses Dir as the on-disk cache directory; an empty Dir disables the disk
/// cache.
void setCacheDirForTesting(std::string Dir);
/// The on-disk cache directory in use ("" when disabled).
std::string cacheDir();
/// The path of the disk cache file for a key (as passed to getOrCompile).
std::string cacheFileForTesting(llvm::StringRef Key, llvm::StringRef EntryName,
                                unsigned OptLevel);
/// Bounds of the caches; evicts at once if the memory cache is over them.
void setCacheLimitsForTesting(uint64_t MaxEntries, uint64_t MaxCodeBytes,
                              uint64_t MaxDiskBytes);

} // namespace nejit::jit

#endif // NEJIT_JIT_ENGINE_H
