//===- Runtime/Vml.h - Finding and loading Intel MKL's VML ------*- C++ -*-===//
/// \file
/// Intel oneMKL's vector math library (VML) is nejit's optional second math
/// backend. It is never linked: libmkl_rt is found at run time (NEJIT_MKL_LIB,
/// else the prefixes the Python binding registers, i.e. where `pip install
/// mkl` put it, else $CONDA_PREFIX and $VIRTUAL_ENV, else the system's
/// library path), loaded once, lazily, by absolute path, and switched to its
/// SEQUENTIAL threading layer before anything else runs in it: nejit calls
/// VML on blocks from inside its own threads, and MKL's INTEL layer would
/// load libiomp5, which LLVM's libomp (and so nejit's OpenMP) then binds to.
/// NEJIT_VML=0 turns the backend off; NEJIT_VML=1 makes it serve every
/// function it covers (Options::Backend = Auto); otherwise Auto follows the
/// measured per-function choice (codegen::vmlPreferred).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_RUNTIME_VML_H
#define NEJIT_RUNTIME_VML_H

#include <string>
#include <vector>

namespace nejit::runtime {

/// The outcome of loading MKL (done at most once per process).
struct VmlLibrary {
  bool Loaded = false;
  std::string Path;    ///< the library that was loaded (or last tried)
  std::string Version; ///< MKL_Get_Version_String, e.g. "Intel(R) oneAPI ..."
  std::string Problem; ///< why it is not loaded (empty when Loaded)
};

/// NEJIT_VML, read once: "0"/"off"/"false" Off, "1"/"on"/"true"/"force" On,
/// anything else (or unset) Auto.
enum class VmlSwitch { Off, Auto, On };
VmlSwitch vmlSwitch();

/// Adds a directory prefix whose lib/ may hold libmkl_rt (the Python binding
/// passes sys.prefix and sys.base_prefix). Only prefixes added before the
/// first vmlLibrary() call are searched.
void addVmlSearchPrefix(const std::string &Prefix);

/// The candidate paths vmlLibrary() tries, in order (for diagnostics).
std::vector<std::string> vmlSearchPaths();

/// Loads MKL on the first call (thread-safe); later calls return the same
/// result. Never loads anything when vmlSwitch() is Off.
const VmlLibrary &vmlLibrary();

/// Whether vmlLibrary() has already been attempted (does not load it).
bool vmlLoadAttempted();

/// The address of an MKL function by name, loading MKL first; nullptr when
/// MKL is not loaded or has no such symbol.
void *vmlSymbol(const char *Name);

/// Whether a symbol name is one of MKL's vector math functions (vdSin,
/// vmzExp, vmlSetMode, ...), which the JIT resolves through vmlSymbol.
bool isVmlSymbolName(const char *Name);

/// The CPU vendor is GenuineIntel. MKL's VML runs CPU-specific code only
/// there; elsewhere it takes its generic path (measured 1.5-4x slower than
/// Sleef on AMD EPYC, docs/performance.md), which decides Backend::Auto.
bool cpuIsIntel();

/// VML's accuracy-mode bits for the vm* functions' mode argument: VML_HA
/// (0x2), VML_LA (0x1), VML_EP (0x3), each with VML_ERRMODE_IGNORE (0x100)
/// so that VML neither sets errno nor calls an error handler.
enum : long long {
  VmlModeLA = 0x1,
  VmlModeHA = 0x2,
  VmlModeEP = 0x3,
  VmlErrModeIgnore = 0x100,
};

/// MKL's VML domain thread setting as numexpr exposes it
/// (set_vml_num_threads/get_vml_num_threads). nejit keeps MKL sequential and
/// runs VML inside its own threads, so this value is recorded and reported
/// but does not start MKL threads. 1 until set.
int vmlNumThreads();
void setVmlNumThreads(int N);

} // namespace nejit::runtime

#endif // NEJIT_RUNTIME_VML_H
