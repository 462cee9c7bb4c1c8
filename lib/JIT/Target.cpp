//===- JIT/Target.cpp - The machine the JIT generates code for ------------===//
/// \file
/// Host detection and TargetMachine creation; see Target.h.
//===----------------------------------------------------------------------===//
#include "JIT/Target.h"

#include "llvm/ADT/StringMap.h"
#include "llvm/MC/MCSubtargetInfo.h"
#include "llvm/MC/TargetRegistry.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Target/TargetOptions.h"
#include "llvm/TargetParser/Host.h"

#include <algorithm>
#include <cstdlib>
#include <mutex>

using namespace llvm;

namespace nejit::jit {

bool HostTarget::hasFeature(StringRef F) const {
  F.consume_front("+");
  return std::binary_search(Enabled.begin(), Enabled.end(), F.str());
}

void initializeNativeTarget() {
  static std::once_flag Once;
  std::call_once(Once, [] {
    InitializeNativeTarget();
    InitializeNativeTargetAsmPrinter();
    InitializeNativeTargetAsmParser();
  });
}

/// Sorted "+a,-b,..." from a name -> enabled map; fills Enabled too.
static std::string joinFeatures(const StringMap<bool> &Map,
                                std::vector<std::string> &Enabled) {
  std::vector<std::pair<std::string, bool>> Sorted;
  for (const auto &KV : Map)
    Sorted.emplace_back(KV.getKey().str(), KV.getValue());
  std::sort(Sorted.begin(), Sorted.end());
  std::string Out;
  Enabled.clear();
  for (const auto &[Name, On] : Sorted) {
    if (!Out.empty())
      Out += ',';
    Out += On ? '+' : '-';
    Out += Name;
    if (On)
      Enabled.push_back(Name);
  }
  return Out;
}

/// The widest vector the features support for nejit's kernels. AVX without
/// FMA is treated as 128 because the kernels' multiply-adds would be split.
static unsigned naturalVectorBits(const HostTarget &T) {
  if (T.hasFeature("avx512f"))
    return 512;
  if (T.hasFeature("avx2") && T.hasFeature("fma"))
    return 256;
  return 128;
}

static HostTarget detectHost() {
  HostTarget T;
  T.Triple = sys::getProcessTriple();
  T.CPU = sys::getHostCPUName().str();
  StringMap<bool> Map;
  for (const auto &KV : sys::getHostCPUFeatures())
    Map[KV.getKey()] = KV.getValue();
  T.Features = joinFeatures(Map, T.Enabled);
  T.VectorBits = naturalVectorBits(T);
  if (const char *Env = std::getenv("NEJIT_VECTOR_BITS")) {
    unsigned Bits = 0;
    if (!StringRef(Env).getAsInteger(10, Bits) &&
        (Bits == 128 || Bits == 256 || Bits == 512))
      T.VectorBits = std::min(Bits, T.VectorBits);
  }
  return T;
}

const HostTarget &hostTarget() {
  static const HostTarget Host = detectHost();
  return Host;
}

Expected<HostTarget> makeTarget(StringRef CPU, StringRef Features) {
  initializeNativeTarget();
  const HostTarget &Host = hostTarget();
  HostTarget T;
  T.Triple = Host.Triple;
  T.CPU = CPU.empty() ? Host.CPU : CPU.str();
  std::string Err;
  const Target *TheTarget = TargetRegistry::lookupTarget(T.Triple, Err);
  if (!TheTarget)
    return createStringError(inconvertibleErrorCode(), "%s", Err.c_str());
  // An empty CPU keeps the host's detected features as the base; a named CPU
  // starts from that CPU's own feature set.
  std::string Base = CPU.empty() ? Host.Features : std::string();
  std::string All = Base;
  if (!Features.empty())
    All += (All.empty() ? "" : ",") + Features.str();
  std::unique_ptr<MCSubtargetInfo> STI(
      TheTarget->createMCSubtargetInfo(T.Triple, T.CPU, All));
  if (!STI)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a subtarget for cpu '%s'",
                             T.CPU.c_str());
  // Report the same (ISA) feature names host detection reports, so that the
  // strings of a host target and of an equivalent made target compare equal.
  StringMap<bool> Map;
  for (const auto &KV : sys::getHostCPUFeatures())
    Map[KV.getKey()] = false;
  for (const SubtargetFeatureKV &KV : STI->getAllProcessorFeatures()) {
    auto It = Map.find(KV.Key);
    if (It != Map.end())
      It->second = STI->getFeatureBits().test(KV.Value);
  }
  T.Features = joinFeatures(Map, T.Enabled);
  T.VectorBits = naturalVectorBits(T);
  return T;
}

CodeGenOptLevel codeGenOptLevel(unsigned OptLevel) {
  switch (OptLevel) {
  case 0:
    return CodeGenOptLevel::None;
  case 1:
    return CodeGenOptLevel::Less;
  case 2:
    return CodeGenOptLevel::Default;
  default:
    return CodeGenOptLevel::Aggressive;
  }
}

Expected<std::unique_ptr<TargetMachine>>
createTargetMachine(const HostTarget &T, CodeGenOptLevel Level) {
  initializeNativeTarget();
  std::string Err;
  const Target *TheTarget = TargetRegistry::lookupTarget(T.Triple, Err);
  if (!TheTarget)
    return createStringError(inconvertibleErrorCode(), "%s", Err.c_str());
  TargetOptions Opts;
  std::unique_ptr<TargetMachine> TM(TheTarget->createTargetMachine(
      T.Triple, T.CPU, T.Features, Opts, Reloc::PIC_, CodeModel::Small, Level,
      /*JIT=*/false));
  if (!TM)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a target machine for '%s'",
                             T.Triple.c_str());
  return TM;
}

} // namespace nejit::jit
