//===- JIT/Engine.cpp - The process-wide JIT and its caches ---------------===//
/// \file
/// See Engine.h. Locks, always taken in this order (never an earlier one while
/// holding a later one): CodegenMutex (the TargetMachines), LinkMutex (every
/// ExecutionSession operation), CacheMutex (the LRU and the in-flight table),
/// then the disk cache's, then the helper table's (Symbols.cpp). The fork
/// handlers take all of them, in that order.
//===----------------------------------------------------------------------===//
#include "JIT/Engine.h"
#include "JIT/DiskCache.h"
#include "JIT/LLVMPasses.h"
#include "JIT/Symbols.h"

#include "llvm/Config/llvm-config.h"
#include "llvm/ExecutionEngine/JITLink/JITLinkMemoryManager.h"
#include "llvm/ExecutionEngine/Orc/LLJIT.h"
#include "llvm/ExecutionEngine/Orc/ObjectLinkingLayer.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/SmallVectorMemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#if __has_include(<sleef.h>)
#include <sleef.h>
#endif

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <list>
#include <mutex>
#include <pthread.h>
#include <unordered_map>
#include <vector>

#ifndef NEJIT_VERSION_STRING
#define NEJIT_VERSION_STRING "unknown"
#endif
#if defined(SLEEF_VERSION_MAJOR)
#define NEJIT_STR2(X) #X
#define NEJIT_STR(X) NEJIT_STR2(X)
#define NEJIT_SLEEF_VERSION                                                    \
  NEJIT_STR(SLEEF_VERSION_MAJOR)                                               \
  "." NEJIT_STR(SLEEF_VERSION_MINOR) "." NEJIT_STR(SLEEF_VERSION_PATCHLEVEL)
#else
#define NEJIT_SLEEF_VERSION "3.5.1"
#endif

using namespace llvm;
using namespace llvm::orc;

namespace nejit::jit {

namespace {

/// Counters live outside the engine so that stats() never has to start it.
struct Counters {
  std::atomic<uint64_t> Hits{0}, Misses{0}, DiskHits{0}, Compiles{0},
      Evictions{0}, Entries{0}, CodeBytes{0}, CompileNanos{0};
};
Counters TheCounters;

/// Set by an atexit handler: at exit, LLVM's own statics may already be gone,
/// so kernels released then leak their pages instead of unlinking.
std::atomic<bool> Exiting{false};

/// Where the memory manager adds the page bytes of what it allocates. Linking
/// runs on the thread that asked for the symbol (no task thread pool), so a
/// thread-local pointer attributes each allocation to the kernel being linked.
thread_local uint64_t *CurrentAllocBytes = nullptr;
/// Errors ORC reports out of band while linking (the symbol that was not
/// found, for instance) are collected here so the caller's error names them.
thread_local std::string *CurrentLinkErrors = nullptr;

/// The in-process JITLink memory manager, measuring what it maps: the page
/// bytes of each allocation are attributed to the kernel being linked and,
/// independently, added to the process's live total when the allocation is
/// finalized and subtracted when it is deallocated. The live total is what
/// tests use to show that releasing a kernel really returns its pages.
class MeasuringMemoryManager : public jitlink::JITLinkMemoryManager {
public:
  MeasuringMemoryManager(std::unique_ptr<jitlink::InProcessMemoryManager> Impl,
                         uint64_t PageSize)
      : Impl(std::move(Impl)), PageSize(PageSize) {}

  static std::atomic<uint64_t> LiveBytes;

  void allocate(const jitlink::JITLinkDylib *JD, jitlink::LinkGraph &G,
                OnAllocatedFunction OnAllocated) override {
    // The same computation the in-process manager does: after finalization
    // it keeps the standard segments' pages and unmaps the rest.
    uint64_t Bytes = 0;
    jitlink::BasicLayout BL(G);
    if (auto Sizes = BL.getContiguousPageBasedLayoutSizes(PageSize))
      Bytes = Sizes->StandardSegs;
    else
      consumeError(Sizes.takeError());
    if (CurrentAllocBytes)
      *CurrentAllocBytes += Bytes;
    Impl->allocate(JD, G,
                   [this, Bytes, OnAllocated = std::move(OnAllocated)](
                       AllocResult Alloc) mutable {
                     if (!Alloc)
                       return OnAllocated(std::move(Alloc));
                     OnAllocated(std::make_unique<MeasuredAlloc>(
                         *this, std::move(*Alloc), Bytes));
                   });
  }
  using JITLinkMemoryManager::allocate;

