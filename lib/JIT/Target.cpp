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

/// The machine this process runs on, as LLVM detects it.
static HostTarget detectNative() {
  HostTarget T;
  T.Triple = sys::getProcessTriple();
  T.CPU = sys::getHostCPUName().str();
  StringMap<bool> Map;
  for (const auto &KV : sys::getHostCPUFeatures())
    Map[KV.getKey()] = KV.getValue();
  T.Features = joinFeatures(Map, T.Enabled);
  T.VectorBits = naturalVectorBits(T);
  return T;
}

const HostTarget &nativeTarget() {
  static const HostTarget Native = detectNative();
  return Native;
}

/// CPU on Native's triple, with Features on top of the CPU's own (or of
/// Native's when CPU is empty). The feature names are those host detection
/// reports, so that the strings of the native target and of an equivalent
/// named one compare equal.
static Expected<HostTarget> targetFor(const HostTarget &Base, StringRef CPU,
                                      StringRef Features) {
  initializeNativeTarget();
  const HostTarget &Native = nativeTarget();
  HostTarget T;
  T.Triple = Native.Triple;
  T.CPU = CPU.empty() ? Base.CPU : CPU.str();
  std::string Err;
  const Target *TheTarget = TargetRegistry::lookupTarget(T.Triple, Err);
  if (!TheTarget)
    return createStringError(inconvertibleErrorCode(), "%s", Err.c_str());
  std::string All = CPU.empty() ? Base.Features : std::string();
  if (!Features.empty())
    All += (All.empty() ? "" : ",") + Features.str();
  std::unique_ptr<MCSubtargetInfo> STI(
      TheTarget->createMCSubtargetInfo(T.Triple, "", ""));
  // LLVM would warn on stderr and fall back to a generic CPU.
  if (!CPU.empty() && (!STI || !STI->isCPUStringValid(CPU)))
    return createStringError(inconvertibleErrorCode(),
                             "unknown cpu '%s' (an LLVM cpu name such as "
                             "x86-64-v2, x86-64-v3, x86-64-v4, haswell, "
                             "znver3, skylake-avx512, or native)",
                             T.CPU.c_str());
  STI.reset(TheTarget->createMCSubtargetInfo(T.Triple, T.CPU, All));
  if (!STI)
    return createStringError(inconvertibleErrorCode(),
                             "cannot create a subtarget for cpu '%s'",
                             T.CPU.c_str());
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

/// The features T needs that this machine lacks, comma-separated.
static std::string missingFeatures(const HostTarget &T) {
  std::string Missing;
  for (const std::string &F : T.Enabled)
    if (!nativeTarget().hasFeature(F))
      Missing += (Missing.empty() ? "" : ", ") + F;
  return Missing;
}

namespace {
/// hostTarget() and, when NEJIT_CPU could not be honoured, why.
struct SelectedTarget {
  HostTarget Target;
  std::string Error;
};
} // namespace

/// NEJIT_CPU's target (the native one when unset or "native"), with
/// NEJIT_VECTOR_BITS applied. A CPU this machine cannot run is refused: its
/// code would die of SIGILL. Then the native target stands in, so that
/// nothing is generated for the wrong machine, and every entry point reports
/// the error (targetSelectionError).
static SelectedTarget selectTarget() {
  SelectedTarget S{nativeTarget(), ""};
  const char *Cpu = std::getenv("NEJIT_CPU");
  if (Cpu && *Cpu && StringRef(Cpu) != "native") {
    Expected<HostTarget> T = targetFor(nativeTarget(), Cpu, "");
    if (!T) {
      S.Error = "NEJIT_CPU=" + std::string(Cpu) + ": " +
                toString(T.takeError());
    } else if (std::string Missing = missingFeatures(*T); !Missing.empty()) {
      S.Error = "NEJIT_CPU=" + std::string(Cpu) + " needs " + Missing +
                ", which this cpu (" + nativeTarget().CPU + ") lacks";
    } else {
      S.Target = std::move(*T);
    }
  }
  if (const char *Env = std::getenv("NEJIT_VECTOR_BITS")) {
    unsigned Bits = 0;
    if (!StringRef(Env).getAsInteger(10, Bits) &&
        (Bits == 128 || Bits == 256 || Bits == 512))
      S.Target.VectorBits = std::min(Bits, S.Target.VectorBits);
  }
  return S;
}

static const SelectedTarget &selected() {
  static const SelectedTarget S = selectTarget();
  return S;
}

const HostTarget &hostTarget() { return selected().Target; }

const std::string &targetSelectionError() { return selected().Error; }

Expected<HostTarget> makeTarget(StringRef CPU, StringRef Features) {
  return targetFor(hostTarget(), CPU, Features);
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
