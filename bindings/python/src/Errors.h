//===- Errors.h - nejit::Error as a Python exception ------------*- C++ -*-===//
/// \file
/// Declares the mapping of nejit's error kinds to the exceptions numexpr
/// raises.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_ERRORS_H
#define NEJIT_BINDINGS_PYTHON_ERRORS_H

#include "PythonApi.h"

#include "nejit/nejit.h"

namespace nejit_py {

/// Sets the Python exception numexpr raises for this nejit error.
void setPythonError(const nejit::Error &E);
/// The Python exception type for an error kind.
PyObject *exceptionTypeFor(nejit::ErrorKind K);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_ERRORS_H