  void deallocate(std::vector<FinalizedAlloc> Allocs,
                  OnDeallocatedFunction OnDeallocated) override {
    {
      std::lock_guard<std::mutex> Lock(Mutex);
      for (const FinalizedAlloc &A : Allocs) {
        auto It = Sizes.find(A.getAddress().getValue());
        if (It == Sizes.end())
          continue;
        LiveBytes -= It->second;
        Sizes.erase(It);
      }
    }
    Impl->deallocate(std::move(Allocs), std::move(OnDeallocated));
  }
  using JITLinkMemoryManager::deallocate;

private:
  class MeasuredAlloc : public InFlightAlloc {
  public:
    MeasuredAlloc(MeasuringMemoryManager &MM,
                  std::unique_ptr<InFlightAlloc> Impl, uint64_t Bytes)
        : MM(MM), Impl(std::move(Impl)), Bytes(Bytes) {}
    void abandon(OnAbandonedFunction OnAbandoned) override {
      Impl->abandon(std::move(OnAbandoned));
    }
    void finalize(OnFinalizedFunction OnFinalized) override {
      Impl->finalize(
          [&MM = MM, Bytes = Bytes, OnFinalized = std::move(OnFinalized)](
              Expected<FinalizedAlloc> FA) mutable {
            if (FA) {
              std::lock_guard<std::mutex> Lock(MM.Mutex);
              MM.Sizes[FA->getAddress().getValue()] = Bytes;
              LiveBytes += Bytes;
            }
            OnFinalized(std::move(FA));
          });
    }

  private:
    MeasuringMemoryManager &MM;
    std::unique_ptr<InFlightAlloc> Impl;
    uint64_t Bytes;
  };

  std::unique_ptr<jitlink::InProcessMemoryManager> Impl;
  uint64_t PageSize;
  std::mutex Mutex;
  /// Finalized allocation handle -> its bytes.
  std::unordered_map<uint64_t, uint64_t> Sizes;
};

std::atomic<uint64_t> MeasuringMemoryManager::LiveBytes{0};

Error makeError(const Twine &Msg) {
  return createStringError(inconvertibleErrorCode(), Msg);
}

uint64_t envUInt(const char *Name, uint64_t Default) {
  const char *V = std::getenv(Name);
  uint64_t N = 0;
  if (!V || StringRef(V).getAsInteger(10, N))
    return Default;
  return N;
}

} // namespace

/// The process-wide engine. Created on first use and never destroyed: kernels
/// may be released from other static destructors at exit.
class Engine {
public:
  static Expected<Engine &> get();
  /// The engine, known to exist (a CompiledCode exists).
  static Engine &existing() { return *Instance; }
  /// The engine if it was started, else null (never starts it).
  static Engine *ifStarted() { return Instance; }

  Expected<std::shared_ptr<const CompiledCode>>
  getOrCompile(const std::string &Key, ModuleBuilder Build, StringRef EntryName,
               unsigned OptLevel);
  void removeKernel(JITDylib *JD);
  void clearMemoryCache();
  void setLimits(uint64_t Entries, uint64_t CodeBytes);
  std::string fullKey(StringRef Key, StringRef EntryName, unsigned OptLevel);
  DiskCache &disk() { return Disk; }

  /// A TargetMachine for the host at Level; CodegenMutex must be held.
  Expected<TargetMachine &> hostMachine(CodeGenOptLevel Level);
  std::mutex &codegenMutex() { return CodegenMutex; }

private:
  Engine() = default;
  Error init();
  Expected<std::shared_ptr<const CompiledCode>>
  loadOrCompile(const std::string &Key, ModuleBuilder Build,
                StringRef EntryName, unsigned OptLevel);
  Expected<std::shared_ptr<const CompiledCode>>
  link(std::unique_ptr<MemoryBuffer> Object, StringRef EntryName,
       bool FromDisk);
  /// Evicts least recently used entries while over a bound; CacheMutex held.
  /// The victims are returned so that they die after the lock is released
  /// (their destructors take LinkMutex).
  void evict(std::vector<std::shared_ptr<const CompiledCode>> &Victims);

  static void forkPrepare();
  static void forkParent();
  static void forkChild();

  static Engine *Instance;

  std::mutex CodegenMutex;
  /// One TargetMachine per codegen level: code generation changes a
  /// TargetMachine's options (an -O0 run switches FastISel on for good).
  std::unique_ptr<TargetMachine> Machines[4];

