//===- Runtime/Threads.cpp - Thread settings ------------------------------===//
/// \file
/// Read once from the environment at first use; later changes go through
/// setNumThreads, as in numexpr.
//===----------------------------------------------------------------------===//
#include "Runtime/Threads.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>
#include <unistd.h>

// libomp's extension API (declared in LLVM's omp.h, which GCC does not use).
extern "C" void kmp_set_blocktime(int Milliseconds);

namespace nejit::runtime {

static int envInt(const char *Name) {
  const char *V = std::getenv(Name);
  if (!V || !*V)
    return -1;
  char *End;
  long N = std::strtol(V, &End, 10);
  return (*End == 0 && N > 0 && N < 1 << 20) ? (int)N : -1;
}

int coreCount() {
  long N = sysconf(_SC_NPROCESSORS_ONLN);
  return N > 0 ? (int)N : 1;
}

int maxThreads() {
  static const int Max = [] {
    int M = envInt("NUMEXPR_MAX_THREADS");
    return M > 0 ? M : 64;
  }();
  return Max;
}

static std::atomic<int> &current() {
  static std::atomic<int> Threads([] {
    int N = envInt("NEJIT_NUM_THREADS");
    if (N < 0)
      N = envInt("NUMEXPR_NUM_THREADS");
    if (N < 0)
      N = envInt("OMP_NUM_THREADS");
    if (N < 0)
      N = std::min(coreCount(), 16);
    return std::max(1, std::min(N, maxThreads()));
  }());
  return Threads;
}

int numThreads() { return current().load(std::memory_order_relaxed); }

int setNumThreads(int N) { return current().exchange(N); }

void prepareParallelRegion() {
  static const bool UserChoseWaitPolicy =
      std::getenv("KMP_BLOCKTIME") || std::getenv("OMP_WAIT_POLICY");
  thread_local bool Prepared = false;
  if (Prepared || UserChoseWaitPolicy)
    return;
  Prepared = true;
  kmp_set_blocktime(1);
}

} // namespace nejit::runtime
