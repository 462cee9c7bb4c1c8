//===- ResultPool.cpp - Reused, already faulted-in result buffers ---------===//
/// \file
/// The result-buffer pool: a numpy memory handler (NEP 49) whose large
/// buffers are private anonymous mappings that go back to a bounded pool,
/// not to the system, when their array dies. Small requests go to malloc.
//===----------------------------------------------------------------------===//
#include "ResultPool.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <pthread.h>
#include <string>
#include <sys/mman.h>
#include <unistd.h>
#include <unordered_map>
#include <vector>

namespace nejit_py {
namespace {

constexpr size_t PageBytes = 4096;

/// Buffers at least this large come from the pool: below it, measured
/// (docs/performance.md, "Fresh results"), glibc's heap already hands back
/// faulted-in memory, and a mapping per array would only cost system calls.
constexpr size_t DefaultThreshold = size_t(1) << 20;

size_t roundToPages(size_t N) {
  return std::max(PageBytes, (N + PageBytes - 1) & ~(PageBytes - 1));
}

struct Pool {
  std::mutex Mutex;
  /// Length of every mapping this handler made and has not unmapped, live
  /// or pooled (free() and realloc() must know it; numpy's size argument
  /// is the array's byte count, not the mapping's).
  std::unordered_map<void *, size_t> Mapped;
  /// Pooled buffers, most recently freed first.
  std::list<std::pair<void *, size_t>> Free;
  size_t FreeBytes = 0;

  bool Enabled = true;
  size_t Threshold = DefaultThreshold;
  size_t MaxBytes = 0;
  size_t MaxEntries = 16;

