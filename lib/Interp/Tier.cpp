//===- Interp/Tier.cpp - Choosing between the interpreter and the JIT -----===//
/// \file
/// The mode switch, the counters, the bounded background queue with its one
/// compiler thread, and the per-kernel state machine (cold -> queued ->
/// ready, or failed: then the interpreter keeps answering).
//===----------------------------------------------------------------------===//
#include "Interp/Tier.h"

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <pthread.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>

namespace nejit::interp {

namespace {

std::atomic<int> ModeOverride{-1};

struct Counters {
  std::atomic<uint64_t> Tier1Runs{0}, BackgroundCompiles{0}, Swaps{0},
      QueueFull{0};
};
Counters &counters() {
  static Counters *C = new Counters; // used by the compiler thread at exit
  return *C;
}

/// The compiler thread and its queue. Leaked: jobs may be queued during
/// static destruction of other objects, and exiting must not destroy a
/// thread object that is still joinable.
///
/// At exit the compile in progress must finish before LLVM's function-local
/// statics are destroyed (SelectionDAG's value-type set, the X86 passes'
/// tables: built lazily by the first compile, then destroyed by exit() in
/// the reverse order of their construction, while the compiler thread still
/// uses them). exit() calls the exiting thread's thread_local destructors
/// before any atexit handler or static destructor, so a guard in the main
/// thread stops the compiler first; for an exit from another thread the
/// atexit handler is registered again after every job, which puts it before
/// every static that the jobs so far have built.
class Background {
public:
  static Background &get() {
    static Background *B = [] {
      auto *New = new Background;
      pthread_atfork(&Background::forkPrepare, &Background::forkParent,
                     &Background::forkChild);
      std::atexit(&Background::stopAtExit);
      return New;
    }();
    return *B;
  }

  bool enqueue(std::function<void()> Job) {
    std::lock_guard<std::mutex> Lock(Mutex);
    if (Stopping || Queue.size() >= BackgroundQueueLimit)
      return false;
    if (!Thread)
      Thread = new std::thread([this] { loop(); });
    Queue.push_back(std::move(Job));
    Wake.notify_one();
    return true;
  }

  void waitIdle() {
    std::unique_lock<std::mutex> Lock(Mutex);
    Idle.wait(Lock, [&] { return Stopping || (Queue.empty() && !Busy); });
  }

  uint64_t generation() const { return Generation.load(); }

  /// Stops the compiler thread when the main thread exits.
  struct MainThreadGuard {
    ~MainThreadGuard() { stopAtExit(); }
  };
  static void armMainThreadGuard() {
    static thread_local MainThreadGuard Guard;
    (void)Guard;
  }

private:
  std::mutex Mutex;
  std::condition_variable Wake, Idle;
  std::deque<std::function<void()>> Queue;
  std::thread *Thread = nullptr;
  bool Busy = false, Stopping = false;
  /// Bounds the atexit entries a long-lived process accumulates; the
  /// statics a compile can build are all built long before this many jobs.
  static constexpr int MaxRegistrations = 4096;
  int Registrations = 0;
  std::atomic<uint64_t> Generation{1};

  void loop() {
    std::unique_lock<std::mutex> Lock(Mutex);
    for (;;) {
      Wake.wait(Lock, [&] { return Stopping || !Queue.empty(); });
      if (Stopping)
        break;
      std::function<void()> Job = std::move(Queue.front());
      Queue.pop_front();
      Busy = true;
      Lock.unlock();
      Job();
      Job = nullptr; // drop what it holds before the next wait
      if (Registrations < MaxRegistrations && ++Registrations)
        std::atexit(&Background::stopAtExit); // see the class comment
      Lock.lock();
      Busy = false;
      if (Queue.empty())
        Idle.notify_all();
    }
    Idle.notify_all();
  }

