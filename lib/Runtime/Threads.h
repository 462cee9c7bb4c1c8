//===- Runtime/Threads.h - Thread settings with numexpr's rules -*- C++ -*-===//
/// \file
/// The thread count starts from NEJIT_NUM_THREADS, else NUMEXPR_NUM_THREADS,
/// else OMP_NUM_THREADS, else min(cores, 16), capped by NUMEXPR_MAX_THREADS
/// (default 64) — numexpr's order, with nejit's own spelling first.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_THREADS_H
#define NEJIT_RUNTIME_THREADS_H

namespace nejit::runtime {

int numThreads();
/// Returns the previous value; N must be in [1, maxThreads()].
int setNumThreads(int N);
int maxThreads();
int coreCount();

/// Called on a thread before it starts an OpenMP region: unless the user set
/// KMP_BLOCKTIME or OMP_WAIT_POLICY, idle workers spin for 1 ms rather than
/// libomp's 200 ms, so that nejit does not take a core from whatever the
/// program runs next (numpy, numexpr, another library's threads), while
/// back-to-back calls still find their workers awake.
void prepareParallelRegion();

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_THREADS_H
