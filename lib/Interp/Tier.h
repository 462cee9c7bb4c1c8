//===- Interp/Tier.h - Interpreter or JIT; the compiler thread --*- C++ -*-===//
/// \file
/// NEJIT_TIER=interp|jit|auto (default auto) and the background compiler.
/// Under auto, a kernel variant whose JIT code is not ready runs in the
/// interpreter; once the variant proves hot it is queued for the one
/// compiler thread, and the first run after the code is ready swaps to it.
/// The queue is bounded; the thread starts on first use, stops at exit
/// (after the compile in progress) and does not survive fork(): a child
/// starts its own and forgets what was queued in the parent.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_INTERP_TIER_H
#define NEJIT_INTERP_TIER_H

#include "llvm/ADT/STLFunctionalExtras.h"

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace nejit::interp {

enum class TierMode : uint8_t { Auto, Interp, Jit };

/// NEJIT_TIER, read once ("interp", "jit", "auto"; anything else is auto).
TierMode tierMode();
/// Overrides NEJIT_TIER for every later run (nejit::setTier).
void setTierMode(TierMode M);

/// Counters since process start.
struct TierCounters {
  uint64_t Tier1Runs = 0;          ///< runs answered by the interpreter
  uint64_t BackgroundCompiles = 0; ///< variants the compiler thread finished
  uint64_t Swaps = 0;              ///< interpreted variants given JIT code
  uint64_t QueueFull = 0;          ///< compiles not queued: queue full
};
TierCounters tierCounters();

/// Called by every thread that compiles or runs kernels: in the process's
/// main thread it arms the guard that stops the compiler thread when exit()
/// begins, before LLVM's statics are destroyed (see Tier.cpp).
void armExitGuard();

/// Queues Job for the compiler thread (started now if needed). False if the
/// queue is full or the process is exiting; the job is then dropped.
bool enqueueBackground(std::function<void()> Job);
/// Bumped in a fork child: work queued before the fork is gone.
uint64_t backgroundGeneration();
/// Blocks until the queue is empty and no job runs (tests, benchmarks).
void waitForBackgroundIdle();

/// Pending maximum of the queue.
constexpr size_t BackgroundQueueLimit = 64;
/// Under auto, a variant is queued for compilation once the interpreter has
/// done this much work on it: elements times block kernels run, summed over
/// its runs. The JIT's fused loop saves the interpreter's passes over its
/// block buffers, roughly 0.3-0.5 ns per element and kernel, and costs 2-3
/// ms to compile: about 8M element-kernels of interpreting repay it. An
/// expression evaluated a few times on small arrays never gets compiled.
constexpr int64_t HotWork = int64_t(8) << 20;
/// What one interpreted run costs beyond its elements, in the same units
/// (its setup costs about 0.1 us more than a JIT kernel's): a loop over a
/// tiny array gets compiled after about 32K runs.
constexpr int64_t PerRunWork = 256;

/// One kernel's tier bookkeeping, per layout variant (KernelSpec::key()).
class TierState {
public:
  /// Notes one interpreted run under auto (the variant's JIT code is not
  /// ready): Work is this run's (see HotWork). Once the variant is hot,
  /// Queue is called (once per variant and fork generation, or again after
  /// it failed to queue) to put its compilation in the background and
  /// returns whether it did.
  void interpreted(const std::string &Key, int64_t Work,
                   llvm::function_ref<bool()> Queue);
  /// Called by the background job when the compile finished (Ok: the
  /// variant's code is installed, and later runs swap to it).
  void finished(const std::string &Key, bool Ok);

private:
  enum class Phase : uint8_t { Cold, Queued, Ready, Failed };
  struct Entry {
    Phase P = Phase::Cold;
    int64_t Work = 0;        ///< interpreted work, summed
    uint64_t Generation = 0; ///< of the queueing
  };
  std::mutex Mutex;
  std::map<std::string, Entry> Entries;
};

/// Counts one interpreted run (every mode).
void countTier1Run();

} // namespace nejit::interp

#endif // NEJIT_INTERP_TIER_H
