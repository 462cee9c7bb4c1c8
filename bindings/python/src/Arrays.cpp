//===- Arrays.cpp - numpy dtypes and operand arrays -----------------------===//
/// \file
/// Maps numpy dtypes to the kinds numexpr computes in and back, and turns an
/// operand into a native, aligned array of that kind (copying only when
/// the dtype, byte order or alignment demand it).
//===----------------------------------------------------------------------===//
#include "Arrays.h"
#include "PyRef.h"

#include <string>

namespace nejit_py {

static int typeNumFor(nejit::DType T) {
  switch (T) {
  case nejit::DType::Bool:
    return NPY_BOOL;
  case nejit::DType::Int32:
    return NPY_INT32;
  case nejit::DType::Int64:
    return NPY_INT64;
  case nejit::DType::Float32:
    return NPY_FLOAT32;
  case nejit::DType::Float64:
    return NPY_FLOAT64;
  case nejit::DType::Complex128:
    return NPY_COMPLEX128;
  case nejit::DType::Bytes:
    return NPY_STRING;
  }
  return NPY_FLOAT64;
}

PyArray_Descr *descrFor(nejit::DType T, int64_t ItemSize) {
  if (T != nejit::DType::Bytes)
    return PyArray_DescrFromType(typeNumFor(T));
  // "S<n>" through the dtype constructor: portable across numpy 1.x/2.x.
  std::string Spelling = "S" + std::to_string(ItemSize > 0 ? ItemSize : 1);
  Ref Str(PyUnicode_FromString(Spelling.c_str()));
  if (!Str)
    return nullptr;
  PyArray_Descr *D = nullptr;
  if (!PyArray_DescrConverter(Str.P, &D))
    return nullptr;
  return D;
}

bool mapDType(PyArray_Descr *D, nejit::DType &T, int64_t &ItemSize) {
  int64_t Size = PyDataType_ELSIZE(D);
  ItemSize = 0;
  switch (D->kind) {
  case 'b':
    T = nejit::DType::Bool;
    return true;
  case 'i':
    T = Size > 4 ? nejit::DType::Int64 : nejit::DType::Int32;
    return true;
  case 'u':
    // uint32 does not fit int32: numexpr computes it in int64.
    T = Size >= 4 ? nejit::DType::Int64 : nejit::DType::Int32;
    return true;
  case 'f':
    T = Size > 4 ? nejit::DType::Float64 : nejit::DType::Float32;
    return true;
  case 'c':
    T = nejit::DType::Complex128;
    return true;
  case 'S':
    T = nejit::DType::Bytes;
    ItemSize = Size;
    return true;
  case 'U':
    PyErr_SetString(PyExc_ValueError,
                    "NumExpr 2 does not support Unicode as a dtype.");
    return false;
  default: {
    Ref Name(PyObject_GetAttrString(reinterpret_cast<PyObject *>(D), "name"));
    if (!Name)
      return false;
    PyErr_Format(PyExc_ValueError, "unknown type %S", Name.P);
    return false;
  }
  }
}

PyArrayObject *asNejitArray(PyObject *Obj, nejit::DType &T, int64_t &ItemSize) {
  PyArrayObject *A;
  if (PyArray_Check(Obj)) {
    Py_INCREF(Obj);
    A = reinterpret_cast<PyArrayObject *>(Obj);
  } else if (PyFloat_CheckExact(Obj)) {
    A = reinterpret_cast<PyArrayObject *>(
        PyArray_SimpleNew(0, nullptr, NPY_FLOAT64));
    if (!A)
      return nullptr;
    *static_cast<double *>(PyArray_DATA(A)) = PyFloat_AS_DOUBLE(Obj);
    T = nejit::DType::Float64;
    ItemSize = 0;
    return A;
  } else {
    A = reinterpret_cast<PyArrayObject *>(
        PyArray_FromAny(Obj, nullptr, 0, 0, 0, nullptr));
    if (!A)
      return nullptr;
  }
  PyArray_Descr *D = PyArray_DESCR(A);
  if (!mapDType(D, T, ItemSize)) {
    Py_DECREF(A);
    return nullptr;
  }
  bool Native = PyArray_ISNOTSWAPPED(A) && PyArray_ISALIGNED(A);
  bool Exact;
  switch (T) {
  case nejit::DType::Bool:
    Exact = true;
    break;
  case nejit::DType::Int32:
    Exact = D->kind == 'i' && PyDataType_ELSIZE(D) == 4;
    break;
  case nejit::DType::Int64:
    Exact = D->kind == 'i' && PyDataType_ELSIZE(D) == 8;
    break;
  case nejit::DType::Float32:
    Exact = PyDataType_ELSIZE(D) == 4;
    break;
  case nejit::DType::Float64:
    Exact = PyDataType_ELSIZE(D) == 8;
    break;
  case nejit::DType::Complex128:
    Exact = PyDataType_ELSIZE(D) == 16;
    break;
  case nejit::DType::Bytes:
    Exact = true;
    Native = true; // bytes have neither byte order nor alignment
    break;
  default:
    Exact = false;
  }
  if (Exact && Native)
    return A;
  PyArray_Descr *Want = descrFor(T, ItemSize);
  if (!Want) {
    Py_DECREF(A);
    return nullptr;
  }
  // Steals Want; keeps the memory order of A (a copy, never a view).
  PyObject *C =
      PyArray_FromArray(A, Want,
                        NPY_ARRAY_ALIGNED | NPY_ARRAY_NOTSWAPPED |
                            NPY_ARRAY_FORCECAST | NPY_ARRAY_ENSURECOPY);
  Py_DECREF(A);
  return reinterpret_cast<PyArrayObject *>(C);
}

} // namespace nejit_py
