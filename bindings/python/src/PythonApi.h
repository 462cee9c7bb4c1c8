//===- PythonApi.h - Python and numpy C API includes ------------*- C++ -*-===//
/// \file
/// Includes Python.h and numpy's C API the same way in every file of the
/// extension, so that all of them share one numpy API table.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_PYTHONAPI_H
#define NEJIT_BINDINGS_PYTHON_PYTHONAPI_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

// numpy's C API table lives in Evaluate.cpp; every other file sees it as
// an external symbol.
#define PY_ARRAY_UNIQUE_SYMBOL nejit_PyArray_API
#ifndef NEJIT_NUMPY_IMPORT_HERE
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>

#endif // NEJIT_BINDINGS_PYTHON_PYTHONAPI_H
