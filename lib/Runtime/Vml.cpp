//===- Runtime/Vml.cpp - Finding and loading Intel MKL's VML --------------===//
/// \file
/// See Vml.h. MKL's functions are declared here by hand (the C prototypes of
/// mkl_service.h), so nejit builds without MKL's headers.
//===----------------------------------------------------------------------===//
#include "Runtime/Vml.h"

#include <atomic>
#include <cpuid.h>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <mutex>
#include <sys/stat.h>

namespace nejit::runtime {

namespace {
// mkl_service.h: MKL_THREADING_SEQUENTIAL.
constexpr int MklThreadingSequential = 1;
using SetThreadingLayerFn = int (*)(int);
using GetVersionStringFn = void (*)(char *, int);
using VmdUnaryFn = void (*)(int, const double *, double *, long long);

struct VmlState {
  std::mutex Mutex;
  std::vector<std::string> Prefixes;
  std::once_flag Once;
  std::atomic<bool> Attempted{false};
  VmlLibrary Lib;
  void *Handle = nullptr;
};

VmlState &state() {
  // Leaked on purpose: kernels calling MKL may run during static destruction.
  static VmlState *S = new VmlState;
  return *S;
}

bool isFile(const std::string &Path) {
  struct stat St;
  return stat(Path.c_str(), &St) == 0 && S_ISREG(St.st_mode);
}

bool isDirectory(const std::string &Path) {
  struct stat St;
  return stat(Path.c_str(), &St) == 0 && S_ISDIR(St.st_mode);
}

// libmkl_rt.so.3 in oneMKL 2026, .so.2 in the 2024-2025 releases; MKL's
// wheels ship no unversioned .so.
const char *const SoNames[] = {"libmkl_rt.so.3", "libmkl_rt.so.2"};

void addLibDir(std::vector<std::string> &Out, const std::string &Dir) {
  for (const char *Name : SoNames)
    Out.push_back(Dir + "/" + Name);
}
} // namespace

VmlSwitch vmlSwitch() {
  static const VmlSwitch S = [] {
    const char *V = std::getenv("NEJIT_VML");
    if (!V)
      return VmlSwitch::Auto;
    std::string T(V);
    for (char &C : T)
      C = (char)std::tolower((unsigned char)C);
    if (T == "0" || T == "off" || T == "false" || T == "no")
      return VmlSwitch::Off;
    if (T == "1" || T == "on" || T == "true" || T == "yes" || T == "force")
      return VmlSwitch::On;
    return VmlSwitch::Auto;
  }();
  return S;
}

void addVmlSearchPrefix(const std::string &Prefix) {
  VmlState &S = state();
  std::lock_guard<std::mutex> Lock(S.Mutex);
  for (const std::string &P : S.Prefixes)
    if (P == Prefix)
      return;
  S.Prefixes.push_back(Prefix);
}

std::vector<std::string> vmlSearchPaths() {
  std::vector<std::string> Out;
  if (const char *Env = std::getenv("NEJIT_MKL_LIB"); Env && *Env) {
    // An explicit choice is the only one: a file, or a directory holding it.
    std::string P(Env);
    if (isDirectory(P))
      addLibDir(Out, P);
    else
      Out.push_back(P);
    return Out;
  }
  std::vector<std::string> Prefixes;
  {
    VmlState &S = state();
    std::lock_guard<std::mutex> Lock(S.Mutex);
    Prefixes = S.Prefixes;
  }
  for (const char *Var : {"CONDA_PREFIX", "VIRTUAL_ENV"})
    if (const char *V = std::getenv(Var); V && *V)
      Prefixes.push_back(V);
  for (const std::string &P : Prefixes)
    addLibDir(Out, P + "/lib");
  // Last, the dynamic linker's own search (LD_LIBRARY_PATH, ldconfig): a
  // bare soname, which dlopen looks up rather than opening as a path.
  for (const char *Name : SoNames)
    Out.push_back(Name);
  return Out;
}

/// dlopen one candidate and prepare it: SEQUENTIAL first, then the version,
/// then one call, so that MKL loads its CPU-specific library now rather than
/// inside the first kernel (16-34 ms, measured).
static bool tryLoad(VmlState &S, const std::string &Path) {
  bool IsPath = Path.find('/') != std::string::npos;
  if (IsPath && !isFile(Path))
    return false;
  void *H = dlopen(Path.c_str(), RTLD_NOW | RTLD_LOCAL);
  S.Lib.Path = Path;
  if (!H) {
    const char *E = dlerror();
    S.Lib.Problem = std::string("cannot load ") + Path + ": " +
                    (E ? E : "unknown dlopen error");
    return false;
  }
  auto SetLayer = reinterpret_cast<SetThreadingLayerFn>(
      dlsym(H, "MKL_Set_Threading_Layer"));
  auto GetVersion =
      reinterpret_cast<GetVersionStringFn>(dlsym(H, "MKL_Get_Version_String"));
  auto Probe = reinterpret_cast<VmdUnaryFn>(dlsym(H, "vmdSin"));
  if (!SetLayer || !GetVersion || !Probe) {
    S.Lib.Problem = Path + " is not MKL's runtime library (no "
                           "MKL_Set_Threading_Layer, MKL_Get_Version_String "
                           "or vmdSin)";
    dlclose(H);
    return false;
  }
  // Returns the layer in force: another one means MKL was initialized in
  // this process before us (by a library linked to it), with its own
  // threads; calling it from nejit's threads would oversubscribe the cores.
  int Layer = SetLayer(MklThreadingSequential);
  if (Layer != MklThreadingSequential) {
    S.Lib.Problem = Path + " was already initialized with threading layer " +
                    std::to_string(Layer) +
                    " (nejit needs SEQUENTIAL); set MKL_THREADING_LAYER="
                    "SEQUENTIAL to use the VML backend";
    return false;
  }
  char Buf[256] = {0};
  GetVersion(Buf, sizeof Buf);
  std::string V(Buf);
  while (!V.empty() && (V.back() == ' ' || V.back() == '\n'))
    V.pop_back();
  double In = 0.5, Out = 0;
  Probe(1, &In, &Out, VmlModeHA | VmlErrModeIgnore);
  S.Handle = H;
  S.Lib.Loaded = true;
  S.Lib.Version = V;
  S.Lib.Problem.clear();
  return true;
}

const VmlLibrary &vmlLibrary() {
  VmlState &S = state();
  std::call_once(S.Once, [&S] {
    S.Attempted = true;
    if (vmlSwitch() == VmlSwitch::Off) {
      S.Lib.Problem = "the VML backend is turned off (NEJIT_VML=0)";
      return;
    }
    std::vector<std::string> Paths = vmlSearchPaths();
    for (const std::string &P : Paths)
      if (tryLoad(S, P))
        return;
    if (S.Lib.Problem.empty()) {
      std::string Tried;
      for (const std::string &P : Paths)
        Tried += (Tried.empty() ? "" : ", ") + P;
      S.Lib.Problem = "libmkl_rt not found (tried " + Tried +
                      "; `pip install mkl` or set NEJIT_MKL_LIB)";
    }
  });
  return S.Lib;
}

bool vmlLoadAttempted() { return state().Attempted.load(); }

void *vmlSymbol(const char *Name) {
  if (!vmlLibrary().Loaded)
    return nullptr;
  return dlsym(state().Handle, Name);
}

bool isVmlSymbolName(const char *Name) {
  // vd/vs/vc/vz + Upper (vdSin), vm + d/s/c/z + Upper (vmdSin), vml + Upper.
  size_t N = std::strlen(Name);
  auto Upper = [](char C) { return C >= 'A' && C <= 'Z'; };
  auto Kind = [](char C) {
    return C == 'd' || C == 's' || C == 'c' || C == 'z';
  };
  if (N >= 3 && Name[0] == 'v' && Kind(Name[1]) && Upper(Name[2]))
    return true;
  if (N >= 4 && Name[0] == 'v' && Name[1] == 'm' &&
      (Kind(Name[2]) || Name[2] == 'l') && Upper(Name[3]))
    return true;
  return false;
}

bool cpuIsIntel() {
  static const bool Intel = [] {
    unsigned A, B, C, D;
    if (!__get_cpuid(0, &A, &B, &C, &D))
      return false;
    char Vendor[13];
    std::memcpy(Vendor, &B, 4);
    std::memcpy(Vendor + 4, &D, 4);
    std::memcpy(Vendor + 8, &C, 4);
    Vendor[12] = 0;
    return std::strcmp(Vendor, "GenuineIntel") == 0;
  }();
  return Intel;
}

static std::atomic<int> VmlThreads{1};
int vmlNumThreads() { return VmlThreads.load(std::memory_order_relaxed); }
void setVmlNumThreads(int N) { VmlThreads.store(N, std::memory_order_relaxed); }

} // namespace nejit::runtime
