//===- Scope.cpp - Where evaluate() finds its variables -------------------===//
/// \file
/// Loads the locals and globals of the caller's frame for Scope, walking up
/// `_frame_depth` frames the way numexpr's sys._getframe does.
//===----------------------------------------------------------------------===//
#include "Scope.h"

#include <frameobject.h>

namespace nejit_py {

bool Scope::loadFrame() {
  if (Loaded)
    return true;
  PyFrameObject *F = PyEval_GetFrame(); // borrowed
  if (!F) {
    PyErr_SetString(PyExc_ValueError, "call stack is not deep enough");
    return false;
  }
  Py_INCREF(F);
  for (int I = 0; I < Steps; ++I) {
    PyFrameObject *Back = PyFrame_GetBack(F);
    Py_DECREF(F);
    if (!Back) {
      PyErr_SetString(PyExc_ValueError, "call stack is not deep enough");
      return false;
    }
    F = Back;
  }
#if PY_VERSION_HEX >= 0x030B0000
  FrameLocals = PyFrame_GetLocals(F);
  FrameGlobals = PyFrame_GetGlobals(F);
#else
  FrameLocals =
      PyObject_GetAttrString(reinterpret_cast<PyObject *>(F), "f_locals");
  FrameGlobals =
      PyObject_GetAttrString(reinterpret_cast<PyObject *>(F), "f_globals");
#endif
  Py_DECREF(F);
  if (!FrameLocals || !FrameGlobals)
    return false;
  Loaded = true;
  return true;
}

} // namespace nejit_py