  std::mutex LinkMutex;
  std::unique_ptr<LLJIT> J;
  JITDylib *RuntimeJD = nullptr;
  uint64_t NextDylibId = 0;

  std::mutex CacheMutex;
  struct Node {
    std::string Key;
    std::shared_ptr<const CompiledCode> Code;
  };
  std::list<Node> LRU; ///< most recently used first
  std::unordered_map<std::string, std::list<Node>::iterator> Index;
  struct Pending {
    std::condition_variable Ready;
    bool Done = false;
    std::shared_ptr<const CompiledCode> Code;
    std::string Error;
  };
  std::unordered_map<std::string, std::shared_ptr<Pending>> InFlight;
  uint64_t MaxEntries = 4096;
  uint64_t MaxCodeBytes = 256ull << 20;
  uint64_t CachedBytes = 0;

  DiskCache Disk;
  std::string KeyPrefix; ///< the environment part of every full key
};

Engine *Engine::Instance = nullptr;

Expected<Engine &> Engine::get() {
  static std::once_flag Once;
  static std::string InitError;
  std::call_once(Once, [] {
    auto *E = new Engine();
    if (Error Err = E->init()) {
      InitError = toString(std::move(Err));
      delete E;
      return;
    }
    Instance = E;
    pthread_atfork(&Engine::forkPrepare, &Engine::forkParent,
                   &Engine::forkChild);
    std::atexit([] { Exiting = true; });
  });
  if (!Instance)
    return makeError("cannot start the JIT: " + InitError);
  return *Instance;
}

Error Engine::init() {
  initializeNativeTarget();
  const HostTarget &Host = hostTarget();
  MaxEntries = envUInt("NEJIT_CACHE_ENTRIES", MaxEntries);

  JITTargetMachineBuilder JTMB{Triple(Host.Triple)};
  JTMB.setCPU(Host.CPU);
  SubtargetFeatures Features(Host.Features);
  JTMB.addFeatures(Features.getFeatures());
  JTMB.setRelocationModel(Reloc::PIC_);
  JTMB.setCodeModel(CodeModel::Small);

  auto JIT =
      LLJITBuilder()
          .setJITTargetMachineBuilder(std::move(JTMB))
          // Symbols come from our generator only; see Symbols.h.
          .setLinkProcessSymbolsByDefault(false)
          // Kernels have no static initializers; an inactive platform keeps
          // JITDylibs free of platform state, so removing one is cheap.
          .setPlatformSetUp(setUpInactivePlatform)
          .setObjectLinkingLayerCreator(
              [](ExecutionSession &ES,
                 const Triple &) -> Expected<std::unique_ptr<ObjectLayer>> {
                auto Impl = jitlink::InProcessMemoryManager::Create();
                if (!Impl)
                  return Impl.takeError();
                auto PageSize = sys::Process::getPageSize();
                if (!PageSize)
                  return PageSize.takeError();
                auto MM = std::make_unique<MeasuringMemoryManager>(
                    std::move(*Impl), *PageSize);
                return std::make_unique<ObjectLinkingLayer>(ES, std::move(MM));
              })
          .create();
  if (!JIT)
    return JIT.takeError();
  J = std::move(*JIT);
  J->getExecutionSession().setErrorReporter([](Error Err) {
    if (CurrentLinkErrors) {
      if (!CurrentLinkErrors->empty())
        *CurrentLinkErrors += "; ";
      *CurrentLinkErrors += toString(std::move(Err));
      return;
    }
    logAllUnhandledErrors(std::move(Err), errs(), "nejit: jit error: ");
  });
  auto RT = J->getExecutionSession().createJITDylib("nejit-runtime");
  if (!RT)
    return RT.takeError();
  RuntimeJD = &*RT;
  RuntimeJD->addGenerator(std::make_unique<ExternalSymbolGenerator>());

  raw_string_ostream OS(KeyPrefix);
  OS << ";; nejit " << NEJIT_VERSION_STRING << ", LLVM " << LLVM_VERSION_STRING
     << ", Sleef " << NEJIT_SLEEF_VERSION << ", object format "
     << DiskCacheFormatVersion << "\n;; target " << Host.Triple << " "
     << Host.CPU << " vector-bits " << Host.VectorBits << "\n;; features "
     << Host.Features << "\n";
  return Error::success();
}

std::string Engine::fullKey(StringRef Key, StringRef EntryName,
                            unsigned OptLevel) {
  std::string Full = KeyPrefix;
  Full += ";; entry ";
  Full += EntryName;
  Full += " opt-level ";
  Full += std::to_string(OptLevel);
  Full += "\n";
  Full += Key;
  return Full;
}

Expected<TargetMachine &> Engine::hostMachine(CodeGenOptLevel Level) {
  unsigned I = static_cast<unsigned>(Level);
  assert(I < 4 && "unexpected CodeGenOptLevel");
  if (!Machines[I]) {
    auto TM = createTargetMachine(hostTarget(), Level);
    if (!TM)
      return TM.takeError();
    Machines[I] = std::move(*TM);
  }
  return *Machines[I];
}

Expected<std::shared_ptr<const CompiledCode>>
Engine::getOrCompile(const std::string &Key, ModuleBuilder Build,
                     StringRef EntryName, unsigned OptLevel) {
  if (OptLevel > 3)
    OptLevel = 3;
  // The memory cache is per process, where the environment part of the key
  // is fixed; so it is keyed by the caller's text, and hashing waits for a
  // miss.
  std::string MemKey;
  MemKey.reserve(Key.size() + EntryName.size() + 3);
  MemKey += Key;
  MemKey += '\0';
  MemKey += EntryName;
  MemKey += '\0';
  MemKey += char('0' + OptLevel);

  std::shared_ptr<Pending> Mine;
  {
    std::unique_lock<std::mutex> Lock(CacheMutex);
    auto It = Index.find(MemKey);
    if (It != Index.end()) {
      LRU.splice(LRU.begin(), LRU, It->second);
      ++TheCounters.Hits;
      return It->second->Code;
    }
    auto P = InFlight.find(MemKey);
    if (P != InFlight.end()) {
      // Someone is compiling this key now: wait for their result.
      std::shared_ptr<Pending> Theirs = P->second;
      ++TheCounters.Hits;
      Theirs->Ready.wait(Lock, [&] { return Theirs->Done; });
      if (!Theirs->Code)
        return makeError(Theirs->Error);
      return Theirs->Code;
    }
    Mine = std::make_shared<Pending>();
    InFlight.emplace(MemKey, Mine);
    ++TheCounters.Misses;
  }

  auto Result = loadOrCompile(Key, Build, EntryName, OptLevel);
  std::string ErrorText;
  if (!Result)
    ErrorText = toString(Result.takeError());

  std::vector<std::shared_ptr<const CompiledCode>> Victims;
  {
    std::lock_guard<std::mutex> Lock(CacheMutex);
    InFlight.erase(MemKey);
    Mine->Done = true;
    if (Result) {
      Mine->Code = *Result;
      LRU.push_front({MemKey, *Result});
      Index[MemKey] = LRU.begin();
      CachedBytes += (*Result)->codeBytes();
      evict(Victims);
      TheCounters.Entries = LRU.size();
      TheCounters.CodeBytes = CachedBytes;
    } else {
      Mine->Error = ErrorText;
    }
  }
  Mine->Ready.notify_all();
  Victims.clear();
  if (!Result)
    return makeError(ErrorText);
  return *Result;
}

void Engine::evict(std::vector<std::shared_ptr<const CompiledCode>> &Victims) {
  while (!LRU.empty() &&
         (LRU.size() > MaxEntries || CachedBytes > MaxCodeBytes)) {
    Node &Last = LRU.back();
    CachedBytes -= Last.Code->codeBytes();
    Victims.push_back(std::move(Last.Code));
    Index.erase(Last.Key);
    LRU.pop_back();
    ++TheCounters.Evictions;
  }
}

Expected<std::shared_ptr<const CompiledCode>>
Engine::loadOrCompile(const std::string &Key, ModuleBuilder Build,
                      StringRef EntryName, unsigned OptLevel) {
  std::string Full = fullKey(Key, EntryName, OptLevel);
  std::string Hash = DiskCache::hashKey(Full);
  if (std::unique_ptr<MemoryBuffer> Object = Disk.load(Hash, Full)) {
    auto Code = link(std::move(Object), EntryName, /*FromDisk=*/true);
    if (Code) {
      ++TheCounters.DiskHits;
      return Code;
    }
    // A well-formed file that does not link (say, a helper this process has
    // not registered) is no worse than a miss: compile and overwrite it.
    consumeError(Code.takeError());
  }

  auto Start = std::chrono::steady_clock::now();
  Expected<ThreadSafeModule> TSM = Build();
  if (!TSM)
    return TSM.takeError();
  Expected<SmallVector<char, 0>> Object = makeError("no module");
  {
    std::lock_guard<std::mutex> Lock(CodegenMutex);
    Object =
        TSM->withModuleDo([&](Module &M) -> Expected<SmallVector<char, 0>> {
          Expected<TargetMachine &> TM = hostMachine(codeGenOptLevel(OptLevel));
          if (!TM)
            return TM.takeError();
          if (M.getTargetTriple().empty())
            M.setTargetTriple(TM->getTargetTriple().str());
          if (M.getDataLayout().isDefault())
            M.setDataLayout(TM->createDataLayout());
          if (!M.getFunction(EntryName))
            return makeError("the module defines no function '" + EntryName +
                             "'");
          std::string Problems;
          raw_string_ostream OS(Problems);
          if (verifyModule(M, &OS))
            return makeError("invalid LLVM module: " + OS.str());
          runPipeline(M, OptLevel, &*TM);
          return runCodeGen(M, *TM, CodeGenFileType::ObjectFile);
        });
  }
  if (!Object)
    return Object.takeError();
  std::string Bytes(Object->begin(), Object->end());
  auto Code = link(MemoryBuffer::getMemBufferCopy(Bytes, "nejit-kernel"),
                   EntryName, /*FromDisk=*/false);
  auto Nanos = std::chrono::duration_cast<std::chrono::nanoseconds>(
                   std::chrono::steady_clock::now() - Start)
                   .count();
  TheCounters.CompileNanos += uint64_t(Nanos);
  if (!Code)
    return Code.takeError();
  ++TheCounters.Compiles;
  Disk.store(Hash, Full, Bytes);
  return Code;
}

Expected<std::shared_ptr<const CompiledCode>>
Engine::link(std::unique_ptr<MemoryBuffer> Object, StringRef EntryName,
             bool FromDisk) {
  std::lock_guard<std::mutex> Lock(LinkMutex);
  ExecutionSession &ES = J->getExecutionSession();
  auto JD = ES.createJITDylib("nejit-kernel-" + std::to_string(NextDylibId++));
  if (!JD)
    return JD.takeError();
  JD->addToLinkOrder(*RuntimeJD);

  uint64_t Bytes = 0;
  std::string LinkErrors;
  CurrentAllocBytes = &Bytes;
  CurrentLinkErrors = &LinkErrors;
  Expected<ExecutorAddr> Addr = makeError("not linked");
  if (Error Err = J->getObjLinkingLayer().add(*JD, std::move(Object)))
    Addr = std::move(Err);
  else
    Addr = J->lookup(*JD, EntryName);
  CurrentAllocBytes = nullptr;
  CurrentLinkErrors = nullptr;

  if (!Addr) {
    std::string Msg = "cannot link kernel '" + EntryName.str() + "': ";
    if (!LinkErrors.empty())
      Msg += LinkErrors + "; ";
    Msg += toString(Addr.takeError());
    if (Error Err = ES.removeJITDylib(*JD))
      consumeError(std::move(Err));
    return makeError(Msg);
  }
  return std::shared_ptr<const CompiledCode>(
      new CompiledCode(&*JD, Addr->toPtr<void *>(), Bytes, FromDisk));
}

void Engine::removeKernel(JITDylib *JD) {
  if (Exiting)
    return;
  std::lock_guard<std::mutex> Lock(LinkMutex);
  if (Error Err = J->getExecutionSession().removeJITDylib(*JD))
    logAllUnhandledErrors(std::move(Err), errs(), "nejit: releasing kernel: ");
}

void Engine::clearMemoryCache() {
  std::list<Node> Dropped;
  {
    std::lock_guard<std::mutex> Lock(CacheMutex);
    Dropped.swap(LRU);
    Index.clear();
    CachedBytes = 0;
    TheCounters.Entries = 0;
    TheCounters.CodeBytes = 0;
  }
  // Dropped dies here, outside CacheMutex.
}

void Engine::setLimits(uint64_t Entries, uint64_t CodeBytes) {
  std::vector<std::shared_ptr<const CompiledCode>> Victims;
  std::lock_guard<std::mutex> Lock(CacheMutex);
  MaxEntries = Entries;
  MaxCodeBytes = CodeBytes;
  evict(Victims);
  TheCounters.Entries = LRU.size();
  TheCounters.CodeBytes = CachedBytes;
  // Victims must die after the lock: declared first, destroyed last.
}

void Engine::forkPrepare() {
  // Before any lock: waits for a first computation in flight elsewhere (which
  // takes none of them), so the child never inherits its guard half-taken.
  (void)hostTripleAndLayout();
  Engine &E = *Instance;
  E.CodegenMutex.lock();
  E.LinkMutex.lock();
  E.CacheMutex.lock();
  E.Disk.lockForFork();
  lockHelpersForFork();
}

void Engine::forkParent() {
  Engine &E = *Instance;
  unlockHelpersAfterFork();
  E.Disk.unlockAfterFork();
  E.CacheMutex.unlock();
  E.LinkMutex.unlock();
  E.CodegenMutex.unlock();
}

void Engine::forkChild() {
  Engine &E = *Instance;
  // The threads compiling the in-flight keys exist only in the parent; in
  // the child nobody waits for them, and the next request compiles afresh.
  // The Pending objects are leaked: destroying a condition variable copied
  // mid-use from another thread's state is not safe.
  for (auto &KV : E.InFlight)
    new std::shared_ptr<Pending>(std::move(KV.second));
  E.InFlight.clear();
  unlockHelpersAfterFork();
  E.Disk.unlockAfterFork();
  E.CacheMutex.unlock();
  E.LinkMutex.unlock();
  E.CodegenMutex.unlock();
}

//===----------------------------------------------------------------------===//
// CompiledCode and the free functions
//===----------------------------------------------------------------------===//

CompiledCode::~CompiledCode() { Engine::existing().removeKernel(JD); }

Expected<std::shared_ptr<const CompiledCode>>
getOrCompile(const std::string &Key, ModuleBuilder Build, StringRef EntryName,
             unsigned OptLevel) {
  Expected<Engine &> E = Engine::get();
  if (!E)
    return E.takeError();
  return E->getOrCompile(Key, Build, EntryName, OptLevel);
}

void optimizeModule(Module &M, unsigned OptLevel, const HostTarget *Target) {
  if (OptLevel == 0)
    return;
  if (Target) {
    auto TM = createTargetMachine(*Target, codeGenOptLevel(OptLevel));
    if (!TM) {
      // Without a cost model the passes still run, only less informed.
      consumeError(TM.takeError());
      runPipeline(M, OptLevel, nullptr);
      return;
    }
    runPipeline(M, OptLevel, TM->get());
    return;
  }
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    runPipeline(M, OptLevel, nullptr);
    return;
  }
  std::lock_guard<std::mutex> Lock(E->codegenMutex());
  Expected<TargetMachine &> TM = E->hostMachine(codeGenOptLevel(OptLevel));
  if (!TM) {
    consumeError(TM.takeError());
    runPipeline(M, OptLevel, nullptr);
    return;
  }
  runPipeline(M, OptLevel, &*TM);
}

