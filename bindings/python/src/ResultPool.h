//===- ResultPool.h - Reused, already faulted-in result buffers -*- C++ -*-===//
/// \file
/// A bounded pool of large result buffers behind a numpy memory handler
/// (NEP 49). Arrays that evaluate() returns are allocated through it: each
/// owns its data like any numpy array, and when it dies numpy hands the
/// buffer back to the pool instead of the operating system, so the next
/// result of a fitting size is written into pages that are already mapped
/// (a fresh 80 MB result otherwise costs more in page faults than the whole
/// memory-bound kernel).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_RESULTPOOL_H
#define NEJIT_BINDINGS_PYTHON_RESULTPOOL_H

#include "PythonApi.h"

#include <cstddef>

namespace nejit_py {

/// A new array like PyArray_NewFromDescr(&PyArray_Type, Descr, ND, Shape,
/// nullptr, nullptr, Fortran, nullptr), its data from the pool when it is
/// large enough and the pool is on. Steals no reference. nullptr with a
/// Python error set on failure.
PyObject *newResultArray(PyArray_Descr *Descr, int ND, const npy_intp *Shape,
                         bool Fortran);

/// Reads NEJIT_POOL / NEJIT_POOL_MAX_BYTES / NEJIT_POOL_MAX_ENTRIES and
/// adds release_memory() and _pool_stats() to the module.
bool initResultPool(PyObject *Module);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_RESULTPOOL_H
