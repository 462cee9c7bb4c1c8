//===- ExprCache.cpp - Parsed expressions and their kernels ---------------===//
/// \file
/// The per-expression cache of the evaluate() fast path: finds or builds the
/// ExprInfo of an expression string (running numexpr's sanitizer check
/// first), and finds or compiles its kernel for the operands' dtypes and
/// the current optimization and accuracy.
//===----------------------------------------------------------------------===//
#include "ExprCache.h"
#include "Arrays.h"
#include "Errors.h"
#include "PyRef.h"
#include "common.h"

#include <atomic>
#include <optional>

namespace nejit_py {

namespace {

// Built at import and never released (the module is never unloaded).
PyObject *ExprCache;    // dict: expression str -> capsule(ExprInfo)
PyObject *SanitizeFunc; // nejit._sanitize.is_forbidden

std::atomic<uint8_t> Accuracy{uint8_t(nejit::Accuracy::High)};

constexpr size_t MaxCachedExprs = 4096;

void destroyInfo(PyObject *Capsule) {
  delete static_cast<ExprInfo *>(
      PyCapsule_GetPointer(Capsule, "nejit.ExprInfo"));
}

/// The sanitizer's verdict for the expression (cached); false with
/// ValueError set when it is forbidden, or on error.
bool checkSanitized(ExprInfo *Info, PyObject *Ex) {
  if (Info && Info->Forbidden == 0)
    return true;
  int Forbidden;
  if (Info && Info->Forbidden == 1) {
    Forbidden = 1;
  } else {
    if (!SanitizeFunc) {
      Ref San(PyImport_ImportModule("nejit._sanitize"));
      if (!San)
        return false;
      SanitizeFunc = PyObject_GetAttrString(San.P, "is_forbidden");
      if (!SanitizeFunc)
        return false;
    }
    Ref R(PyObject_CallOneArg(SanitizeFunc, Ex));
    if (!R)
      return false;
    Forbidden = PyObject_IsTrue(R.P);
    if (Forbidden < 0)
      return false;
    if (Info)
      Info->Forbidden = int8_t(Forbidden);
  }
  if (Forbidden) {
    PyErr_Format(PyExc_ValueError,
                 "Expression %U has forbidden control characters.", Ex);
    return false;
  }
  return true;
}

} // namespace

bool initExprCache() {
  ExprCache = PyDict_New();
  return ExprCache != nullptr;
}

void clearExprCache() { PyDict_Clear(ExprCache); }

Py_ssize_t exprCacheSize() { return PyDict_GET_SIZE(ExprCache); }

nejit::Accuracy currentAccuracy() {
  return nejit::Accuracy(Accuracy.load(std::memory_order_relaxed));
}
void setCurrentAccuracy(nejit::Accuracy A) {
  Accuracy.store(uint8_t(A), std::memory_order_relaxed);
}

ExprInfo *getInfo(PyObject *Ex, bool Sanitize, PyObject **Capsule) {
  PyObject *Cap = PyDict_GetItemWithError(ExprCache, Ex);
  if (Cap) {
    ExprInfo *Info = infoOf(Cap);
    if (Sanitize && !checkSanitized(Info, Ex))
      return nullptr;
    *Capsule = Cap;
    return Info;
  }
  if (PyErr_Occurred())
    return nullptr;
  if (Sanitize && !checkSanitized(nullptr, Ex))
    return nullptr;
  Py_ssize_t Len;
  const char *Text = PyUnicode_AsUTF8AndSize(Ex, &Len);
  if (!Text)
    return nullptr;
  auto Info = std::make_unique<ExprInfo>();
  Info->Text.assign(Text, size_t(Len));
  if (Sanitize)
    Info->Forbidden = 0;
  try {
    // numexpr binds only the variables its typed expression still reads.
    std::vector<std::string> Names = nejit::usedVariableNames(Info->Text);
    for (const std::string &N : Names) {
      PyObject *S = PyUnicode_FromStringAndSize(N.data(), Py_ssize_t(N.size()));
      if (!S)
        return nullptr;
      PyUnicode_InternInPlace(&S);
      Info->Names.push_back(S);
    }
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return nullptr;
  } catch (const std::exception &E) {
    PyErr_SetString(PyExc_RuntimeError, E.what());
    return nullptr;
  }
  ExprInfo *Raw = Info.get();
  Ref NewCap(PyCapsule_New(Info.release(), "nejit.ExprInfo", destroyInfo));
  if (!NewCap) {
    delete Raw;
    return nullptr;
  }
  if (size_t(PyDict_GET_SIZE(ExprCache)) >= MaxCachedExprs)
    PyDict_Clear(ExprCache); // capsules still referenced elsewhere survive
  if (PyDict_SetItem(ExprCache, Ex, NewCap.P) < 0)
    return nullptr;
  *Capsule = NewCap.P; // borrowed from the dict
  return Raw;
}

KernelEntry *getKernel(ExprInfo *Info, const std::vector<int64_t> &Codes,
                       uint8_t Opt) {
  uint8_t Acc = uint8_t(currentAccuracy());
  for (auto &E : Info->Kernels)
    if (E->Opt == Opt && E->Acc == Acc && E->Codes == Codes)
      return E.get();
  nejit::Signature Sig;
  Sig.reserve(Codes.size());
  for (size_t I = 0; I < Codes.size(); ++I) {
    Py_ssize_t Len;
    const char *N = PyUnicode_AsUTF8AndSize(Info->Names[I], &Len);
    if (!N)
      return nullptr;
    nejit::Arg A;
    A.Name.assign(N, size_t(Len));
    A.Type = nejit::DType(Codes[I] >> 32);
    A.ItemSize = Codes[I] & 0xffffffff;
    Sig.push_back(std::move(A));
  }
  nejit::Options Opts;
  Opts.Acc = nejit::Accuracy(Acc);
  Opts.Opt = nejit::Optimization(Opt & 0xf); // contextCode's packing
  Opts.Backend = nejit::MathBackend(Opt >> 4);
  nejit::Kernel K;
  std::optional<nejit::Error> Err;
  std::string Other;
  std::string Text = Info->Text;
  // Compiling takes milliseconds: let other Python threads run meanwhile.
  Py_BEGIN_ALLOW_THREADS;
  try {
    K = nejit::compile(Text, Sig, Opts);
  } catch (const nejit::Error &E) {
    Err.emplace(E);
  } catch (const std::exception &E) {
    Other = E.what();
    if (Other.empty())
      Other = "nejit: compilation failed";
  }
  Py_END_ALLOW_THREADS;
  if (Err) {
    setPythonError(*Err);
    return nullptr;
  }
  if (!Other.empty()) {
    PyErr_SetString(PyExc_RuntimeError, Other.c_str());
    return nullptr;
  }
  // Another thread may have added the same entry while we compiled.
  for (auto &E : Info->Kernels)
    if (E->Opt == Opt && E->Acc == Acc && E->Codes == Codes)
      return E.get();
  auto E = std::make_unique<KernelEntry>();
  E->Codes = Codes;
  E->Opt = Opt;
  E->Acc = Acc;
  E->K = K;
  E->Result = descrFor(K.resultType(), K.resultItemSize());
  if (!E->Result)
    return nullptr;
  Info->Kernels.push_back(std::move(E));
  return Info->Kernels.back().get();
}

} // namespace nejit_py
