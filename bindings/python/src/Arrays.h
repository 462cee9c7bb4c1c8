//===- Arrays.h - numpy dtypes and operand arrays ---------------*- C++ -*-===//
/// \file
/// Declares the mapping between numpy dtypes and nejit's, and the
/// conversion of an operand to the array numexpr computes on.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_ARRAYS_H
#define NEJIT_BINDINGS_PYTHON_ARRAYS_H

#include "PythonApi.h"

#include "nejit/nejit.h"

#include <cstdint>

namespace nejit_py {

/// The numpy dtype for a nejit dtype (new reference).
PyArray_Descr *descrFor(nejit::DType T, int64_t ItemSize);
/// Maps a numpy dtype to the kind numexpr computes in. Returns false with a
/// Python ValueError set for unsupported dtypes (unicode, object, ...).
bool mapDType(PyArray_Descr *D, nejit::DType &T, int64_t &ItemSize);
/// np.asarray(Obj) converted to a native, aligned array of the dtype numexpr
/// computes in (new reference, or nullptr with a Python error set). Writes
/// the nejit dtype to T/ItemSize.
PyArrayObject *asNejitArray(PyObject *Obj, nejit::DType &T, int64_t &ItemSize);

/// One operand's dtype as a single integer (dtype << 32 | item size), the
/// key the expression cache compares per input.
inline int64_t codeOf(nejit::DType T, int64_t ItemSize) {
  return (int64_t(T) << 32) | (T == nejit::DType::Bytes ? ItemSize : 0);
}

} // namespace nejit_py

#endif // NEJIT_BINDINGS_PYTHON_ARRAYS_H
