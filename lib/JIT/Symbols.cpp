//===- JIT/Symbols.cpp - Resolving generated code's external calls --------===//
/// \file
/// See Symbols.h.
//===----------------------------------------------------------------------===//
#include "JIT/Symbols.h"
#include "Runtime/Vml.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/ExecutionEngine/Orc/Core.h"

#include <sleef.h>

#include <dlfcn.h>
#include <mutex>
#include <string>

using namespace llvm;
using namespace llvm::orc;

namespace nejit::jit {

namespace {
struct HelperTable {
  std::mutex Mutex;
  StringMap<void *> Map;
};
} // namespace

static HelperTable &helpers() {
  // Leaked on purpose: kernels may still be resolved during static
  // destruction of other objects.
  static HelperTable *T = new HelperTable;
  return *T;
}

void registerHelperSymbol(StringRef Name, void *Address) {
  HelperTable &T = helpers();
  std::lock_guard<std::mutex> Lock(T.Mutex);
  T.Map[Name] = Address;
}

void lockHelpersForFork() { helpers().Mutex.lock(); }
void unlockHelpersAfterFork() { helpers().Mutex.unlock(); }

/// A dlopen handle opened once; the error text is kept for diagnostics.
struct Library {
  void *Handle = nullptr;
  std::string Error;
};

static Library openOnce(const char *Name) {
  Library L;
  L.Handle = dlopen(Name, RTLD_NOW | RTLD_LOCAL);
  if (!L.Handle) {
    const char *E = dlerror();
    L.Error = E ? E : "unknown dlopen error";
  }
  return L;
}

/// The libsleef this library is linked against (the interpreter's block
/// kernels call it), found through the address of one of its functions:
/// in a wheel, auditwheel has renamed it (nejit.libs/libsleef-<hash>.so...)
/// and changed its soname, so dlopen("libsleef.so.3") would miss it (or, on
/// a machine with Debian's libsleef3, load a second copy). A build whose
/// library is not loaded that way falls back to the soname.
static Library openSleef() {
  Dl_info Info;
  if (dladdr(reinterpret_cast<void *>(&Sleef_sin_u10), &Info) &&
      Info.dli_fname)
    if (void *H = dlopen(Info.dli_fname, RTLD_NOW | RTLD_LOCAL | RTLD_NOLOAD))
      return Library{H, std::string()};
  return openOnce("libsleef.so.3");
}

static const Library &sleefLibrary() {
  static const Library L = openSleef();
  return L;
}

static const Library &mathLibrary() {
  static const Library L = openOnce("libm.so.6");
  return L;
}

Expected<void *> resolveExternalSymbol(StringRef Name) {
  std::string CName = Name.str();
  {
    HelperTable &T = helpers();
    std::lock_guard<std::mutex> Lock(T.Mutex);
    auto It = T.Map.find(Name);
    if (It != T.Map.end())
      return It->second;
  }
  if (Name.starts_with("Sleef_")) {
    const Library &L = sleefLibrary();
    if (!L.Handle)
      return createStringError(inconvertibleErrorCode(),
                               "cannot resolve '%s': cannot load "
                               "libsleef.so.3: %s",
                               CName.c_str(), L.Error.c_str());
    if (void *Addr = dlsym(L.Handle, CName.c_str()))
      return Addr;
    return createStringError(inconvertibleErrorCode(),
                             "symbol '%s' not found in libsleef.so.3",
                             CName.c_str());
  }
  if (runtime::isVmlSymbolName(CName.c_str())) {
    const runtime::VmlLibrary &L = runtime::vmlLibrary();
    if (!L.Loaded)
      return createStringError(inconvertibleErrorCode(),
                               "cannot resolve '%s': MKL (VML) is not "
                               "loaded: %s",
                               CName.c_str(), L.Problem.c_str());
    if (void *Addr = runtime::vmlSymbol(CName.c_str()))
      return Addr;
    return createStringError(inconvertibleErrorCode(),
                             "symbol '%s' not found in %s", CName.c_str(),
                             L.Path.c_str());
  }
  if (void *Addr = dlsym(RTLD_DEFAULT, CName.c_str()))
    return Addr;
  const Library &M = mathLibrary();
  if (M.Handle)
    if (void *Addr = dlsym(M.Handle, CName.c_str()))
      return Addr;
  return createStringError(inconvertibleErrorCode(), "symbol '%s' not found",
                           CName.c_str());
}

Error ExternalSymbolGenerator::tryToGenerate(LookupState &, LookupKind,
                                             JITDylib &JD, JITDylibLookupFlags,
                                             const SymbolLookupSet &Symbols) {
  SymbolMap Found;
  for (const auto &[Name, Flags] : Symbols) {
    Expected<void *> Addr = resolveExternalSymbol(*Name);
    if (!Addr) {
      // Leave it undefined: ORC then reports "Symbols not found: [ name ]",
      // which is the error the caller sees; a weak reference may stay null.
      consumeError(Addr.takeError());
      continue;
    }
    Found[Name] = {ExecutorAddr::fromPtr(*Addr),
                   JITSymbolFlags::Exported | JITSymbolFlags::Callable};
  }
  if (Found.empty())
    return Error::success();
  return JD.define(absoluteSymbols(std::move(Found)));
}

} // namespace nejit::jit
