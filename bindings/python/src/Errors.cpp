//===- Errors.cpp - nejit::Error as a Python exception --------------------===//
/// \file
/// Maps nejit::Error to the Python exception numexpr raises, carrying
/// nejit's diagnostic as the message and its pieces as attributes.
//===----------------------------------------------------------------------===//
#include "Errors.h"

namespace nejit_py {

PyObject *exceptionTypeFor(nejit::ErrorKind K) {
  switch (K) {
  case nejit::ErrorKind::Syntax:
    return PyExc_SyntaxError;
  case nejit::ErrorKind::Value:
    return PyExc_ValueError;
  case nejit::ErrorKind::Type:
    return PyExc_TypeError;
  case nejit::ErrorKind::Key:
    return PyExc_KeyError;
  case nejit::ErrorKind::NotImplemented:
    return PyExc_NotImplementedError;
  case nejit::ErrorKind::Runtime:
    return PyExc_RuntimeError;
  case nejit::ErrorKind::Overflow:
    return PyExc_OverflowError;
  }
  return PyExc_RuntimeError;
}

static const char *kindName(nejit::ErrorKind K) {
  switch (K) {
  case nejit::ErrorKind::Syntax:
    return "syntax";
  case nejit::ErrorKind::Value:
    return "value";
  case nejit::ErrorKind::Type:
    return "type";
  case nejit::ErrorKind::Key:
    return "key";
  case nejit::ErrorKind::NotImplemented:
    return "not-implemented";
  case nejit::ErrorKind::Runtime:
    return "runtime";
  case nejit::ErrorKind::Overflow:
    return "overflow";
  }
  return "runtime";
}

void setPythonError(const nejit::Error &E) {
  // The numexpr exception type, with nejit's diagnostic as its message and
  // the pieces of the diagnostic as attributes.
  PyObject *Type = exceptionTypeFor(E.kind());
  PyObject *Exc = PyObject_CallFunction(Type, "s", E.what());
  if (!Exc)
    return;
  PyObject *Attrs[] = {
      PyUnicode_FromString(kindName(E.kind())),
      PyUnicode_FromStringAndSize(E.message().data(),
                                  Py_ssize_t(E.message().size())),
      PyUnicode_FromStringAndSize(E.expression().data(),
                                  Py_ssize_t(E.expression().size())),
      PyLong_FromLong(E.column())};
  const char *Names[] = {"kind", "message", "expression", "column"};
  for (int I = 0; I < 4; ++I) {
    if (Attrs[I])
      PyObject_SetAttrString(Exc, Names[I], Attrs[I]);
    Py_XDECREF(Attrs[I]);
  }
  PyErr_Clear();
  PyErr_SetObject(Type, Exc);
  Py_DECREF(Exc);
}

} // namespace nejit_py