  /// At exit the compile in progress finishes and the rest of the queue is
  /// dropped. Runs several times (the guard, each registration); only the
  /// first joins.
  static void stopAtExit() {
    Background &B = get();
    std::thread *T;
    {
      std::lock_guard<std::mutex> Lock(B.Mutex);
      B.Stopping = true;
      B.Queue.clear();
      B.Wake.notify_all();
      B.Idle.notify_all();
      T = B.Thread;
    }
    if (T && T->joinable() && T->get_id() != std::this_thread::get_id()) {
      std::lock_guard<std::mutex> JoinLock(joinMutex());
      if (T->joinable())
        T->join();
    }
  }
  static std::mutex &joinMutex() {
    static std::mutex *M = new std::mutex; // outlives every exit handler
    return *M;
  }

  static void forkPrepare() { get().Mutex.lock(); }
  static void forkParent() { get().Mutex.unlock(); }
  static void forkChild() {
    Background &B = get();
    // The thread and the job it was running exist only in the parent; its
    // std::thread object is leaked (destroying a joinable one aborts).
    B.Thread = nullptr;
    B.Queue.clear();
    B.Busy = false;
    B.Generation.fetch_add(1);
    B.Mutex.unlock();
  }
};

} // namespace

TierMode tierMode() {
  int O = ModeOverride.load();
  if (O >= 0)
    return (TierMode)O;
  static const TierMode FromEnv = [] {
    const char *V = std::getenv("NEJIT_TIER");
    if (V && std::strcmp(V, "interp") == 0)
      return TierMode::Interp;
    if (V && std::strcmp(V, "jit") == 0)
      return TierMode::Jit;
    return TierMode::Auto;
  }();
  return FromEnv;
}

void setTierMode(TierMode M) { ModeOverride.store((int)M); }

TierCounters tierCounters() {
  Counters &C = counters();
  TierCounters T;
  T.Tier1Runs = C.Tier1Runs.load();
  T.BackgroundCompiles = C.BackgroundCompiles.load();
  T.Swaps = C.Swaps.load();
  T.QueueFull = C.QueueFull.load();
  return T;
}

void armExitGuard() {
  static thread_local bool Checked = false;
  if (Checked)
    return;
  Checked = true;
  if (syscall(SYS_gettid) == getpid())
    Background::armMainThreadGuard();
}

/// The library is loaded by the main thread in nearly every process (linked
/// in, or imported by Python's main thread): arm its guard then, so that it
/// holds even when only other threads run kernels.
const bool ArmedAtLoad = (armExitGuard(), true);

void countTier1Run() { counters().Tier1Runs.fetch_add(1); }

bool enqueueBackground(std::function<void()> Job) {
  if (Background::get().enqueue(std::move(Job)))
    return true;
  counters().QueueFull.fetch_add(1);
  return false;
}

uint64_t backgroundGeneration() { return Background::get().generation(); }

void waitForBackgroundIdle() { Background::get().waitIdle(); }

void TierState::interpreted(const std::string &Key, int64_t Work,
                            llvm::function_ref<bool()> Queue) {
  std::lock_guard<std::mutex> Lock(Mutex);
  Entry &E = Entries[Key];
  uint64_t Gen = backgroundGeneration();
  if ((E.P == Phase::Queued && E.Generation != Gen) || E.P == Phase::Ready)
    E.P = Phase::Cold; // queued before a fork, or the code was dropped
  E.Work += Work;
  if (E.P == Phase::Cold && E.Work >= HotWork) {
    E.P = Phase::Queued;
    E.Generation = Gen;
    if (!Queue())
      E.P = Phase::Cold;
  }
}

void TierState::finished(const std::string &Key, bool Ok) {
  Counters &C = counters();
  C.BackgroundCompiles.fetch_add(1);
  if (Ok)
    C.Swaps.fetch_add(1);
  std::lock_guard<std::mutex> Lock(Mutex);
  Entries[Key].P = Ok ? Phase::Ready : Phase::Failed;
}

} // namespace nejit::interp
