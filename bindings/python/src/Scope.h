//===- Scope.h - Where evaluate() finds its variables -----------*- C++ -*-===//
/// \file
/// Declares Scope, the lookup of an expression's variable names in the
/// user's dicts or the caller's frame, the way numexpr does it.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_SCOPE_H
#define NEJIT_BINDINGS_PYTHON_SCOPE_H

#include "PythonApi.h"

namespace nejit_py {

/// Looks the names up like numexpr: local_dict (or the caller's f_locals),
/// then global_dict (or the caller's f_globals); KeyError(name) if absent.
/// Steps is how many frames above the current Python frame the caller is.
class Scope {
public:
  Scope(PyObject *Locals, PyObject *Globals, int Steps)
      : UserLocals(Locals), UserGlobals(Globals), Steps(Steps) {}
  ~Scope() {
    Py_XDECREF(FrameLocals);
    Py_XDECREF(FrameGlobals);
  }

  /// New reference, or nullptr with an error set.
  PyObject *lookup(PyObject *Name) {
    PyObject *L = UserLocals;
    if (!L) {
      if (!loadFrame())
        return nullptr;
      L = FrameLocals;
    }
    PyObject *V;
    if (!getItem(L, Name, V))
      return nullptr;
    if (V)
      return V;
    PyObject *G = UserGlobals;
    if (!G) {
      if (!loadFrame())
        return nullptr;
      G = FrameGlobals;
    }
    if (!getItem(G, Name, V))
      return nullptr;
    if (V)
      return V;
    PyErr_SetObject(PyExc_KeyError, Name);
    return nullptr;
  }

private:
  PyObject *UserLocals, *UserGlobals;
  int Steps;
  PyObject *FrameLocals = nullptr, *FrameGlobals = nullptr;
  bool Loaded = false;

  static bool getItem(PyObject *Map, PyObject *Key, PyObject *&V) {
    if (PyDict_CheckExact(Map)) {
      V = PyDict_GetItemWithError(Map, Key);
      if (V) {
        Py_INCREF(V);
        return true;
      }
      return !PyErr_Occurred();
    }
    V = PyObject_GetItem(Map, Key);
    if (V)
      return true;
    if (PyErr_ExceptionMatches(PyExc_KeyError)) {
      PyErr_Clear();
      return true;
    }
    return false;
  }

  bool loadFrame();
};

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_SCOPE_H
