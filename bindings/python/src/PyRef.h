//===- PyRef.h - Owners of Python references --------------------*- C++ -*-===//
/// \file
/// RAII owners of new Python references (one object, a list of arrays), so
/// that every early error return releases what the call acquired.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_PYREF_H
#define NEJIT_BINDINGS_PYTHON_PYREF_H

#include "PythonApi.h"

#include <vector>

namespace nejit_py {

/// RAII holder of a new reference.
struct Ref {
  PyObject *P = nullptr;
  Ref() = default;
  explicit Ref(PyObject *O) : P(O) {}
  Ref(const Ref &) = delete;
  Ref &operator=(const Ref &) = delete;
  Ref(Ref &&O) noexcept : P(O.release()) {}
  Ref &operator=(Ref &&O) noexcept {
    reset(O.release());
    return *this;
  }
  ~Ref() { Py_XDECREF(P); }
  PyObject *release() {
    PyObject *R = P;
    P = nullptr;
    return R;
  }
  void reset(PyObject *O) {
    Py_XDECREF(P);
    P = O;
  }
  explicit operator bool() const { return P != nullptr; }
};

/// Owned numpy arrays.
struct ArrayList {
  std::vector<PyArrayObject *> A;
  ~ArrayList() {
    for (PyArrayObject *X : A)
      Py_XDECREF(X);
  }
};

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_PYREF_H