  uint64_t Reused = 0, Mapped_ = 0, Unmapped = 0, Returned = 0;
};

/// Never destroyed: arrays allocated here may be freed while the
/// interpreter shuts down, after static destructors would have run.
Pool &pool() {
  static Pool *P = [] {
    auto *Q = new Pool;
    pthread_atfork([] { pool().Mutex.lock(); }, [] { pool().Mutex.unlock(); },
                   [] { pool().Mutex.unlock(); });
    return Q;
  }();
  return *P;
}

void unmapAll(const std::vector<std::pair<void *, size_t>> &Maps) {
  for (const auto &[Ptr, Len] : Maps)
    munmap(Ptr, Len);
}

/// Drops the oldest pooled buffers until the pool is within its bounds;
/// they are unmapped by the caller, outside the lock.
void trimLocked(Pool &P, std::vector<std::pair<void *, size_t>> &ToUnmap) {
  while (!P.Free.empty() &&
         (P.FreeBytes > P.MaxBytes || P.Free.size() > P.MaxEntries)) {
    auto [Ptr, Len] = P.Free.back();
    P.Free.pop_back();
    P.FreeBytes -= Len;
    P.Mapped.erase(Ptr);
    ++P.Unmapped;
    ToUnmap.emplace_back(Ptr, Len);
  }
}

/// A pooled buffer of at least Need bytes wasting at most a quarter of it,
/// the most recently freed first (its pages are the likeliest to be hot).
void *takeLocked(Pool &P, size_t Need) {
  for (auto It = P.Free.begin(); It != P.Free.end(); ++It)
    if (It->second >= Need && It->second - Need <= Need / 4) {
      void *Ptr = It->first;
      P.FreeBytes -= It->second;
      P.Free.erase(It);
      ++P.Reused;
      return Ptr;
    }
  return nullptr;
}

/// Mappings at least this large are placed on 2 MiB boundaries and marked
/// for transparent huge pages, as numpy marks its own arrays from 4 MiB on
/// (MADV_HUGEPAGE). With 4 KiB pages a memory-bound kernel writing a pooled
/// result ran up to 1.3x slower than into an np.empty array of the same size
/// (TLB misses; bench/bench_bandwidth.py, docs/performance.md).
constexpr size_t HugeThreshold = size_t(4) << 20;
constexpr size_t HugeBytes = size_t(2) << 20;

void *mapFresh(size_t Len) {
  bool Huge = Len >= HugeThreshold;
  size_t Span = Huge ? Len + HugeBytes : Len;
  void *Base = mmap(nullptr, Span, PROT_READ | PROT_WRITE,
                    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (Base == MAP_FAILED)
    return nullptr;
  char *Ptr = static_cast<char *>(Base);
  if (Huge) {
    // Trim the over-allocation to a 2 MiB-aligned run of Len bytes.
    char *Start = reinterpret_cast<char *>(
        (reinterpret_cast<uintptr_t>(Ptr) + HugeBytes - 1) & ~(HugeBytes - 1));
    if (Start > Ptr)
      munmap(Ptr, Start - Ptr);
    size_t Tail = (Ptr + Span) - (Start + Len);
    if (Tail)
      munmap(Start + Len, Tail);
    Ptr = Start;
    madvise(Ptr, Len, MADV_HUGEPAGE); // advice: failure only costs speed
  }
  Pool &P = pool();
  std::lock_guard<std::mutex> Lock(P.Mutex);
  P.Mapped.emplace(Ptr, Len);
  ++P.Mapped_;
  return Ptr;
}

//===----------------------------------------------------------------------===//
// The numpy memory handler
//===----------------------------------------------------------------------===//

void *poolMalloc(void *, size_t Size) {
  Pool &P = pool();
  if (Size < P.Threshold)
    return std::malloc(Size ? Size : 1);
  size_t Len = roundToPages(Size);
  {
    std::lock_guard<std::mutex> Lock(P.Mutex);
    if (void *Ptr = takeLocked(P, Len))
      return Ptr;
  }
  return mapFresh(Len);
}

void *poolCalloc(void *, size_t N, size_t ElemSize) {
  size_t Size;
  if (__builtin_mul_overflow(N, ElemSize, &Size))
    return nullptr;
  if (Size < pool().Threshold)
    return std::calloc(N ? N : 1, ElemSize ? ElemSize : 1);
  // A fresh mapping is zero already; a pooled one would need a memset.
  return mapFresh(roundToPages(Size));
}

void *poolRealloc(void *, void *Ptr, size_t NewSize) {
  if (!Ptr)
    return poolMalloc(nullptr, NewSize);
  Pool &P = pool();
  std::lock_guard<std::mutex> Lock(P.Mutex);
  auto It = P.Mapped.find(Ptr);
  if (It == P.Mapped.end())
    return std::realloc(Ptr, NewSize ? NewSize : 1);
  size_t Len = roundToPages(NewSize);
  void *New = mremap(Ptr, It->second, Len, MREMAP_MAYMOVE);
  if (New == MAP_FAILED)
    return nullptr;
  P.Mapped.erase(It);
  P.Mapped.emplace(New, Len);
  return New;
}

void poolFree(void *, void *Ptr, size_t) {
  if (!Ptr)
    return;
  Pool &P = pool();
  std::vector<std::pair<void *, size_t>> ToUnmap;
  {
    std::lock_guard<std::mutex> Lock(P.Mutex);
    auto It = P.Mapped.find(Ptr);
    if (It == P.Mapped.end()) {
      std::free(Ptr);
      return;
    }
    size_t Len = It->second;
    if (P.Enabled && Len <= P.MaxBytes) {
      P.Free.emplace_front(Ptr, Len);
      P.FreeBytes += Len;
      ++P.Returned;
      trimLocked(P, ToUnmap);
    } else {
      P.Mapped.erase(It);
      ++P.Unmapped;
      ToUnmap.emplace_back(Ptr, Len);
    }
  }
  unmapAll(ToUnmap);
}

PyDataMem_Handler Handler = {
    "nejit_result_pool",
    1,
    {nullptr, poolMalloc, poolCalloc, poolRealloc, poolFree},
};

/// The capsule numpy stores in every array allocated through the handler.
PyObject *HandlerCapsule = nullptr;

//===----------------------------------------------------------------------===//
// Python functions
//===----------------------------------------------------------------------===//

PyObject *releaseMemory(PyObject *, PyObject *) {
  Pool &P = pool();
  std::vector<std::pair<void *, size_t>> ToUnmap;
  size_t Bytes = 0;
  {
    std::lock_guard<std::mutex> Lock(P.Mutex);
    for (const auto &[Ptr, Len] : P.Free) {
      P.Mapped.erase(Ptr);
      ToUnmap.emplace_back(Ptr, Len);
      Bytes += Len;
      ++P.Unmapped;
    }
    P.Free.clear();
    P.FreeBytes = 0;
  }
  Py_BEGIN_ALLOW_THREADS unmapAll(ToUnmap);
  Py_END_ALLOW_THREADS return PyLong_FromSize_t(Bytes);
}

PyObject *poolStats(PyObject *, PyObject *) {
  Pool &P = pool();
  std::lock_guard<std::mutex> Lock(P.Mutex);
  return Py_BuildValue(
      "{s:O,s:n,s:n,s:n,s:n,s:n,s:n,s:K,s:K,s:K,s:K}", "enabled",
      P.Enabled ? Py_True : Py_False, "threshold", (Py_ssize_t)P.Threshold,
      "max_bytes", (Py_ssize_t)P.MaxBytes, "max_entries",
      (Py_ssize_t)P.MaxEntries, "pooled_bytes", (Py_ssize_t)P.FreeBytes,
      "pooled_entries", (Py_ssize_t)P.Free.size(), "mapped_buffers",
      (Py_ssize_t)P.Mapped.size(), "reused", (unsigned long long)P.Reused,
      "mapped", (unsigned long long)P.Mapped_, "unmapped",
      (unsigned long long)P.Unmapped, "returned",
      (unsigned long long)P.Returned);
}

PyMethodDef Methods[] = {
    {"release_memory", releaseMemory, METH_NOARGS,
     "release_memory()\n--\n\nGive every pooled result buffer back to the "
     "operating system; returns the number of bytes released."},
    {"_pool_stats", poolStats, METH_NOARGS,
     "Counters and bounds of the result-buffer pool."},
    {nullptr, nullptr, 0, nullptr}};

size_t envSize(const char *Name, size_t Default) {
  const char *V = std::getenv(Name);
  if (!V || !*V)
    return Default;
  char *End = nullptr;
  unsigned long long N = std::strtoull(V, &End, 10);
  return End && *End == '\0' ? (size_t)N : Default;
}

} // namespace

PyObject *newResultArray(PyArray_Descr *Descr, int ND, const npy_intp *Shape,
                         bool Fortran) {
  auto Plain = [&] {
    Py_INCREF(Descr); // PyArray_NewFromDescr steals it
    return PyArray_NewFromDescr(&PyArray_Type, Descr, ND,
                                const_cast<npy_intp *>(Shape), nullptr,
                                nullptr, Fortran ? 1 : 0, nullptr);
  };
  Pool &P = pool();
  size_t Bytes = (size_t)PyDataType_ELSIZE(Descr);
  for (int D = 0; D < ND; ++D)
    if (Shape[D] < 0 || __builtin_mul_overflow(Bytes, (size_t)Shape[D], &Bytes))
      return Plain(); // numpy reports the problem
  if (!P.Enabled || Bytes < P.Threshold)
    return Plain();
  PyObject *Old = PyDataMem_SetHandler(HandlerCapsule);
  if (!Old)
    return nullptr;
  PyObject *Result = Plain();
  PyObject *Type, *Value, *Trace;
  PyErr_Fetch(&Type, &Value, &Trace);
  PyObject *Ours = PyDataMem_SetHandler(Old);
  Py_DECREF(Old);
  Py_XDECREF(Ours);
  PyErr_Restore(Type, Value, Trace);
  return Result;
}

bool initResultPool(PyObject *Module) {
  Pool &P = pool();
  const char *On = std::getenv("NEJIT_POOL");
  P.Enabled = !(On && std::strcmp(On, "0") == 0);
  long Pages = sysconf(_SC_PHYS_PAGES);
  size_t Ram = Pages > 0 ? (size_t)Pages * PageBytes : size_t(4) << 30;
  P.MaxBytes = envSize("NEJIT_POOL_MAX_BYTES",
                       std::min<size_t>(size_t(512) << 20, Ram / 8));
  P.MaxEntries = envSize("NEJIT_POOL_MAX_ENTRIES", 16);
  HandlerCapsule = PyCapsule_New(&Handler, "mem_handler", nullptr);
  if (!HandlerCapsule)
    return false;
  return PyModule_AddFunctions(Module, Methods) == 0;
}

} // namespace nejit_py
