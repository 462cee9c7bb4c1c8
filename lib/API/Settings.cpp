//===- API/Settings.cpp - Process-wide settings and counters --------------===//
/// \file
/// The public API's process-wide knobs and read-outs: cache and tier
/// counters, the tier, thread counts, the VML library, and the version.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"

#include "Interp/Tier.h"
#include "JIT/Engine.h"
#include "JIT/Target.h"
#include "Runtime/Threads.h"
#include "Runtime/Vml.h"

#include "llvm/Config/llvm-config.h"

#include <cctype>
#include <cstdlib>
#include <gnu/libc-version.h>

#ifndef NEJIT_VERSION_STRING
#define NEJIT_VERSION_STRING "0.0.0"
#endif

namespace nejit {

CacheStats cacheStats() {
  jit::Stats S = jit::stats();
  CacheStats C;
  C.Hits = S.Hits;
  C.Misses = S.Misses;
  C.DiskHits = S.DiskHits;
  C.Compiles = S.Compiles;
  C.Evictions = S.Evictions;
  C.Entries = S.Entries;
  C.CodeBytes = S.CodeBytes;
  C.CompileSeconds = S.CompileSeconds;
  interp::TierCounters T = interp::tierCounters();
  C.Tier1Runs = T.Tier1Runs;
  C.BackgroundCompiles = T.BackgroundCompiles;
  C.Swaps = T.Swaps;
  return C;
}

Tier setTier(Tier T) {
  Tier Old = getTier();
  interp::setTierMode((interp::TierMode)T);
  return Old;
}

Tier getTier() { return (Tier)interp::tierMode(); }

int setNumThreads(int N) {
  if (N < 1 || N > runtime::maxThreads())
    throw Error(ErrorKind::Value, "number of threads must be in [1, " +
                                      std::to_string(runtime::maxThreads()) +
                                      "]");
  return runtime::setNumThreads(N);
}
int getNumThreads() { return runtime::numThreads(); }
int maxThreads() { return runtime::maxThreads(); }
int detectNumberOfCores() { return runtime::coreCount(); }

VmlStatus vmlStatus() {
  const runtime::VmlLibrary &L = runtime::vmlLibrary();
  VmlStatus S;
  S.Available = L.Loaded;
  S.Version = L.Version;
  S.Library = L.Path;
  S.Problem = L.Problem;
  return S;
}

void addVmlSearchPrefix(std::string_view Prefix) {
  runtime::addVmlSearchPrefix(std::string(Prefix));
}

int setVmlNumThreads(int N) {
  if (N < 1)
    throw Error(ErrorKind::Value, "number of VML threads must be positive");
  int Old = runtime::vmlNumThreads();
  runtime::setVmlNumThreads(N);
  return Old;
}
int getVmlNumThreads() { return runtime::vmlNumThreads(); }

namespace internal {

MathBackend envMathBackend() {
  static const MathBackend B = [] {
    const char *V = std::getenv("NEJIT_MATH_BACKEND");
    if (!V)
      return MathBackend::Auto;
    std::string T(V);
    for (char &C : T)
      C = (char)std::tolower((unsigned char)C);
    if (T == "libm")
      return MathBackend::Libm;
    if (T == "sleef")
      return MathBackend::Sleef;
    if (T == "vml")
      return MathBackend::VML;
    return MathBackend::Auto;
  }();
  return B;
}

std::string libmVersion() {
  return std::string("glibc ") + gnu_get_libc_version();
}

} // namespace internal

const char *version() { return NEJIT_VERSION_STRING; }

std::string versionString() {
  const jit::HostTarget &T = jit::hostTarget();
  const std::string &Refused = jit::targetSelectionError();
  return std::string("nejit ") + NEJIT_VERSION_STRING + " (LLVM " +
         LLVM_VERSION_STRING + ", Sleef 3.5, " +
         (Refused.empty() ? T.CPU : "refused " + Refused) + ", " +
         std::to_string(T.VectorBits) + "-bit vectors)";
}

void internal::checkTarget() {
  const std::string &Refused = jit::targetSelectionError();
  if (!Refused.empty())
    throw Error(ErrorKind::Value, Refused);
}

std::string targetCpu() {
  internal::checkTarget();
  return jit::hostTarget().CPU;
}

std::string targetFeatures() {
  internal::checkTarget();
  // The ISA levels that change what CodeGen and the interpreter emit.
  static const char *const Levels[] = {"sse4.1", "sse4.2", "avx",
                                       "avx2",   "fma",    "avx512f",
                                       "avx512bw", "avx512dq", "avx512vl"};
  std::string Out;
  for (const char *F : Levels)
    if (jit::hostTarget().hasFeature(F))
      Out += (Out.empty() ? "" : " ") + std::string(F);
  return Out;
}

int targetVectorBits() {
  internal::checkTarget();
  return (int)jit::hostTarget().VectorBits;
}

} // namespace nejit
