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

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_THREADS_H
