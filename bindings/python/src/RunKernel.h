//===- RunKernel.h - The call into a compiled kernel ------------*- C++ -*-===//
/// \file
/// Declares the run of a kernel on numpy arrays with numexpr's broadcasting,
/// out=, order and casting rules.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_RUNKERNEL_H
#define NEJIT_BINDINGS_PYTHON_RUNKERNEL_H

#include "PythonApi.h"

#include "nejit/nejit.h"

#include <vector>

namespace nejit_py {

/// Runs K on already converted arrays (one per signature entry, in
/// signature order) with numexpr's broadcasting, out= and order/casting
/// rules. Returns a new reference (the result or `Out`), nullptr with a
/// Python error set on failure. Nothing is written to Out before every
/// check has passed.
PyObject *runKernel(const nejit::Kernel &K, PyArray_Descr *ResultDescr,
                    std::vector<PyArrayObject *> &Inputs, PyObject *Out,
                    char Order, NPY_CASTING Casting);

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_RUNKERNEL_H
