//===- common.h - Shared pieces of the nejit Python extension ---*- C++ -*-===//
/// \file
/// Declarations shared by module.cpp (the pybind11 bindings of nejit.h) and
/// evaluate.cpp (the numexpr-compatible evaluate/validate/re_evaluate hot
/// path, written against the CPython and numpy C APIs for per-call speed).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_COMMON_H
#define NEJIT_BINDINGS_PYTHON_COMMON_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "nejit/nejit.h"

#include <cstdint>
#include <string>
#include <vector>

// numpy's C API table lives in evaluate.cpp; every other file sees it as
// an external symbol.
#define PY_ARRAY_UNIQUE_SYMBOL nejit_PyArray_API
#ifndef NEJIT_NUMPY_IMPORT_HERE
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

namespace nejit_py {

/// Sets the Python exception numexpr raises for this nejit error.
void setPythonError(const nejit::Error &E);
/// The Python exception type for an error kind.
PyObject *exceptionTypeFor(nejit::ErrorKind K);

/// Imports numpy's C API and builds the interned strings; false (with a
/// Python error set) on failure.
bool initEvaluate(PyObject *Module);

/// The numpy dtype for a nejit dtype (new reference).
PyArray_Descr *descrFor(nejit::DType T, int64_t ItemSize);
/// Maps a numpy dtype to the kind numexpr computes in. Returns false with a
/// Python ValueError set for unsupported dtypes (unicode, object, ...).
bool mapDType(PyArray_Descr *D, nejit::DType &T, int64_t &ItemSize);
/// np.asarray(Obj) converted to a native, aligned array of the dtype numexpr
/// computes in (new reference, or nullptr with a Python error set). Writes
/// the nejit dtype to T/ItemSize.
PyArrayObject *asNejitArray(PyObject *Obj, nejit::DType &T, int64_t &ItemSize);

/// The accuracy used by evaluate/NumExpr (set_vml_accuracy_mode).
nejit::Accuracy currentAccuracy();
void setCurrentAccuracy(nejit::Accuracy A);

/// Runs K on already converted arrays (one per signature entry, in
/// signature order) with numexpr's broadcasting, out= and order/casting
/// rules. Returns a new reference (the result or `Out`), nullptr with a
/// Python error set on failure. Nothing is written to Out before every
/// check has passed.
PyObject *runKernel(const nejit::Kernel &K, PyArray_Descr *ResultDescr,
                    std::vector<PyArrayObject *> &Inputs, PyObject *Out,
                    char Order, NPY_CASTING Casting);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_COMMON_H
