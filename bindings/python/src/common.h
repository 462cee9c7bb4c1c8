//===- common.h - What module.cpp uses of the evaluate() half ---*- C++ -*-===//
/// \file
/// Declarations shared by module.cpp (the pybind11 bindings of nejit.h) and
/// the numexpr-compatible evaluate/validate/re_evaluate hot path (the other
/// files of this directory, written against the CPython and numpy C APIs
/// for per-call speed).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_COMMON_H
#define NEJIT_BINDINGS_PYTHON_COMMON_H

#include "Arrays.h"
#include "Errors.h"
#include "PythonApi.h"
#include "RunKernel.h"

#include "nejit/nejit.h"

#include <cstdint>
#include <string>
#include <vector>

namespace nejit_py {

/// Imports numpy's C API and builds the interned strings; false (with a
/// Python error set) on failure.
bool initEvaluate(PyObject *Module);

/// The accuracy used by evaluate/NumExpr (set_vml_accuracy_mode).
nejit::Accuracy currentAccuracy();
void setCurrentAccuracy(nejit::Accuracy A);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_COMMON_H
