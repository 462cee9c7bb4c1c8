//===- ExprCache.h - Parsed expressions and their kernels -------*- C++ -*-===//
/// \file
/// Declares the per-expression cache of the evaluate() fast path: the
/// variable names of each expression string and its compiled kernels, one
/// per (input dtypes, optimization, accuracy).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_EXPRCACHE_H
#define NEJIT_BINDINGS_PYTHON_EXPRCACHE_H

#include "PythonApi.h"

#include "nejit/nejit.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace nejit_py {

/// One compiled kernel of an expression and the key it was compiled for.
struct KernelEntry {
  std::vector<int64_t> Codes; // per input: dtype << 32 | item size
  uint8_t Opt = 0, Acc = 0;
  nejit::Kernel K;
  PyArray_Descr *Result = nullptr; // owned
};

/// What the cache holds per expression string: its text, the variables it
/// binds (in signature order), the sanitizer's verdict and its kernels.
struct ExprInfo {
  std::string Text;
  std::vector<PyObject *> Names; // owned, interned
  int8_t Forbidden = -1;         // sanitizer verdict, -1 until asked
  std::vector<std::unique_ptr<KernelEntry>> Kernels;
  ~ExprInfo() {
    for (PyObject *N : Names)
      Py_XDECREF(N);
    for (auto &E : Kernels)
      Py_XDECREF(E->Result);
  }
};

/// Creates the cache; false with a Python error set on failure.
bool initExprCache();
/// Drops every expression (capsules still referenced elsewhere survive).
void clearExprCache();
/// How many expressions the cache holds.
Py_ssize_t exprCacheSize();

/// The ExprInfo held by a capsule of the cache.
inline ExprInfo *infoOf(PyObject *Capsule) {
  return static_cast<ExprInfo *>(
      PyCapsule_GetPointer(Capsule, "nejit.ExprInfo"));
}

/// The ExprInfo of Ex (borrowed capsule in *Capsule), running the sanitizer
/// first when asked (numexpr checks before it parses).
ExprInfo *getInfo(PyObject *Ex, bool Sanitize, PyObject **Capsule);

/// The kernel of Info for these input dtypes, compiling it on first use.
KernelEntry *getKernel(ExprInfo *Info, const std::vector<int64_t> &Codes,
                       uint8_t Opt);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_EXPRCACHE_H