Stats stats() {
  Stats S;
  S.Hits = TheCounters.Hits;
  S.Misses = TheCounters.Misses;
  S.DiskHits = TheCounters.DiskHits;
  S.Compiles = TheCounters.Compiles;
  S.Evictions = TheCounters.Evictions;
  S.Entries = TheCounters.Entries;
  S.CodeBytes = TheCounters.CodeBytes;
  S.CompileSeconds = double(TheCounters.CompileNanos.load()) * 1e-9;
  return S;
}

void clearMemoryCache() {
  if (Engine *E = Engine::ifStarted())
    E->clearMemoryCache();
}

uint64_t liveCodeBytes() { return MeasuringMemoryManager::LiveBytes; }

std::string fullCacheKey(StringRef Key, StringRef EntryName,
                         unsigned OptLevel) {
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    return {};
  }
  return E->fullKey(Key, EntryName, OptLevel > 3 ? 3 : OptLevel);
}

void setCacheDirForTesting(std::string Dir) {
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    return;
  }
  E->disk().setDirectory(std::move(Dir));
}

std::string cacheDir() {
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    return {};
  }
  return E->disk().directory();
}

std::string cacheFileForTesting(StringRef Key, StringRef EntryName,
                                unsigned OptLevel) {
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    return {};
  }
  return E->disk().pathFor(DiskCache::hashKey(
      E->fullKey(Key, EntryName, OptLevel > 3 ? 3 : OptLevel)));
}

void setCacheLimitsForTesting(uint64_t MaxEntries, uint64_t MaxCodeBytes,
                              uint64_t MaxDiskBytes) {
  Expected<Engine &> E = Engine::get();
  if (!E) {
    consumeError(E.takeError());
    return;
  }
  E->setLimits(MaxEntries, MaxCodeBytes);
  E->disk().setMaxBytes(MaxDiskBytes);
}

} // namespace nejit::jit
