//===- evaluate.cpp - numexpr's evaluate() hot path in C++ ----------------===//
/// \file
/// `nejit.evaluate`, `nejit.validate` and `nejit.re_evaluate` as METH_FASTCALL
/// functions. A call looks the expression string up in a dict (its hash is
/// cached by CPython), finds the variables in the caller's frame, converts
/// them the way numexpr does, picks the compiled kernel for their dtypes
/// from a short per-expression list, checks `out=`, and runs the kernel with
/// the GIL released. Nothing on this path parses the expression or builds a
/// JIT cache key once the expression has been seen with these dtypes.
//===----------------------------------------------------------------------===//
#define NEJIT_NUMPY_IMPORT_HERE
#include "common.h"

#include <frameobject.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

namespace nejit_py {
namespace {

// Python objects built once at import and never released (the module is
// never unloaded).
PyObject *ExprCache;    // dict: expression str -> capsule(ExprInfo)
PyObject *SanitizeFunc; // nejit._sanitize.is_forbidden
PyObject *StrK, *StrSameKind, *StrSafe, *StrAuto, *StrLastKey;
PyObject *OptNames[3]; // 'none', 'moderate', 'aggressive'
PyObject *KwEx, *KwLocal, *KwGlobal, *KwOut, *KwOrder, *KwCasting, *KwSanitize,
    *KwFrameDepth, *KwDisableCache, *KwOptimization, *KwTruediv;

std::atomic<uint8_t> Accuracy{uint8_t(nejit::Accuracy::High)};

constexpr size_t MaxCachedExprs = 4096;
// Below this many elements the kernel runs with the GIL held: releasing and
// re-acquiring it costs more than such a run.
constexpr int64_t GilReleaseThreshold = 1 << 13;

struct KernelEntry {
  std::vector<int64_t> Codes; // per input: dtype << 32 | item size
  uint8_t Opt = 0, Acc = 0;
  nejit::Kernel K;
  PyArray_Descr *Result = nullptr; // owned
};

struct ExprInfo {
  std::string Text;
  std::vector<PyObject *> Names; // owned, interned
  int8_t Forbidden = -1;         // sanitizer verdict, -1 until asked
  std::vector<std::unique_ptr<KernelEntry>> Kernels;
  ~ExprInfo() {
    for (PyObject *N : Names)
      Py_XDECREF(N);
    for (auto &E : Kernels)
      Py_XDECREF(E->Result);
  }
};

void destroyInfo(PyObject *Capsule) {
  delete static_cast<ExprInfo *>(
      PyCapsule_GetPointer(Capsule, "nejit.ExprInfo"));
}

ExprInfo *infoOf(PyObject *Capsule) {
  return static_cast<ExprInfo *>(
      PyCapsule_GetPointer(Capsule, "nejit.ExprInfo"));
}

int64_t codeOf(nejit::DType T, int64_t ItemSize) {
  return (int64_t(T) << 32) | (T == nejit::DType::Bytes ? ItemSize : 0);
}

/// RAII holder of a new reference.
struct Ref {
  PyObject *P = nullptr;
  Ref() = default;
  explicit Ref(PyObject *O) : P(O) {}
  Ref(const Ref &) = delete;
  Ref &operator=(const Ref &) = delete;
  ~Ref() { Py_XDECREF(P); }
  PyObject *release() {
    PyObject *R = P;
    P = nullptr;
    return R;
  }
  void reset(PyObject *O) {
    Py_XDECREF(P);
    P = O;
  }
  explicit operator bool() const { return P != nullptr; }
};

/// Owned numpy arrays.
struct ArrayList {
  std::vector<PyArrayObject *> A;
  ~ArrayList() {
    for (PyArrayObject *X : A)
      Py_XDECREF(X);
  }
};

std::string shapeString(int ND, const npy_intp *Shape) {
  std::string S = "(";
  for (int I = 0; I < ND; ++I) {
    if (I)
      S += ",";
    S += std::to_string(Shape[I]);
  }
  if (ND == 1)
    S += ",";
  return S + ")";
}

bool parseOrder(PyObject *O, char &Order) {
  if (O == nullptr || O == Py_None || O == StrK) {
    Order = 'K';
    return true;
  }
  if (PyUnicode_Check(O) && PyUnicode_GetLength(O) == 1) {
    Py_UCS4 C = PyUnicode_ReadChar(O, 0);
    if (C == 'C' || C == 'F' || C == 'A' || C == 'K' || C == 'c' || C == 'f' ||
        C == 'a' || C == 'k') {
      Order = char(C >= 'a' ? C - 'a' + 'A' : C);
      return true;
    }
  }
  PyErr_Format(PyExc_ValueError,
               "order must be one of 'C', 'F', 'A', or 'K' (got %R)", O);
  return false;
}

bool parseCasting(PyObject *O, NPY_CASTING &C) {
  if (O == nullptr || O == StrSameKind) {
    C = NPY_SAME_KIND_CASTING;
    return true;
  }
  if (O == StrSafe) {
    C = NPY_SAFE_CASTING;
    return true;
  }
  if (PyUnicode_Check(O)) {
    const char *S = PyUnicode_AsUTF8(O);
    if (!S)
      return false;
    static const struct {
      const char *N;
      NPY_CASTING C;
    } Table[] = {{"no", NPY_NO_CASTING},
                 {"equiv", NPY_EQUIV_CASTING},
                 {"safe", NPY_SAFE_CASTING},
                 {"same_kind", NPY_SAME_KIND_CASTING},
                 {"unsafe", NPY_UNSAFE_CASTING}};
    for (auto &T : Table)
      if (std::strcmp(S, T.N) == 0) {
        C = T.C;
        return true;
      }
  }
  PyErr_Format(PyExc_ValueError,
               "casting must be one of 'no', 'equiv', 'safe', 'same_kind', "
               "or 'unsafe'");
  return false;
}

const char *castingName(NPY_CASTING C) {
  switch (C) {
  case NPY_NO_CASTING:
    return "no";
  case NPY_EQUIV_CASTING:
    return "equiv";
  case NPY_SAFE_CASTING:
    return "safe";
  case NPY_SAME_KIND_CASTING:
    return "same_kind";
  default:
    return "unsafe";
  }
}

} // namespace

//===----------------------------------------------------------------------===//
// Errors and dtypes
//===----------------------------------------------------------------------===//

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

nejit::Accuracy currentAccuracy() {
  return nejit::Accuracy(Accuracy.load(std::memory_order_relaxed));
}
void setCurrentAccuracy(nejit::Accuracy A) {
  Accuracy.store(uint8_t(A), std::memory_order_relaxed);
}

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

//===----------------------------------------------------------------------===//
// Running a kernel: broadcasting, out=, order, strides
//===----------------------------------------------------------------------===//

PyObject *runKernel(const nejit::Kernel &K, PyArray_Descr *ResultDescr,
                    std::vector<PyArrayObject *> &Inputs, PyObject *OutObj,
                    char Order, NPY_CASTING Casting) {
  const int NIn = int(Inputs.size());
  npy_intp Shape[NPY_MAXDIMS];
  int ND = 0;
  for (PyArrayObject *A : Inputs)
    ND = std::max(ND, PyArray_NDIM(A));

  PyArrayObject *Out = nullptr;
  if (OutObj && OutObj != Py_None) {
    if (!PyArray_Check(OutObj)) {
      PyErr_SetString(PyExc_TypeError, "out must be a numpy.ndarray");
      return nullptr;
    }
    Out = reinterpret_cast<PyArrayObject *>(OutObj);
  }
  nejit::Reduction Red = K.reduction();
  bool IsReduction = Red != nejit::Reduction::None;
  // The elementwise iteration space also spans `out`: numexpr lets a
  // 0-d or smaller result broadcast into a larger output.
  if (Out && !IsReduction)
    ND = std::max(ND, PyArray_NDIM(Out));
  for (int D = 0; D < ND; ++D)
    Shape[D] = 1;
  if (Out && !IsReduction) {
    int OND = PyArray_NDIM(Out);
    for (int D = 0; D < OND; ++D)
      Shape[ND - OND + D] = PyArray_DIMS(Out)[D];
  }
  auto Broadcast = [&](PyArrayObject *A) -> bool {
    int N = PyArray_NDIM(A), Off = ND - N;
    const npy_intp *S = PyArray_DIMS(A);
    for (int D = 0; D < N; ++D) {
      npy_intp X = S[D];
      if (X == Shape[Off + D] || X == 1)
        continue;
      if (Shape[Off + D] == 1) {
        Shape[Off + D] = X;
        continue;
      }
      std::string Msg = "operands could not be broadcast together with shapes";
      for (PyArrayObject *B : Inputs)
        Msg += " " + shapeString(PyArray_NDIM(B), PyArray_DIMS(B));
      PyErr_SetString(PyExc_ValueError, Msg.c_str());
      return false;
    }
    return true;
  };
  for (PyArrayObject *A : Inputs)
    if (!Broadcast(A))
      return nullptr;

  // Result shape.
  int RND = ND;
  npy_intp RShape[NPY_MAXDIMS];
  int Axis = -1;
  if (IsReduction) {
    std::optional<int> Ax = K.reductionAxis();
    if (Ax) {
      Axis = *Ax;
      if (Axis < 0 || Axis >= std::max(ND, 1)) {
        PyErr_SetString(PyExc_ValueError, "reduction axis is out of bounds");
        return nullptr;
      }
      RND = 0;
      for (int D = 0; D < ND; ++D)
        if (D != Axis)
          RShape[RND++] = Shape[D];
    } else {
      RND = 0;
    }
  } else {
    std::copy(Shape, Shape + ND, RShape);
  }

  // Check `out` before anything is written.
  Ref Result;
  PyArrayObject *Target = nullptr; // where the kernel writes
  bool CopyBack = false;
  if (Out) {
    int OND = PyArray_NDIM(Out);
    bool Same = OND == RND;
    for (int D = 0; Same && D < RND; ++D)
      Same = PyArray_DIMS(Out)[D] == RShape[D];
    if (!Same) {
      std::string Msg =
          IsReduction
              ? "output operand with shape " +
                    shapeString(OND, PyArray_DIMS(Out)) +
                    " doesn't match the reduction result shape " +
                    shapeString(RND, RShape)
              : "operands could not be broadcast together with shapes " +
                    shapeString(OND, PyArray_DIMS(Out)) + " " +
                    shapeString(RND, RShape) + " ";
      PyErr_SetString(PyExc_ValueError, Msg.c_str());
      return nullptr;
    }
    PyArray_Descr *OD = PyArray_DESCR(Out);
    if (!PyArray_CanCastTypeTo(ResultDescr, OD, Casting)) {
      Ref RS(PyObject_Repr(reinterpret_cast<PyObject *>(ResultDescr)));
      Ref OS(PyObject_Repr(reinterpret_cast<PyObject *>(OD)));
      if (RS && OS)
        PyErr_Format(PyExc_TypeError,
                     "Iterator requested dtype could not be cast from %U to "
                     "%U, the operand 0 dtype, according to the rule '%s'",
                     RS.P, OS.P, castingName(Casting));
      return nullptr;
    }
    if (PyArray_FailUnlessWriteable(Out, "output array") < 0)
      return nullptr;
    bool Direct = PyArray_EquivTypes(ResultDescr, OD) &&
                  PyArray_ISALIGNED(Out) && PyArray_ISNOTSWAPPED(Out);
    if (Direct) {
      Target = Out;
    } else {
      Py_INCREF(ResultDescr);
      Result.reset(PyArray_NewFromDescr(&PyArray_Type, ResultDescr, RND, RShape,
                                        nullptr, nullptr, 0, nullptr));
      if (!Result)
        return nullptr;
      Target = reinterpret_cast<PyArrayObject *>(Result.P);
      CopyBack = true;
    }
  } else {
    bool Fortran = false;
    if (!IsReduction && RND > 1) {
      if (Order == 'F') {
        Fortran = true;
      } else if (Order == 'A' || Order == 'K') {
        bool AllF = true, AnyNotC = false, Any = false;
        for (PyArrayObject *A : Inputs) {
          if (PyArray_NDIM(A) != ND)
            continue;
          Any = true;
          AllF = AllF && PyArray_IS_F_CONTIGUOUS(A);
          AnyNotC = AnyNotC || !PyArray_IS_C_CONTIGUOUS(A);
        }
        Fortran = Any && AllF && (Order == 'A' || AnyNotC);
      }
    }
    Py_INCREF(ResultDescr);
    Result.reset(PyArray_NewFromDescr(&PyArray_Type, ResultDescr, RND, RShape,
                                      nullptr, nullptr, Fortran ? 1 : 0,
                                      nullptr));
    if (!Result)
      return nullptr;
    Target = reinterpret_cast<PyArrayObject *>(Result.P);
  }

  // Byte strides over the iteration space; 0 broadcasts.
  int64_t Total = 1;
  for (int D = 0; D < ND; ++D)
    Total *= Shape[D];
  if (Total != 0) {
    int IND = ND; // iteration dims
    int64_t IShape[NPY_MAXDIMS + 1];
    std::vector<int64_t> Strides(size_t(NIn + 1) * (ND + 1), 0);
    auto StrideRow = [&](int Op) { return &Strides[size_t(Op) * (ND + 1)]; };
    for (int D = 0; D < ND; ++D)
      IShape[D] = Shape[D];
    // Row 0: the output.
    {
      int64_t *S = StrideRow(0);
      const npy_intp *TS = PyArray_STRIDES(Target);
      if (!IsReduction) {
        for (int D = 0; D < ND; ++D)
          S[D] = Shape[D] == 1 ? 0 : TS[D];
      } else if (Axis >= 0) {
        int R = 0;
        for (int D = 0; D < ND; ++D)
          S[D] = D == Axis ? 0 : TS[R++];
      }
    }
    for (int I = 0; I < NIn; ++I) {
      PyArrayObject *A = Inputs[I];
      int N = PyArray_NDIM(A), Off = ND - N;
      int64_t *S = StrideRow(I + 1);
      for (int D = 0; D < N; ++D)
        S[Off + D] = PyArray_DIMS(A)[D] == 1 ? 0 : PyArray_STRIDES(A)[D];
    }
    if (!IsReduction && IND > 1) {
      // Keep the memory order of the output: the axis with the smallest
      // output stride innermost. Then merge dimensions that are contiguous
      // for every operand and drop those of extent 1.
      int Perm[NPY_MAXDIMS];
      for (int D = 0; D < IND; ++D)
        Perm[D] = D;
      const int64_t *OS = StrideRow(0);
      std::stable_sort(Perm, Perm + IND, [&](int X, int Y) {
        return std::llabs(OS[X]) > std::llabs(OS[Y]);
      });
      int64_t NShape[NPY_MAXDIMS];
      std::vector<int64_t> NStrides(Strides.size(), 0);
      int M = 0;
      for (int D = 0; D < IND; ++D) {
        int P = Perm[D];
        if (IShape[P] == 1)
          continue;
        bool Merge = M > 0;
        for (int Op = 0; Merge && Op <= NIn; ++Op)
          Merge = NStrides[size_t(Op) * (ND + 1) + M - 1] ==
                  StrideRow(Op)[P] * IShape[P];
        if (Merge) {
          NShape[M - 1] *= IShape[P];
          for (int Op = 0; Op <= NIn; ++Op)
            NStrides[size_t(Op) * (ND + 1) + M - 1] = StrideRow(Op)[P];
        } else {
          NShape[M] = IShape[P];
          for (int Op = 0; Op <= NIn; ++Op)
            NStrides[size_t(Op) * (ND + 1) + M] = StrideRow(Op)[P];
          ++M;
        }
      }
      IND = M;
      std::copy(NShape, NShape + M, IShape);
      Strides.swap(NStrides);
    }
    if (IND == 0) {
      // 0-d (or all extents 1): one element, run as 1-d of extent 1.
      IND = 1;
      IShape[0] = 1;
      for (int Op = 0; Op <= NIn; ++Op)
        StrideRow(Op)[0] = 0;
    }
    nejit::ArrayView OutView{PyArray_DATA(Target), StrideRow(0)};
    nejit::ArrayView InViewsSmall[8];
    std::vector<nejit::ArrayView> InViewsBig;
    nejit::ArrayView *InViews = InViewsSmall;
    if (NIn > 8) {
      InViewsBig.resize(NIn);
      InViews = InViewsBig.data();
    }
    for (int I = 0; I < NIn; ++I)
      InViews[I] = nejit::ArrayView{PyArray_DATA(Inputs[I]), StrideRow(I + 1)};
    try {
      if (Total >= GilReleaseThreshold) {
        Py_BEGIN_ALLOW_THREADS;
        try {
          K.run(IND, IShape, OutView, InViews);
        } catch (...) {
          Py_BLOCK_THREADS;
          throw;
        }
        Py_END_ALLOW_THREADS;
      } else {
        K.run(IND, IShape, OutView, InViews);
      }
    } catch (const nejit::Error &E) {
      setPythonError(E);
      return nullptr;
    } catch (const std::exception &E) {
      PyErr_SetString(PyExc_RuntimeError, E.what());
      return nullptr;
    }
  } else if (IsReduction && !Out) {
    // numexpr 2.14 returns an empty array shaped like the operands when a
    // reduction sees no elements (numpy would give the identity).
    Py_INCREF(ResultDescr);
    Result.reset(PyArray_NewFromDescr(&PyArray_Type, ResultDescr, ND, Shape,
                                      nullptr, nullptr, 0, nullptr));
    if (!Result)
      return nullptr;
  }

  if (CopyBack) {
    if (PyArray_CopyInto(Out, Target) < 0)
      return nullptr;
    Py_INCREF(Out);
    return reinterpret_cast<PyObject *>(Out);
  }
  if (Out) {
    Py_INCREF(Out);
    return reinterpret_cast<PyObject *>(Out);
  }
  return Result.release();
}

//===----------------------------------------------------------------------===//
// The expression cache
//===----------------------------------------------------------------------===//

namespace {

/// The sanitizer's verdict for the expression (cached); false with
/// ValueError set when it is forbidden, or on error.
bool checkSanitized(ExprInfo *Info, PyObject *Ex) {
  if (Info && Info->Forbidden == 0)
    return true;
  int Forbidden;
  if (Info && Info->Forbidden == 1) {
    Forbidden = 1;
  } else {
    if (!SanitizeFunc) {
      Ref San(PyImport_ImportModule("nejit._sanitize"));
      if (!San)
        return false;
      SanitizeFunc = PyObject_GetAttrString(San.P, "is_forbidden");
      if (!SanitizeFunc)
        return false;
    }
    Ref R(PyObject_CallOneArg(SanitizeFunc, Ex));
    if (!R)
      return false;
    Forbidden = PyObject_IsTrue(R.P);
    if (Forbidden < 0)
      return false;
    if (Info)
      Info->Forbidden = int8_t(Forbidden);
  }
  if (Forbidden) {
    PyErr_Format(PyExc_ValueError,
                 "Expression %U has forbidden control characters.", Ex);
    return false;
  }
  return true;
}

/// The ExprInfo of Ex (borrowed capsule in *Capsule), running the sanitizer
/// first when asked (numexpr checks before it parses).
ExprInfo *getInfo(PyObject *Ex, bool Sanitize, PyObject **Capsule) {
  PyObject *Cap = PyDict_GetItemWithError(ExprCache, Ex);
  if (Cap) {
    ExprInfo *Info = infoOf(Cap);
    if (Sanitize && !checkSanitized(Info, Ex))
      return nullptr;
    *Capsule = Cap;
    return Info;
  }
  if (PyErr_Occurred())
    return nullptr;
  if (Sanitize && !checkSanitized(nullptr, Ex))
    return nullptr;
  Py_ssize_t Len;
  const char *Text = PyUnicode_AsUTF8AndSize(Ex, &Len);
  if (!Text)
    return nullptr;
  auto Info = std::make_unique<ExprInfo>();
  Info->Text.assign(Text, size_t(Len));
  if (Sanitize)
    Info->Forbidden = 0;
  try {
    // numexpr binds only the variables its typed expression still reads.
    std::vector<std::string> Names = nejit::usedVariableNames(Info->Text);
    for (const std::string &N : Names) {
      PyObject *S = PyUnicode_FromStringAndSize(N.data(), Py_ssize_t(N.size()));
      if (!S)
        return nullptr;
      PyUnicode_InternInPlace(&S);
      Info->Names.push_back(S);
    }
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return nullptr;
  } catch (const std::exception &E) {
    PyErr_SetString(PyExc_RuntimeError, E.what());
    return nullptr;
  }
  ExprInfo *Raw = Info.get();
  Ref NewCap(PyCapsule_New(Info.release(), "nejit.ExprInfo", destroyInfo));
  if (!NewCap) {
    delete Raw;
    return nullptr;
  }
  if (size_t(PyDict_GET_SIZE(ExprCache)) >= MaxCachedExprs)
    PyDict_Clear(ExprCache); // capsules still referenced elsewhere survive
  if (PyDict_SetItem(ExprCache, Ex, NewCap.P) < 0)
    return nullptr;
  *Capsule = NewCap.P; // borrowed from the dict
  return Raw;
}

/// The kernel of Info for these input dtypes, compiling it on first use.
KernelEntry *getKernel(ExprInfo *Info, const std::vector<int64_t> &Codes,
                       uint8_t Opt) {
  uint8_t Acc = uint8_t(currentAccuracy());
  for (auto &E : Info->Kernels)
    if (E->Opt == Opt && E->Acc == Acc && E->Codes == Codes)
      return E.get();
  nejit::Signature Sig;
  Sig.reserve(Codes.size());
  for (size_t I = 0; I < Codes.size(); ++I) {
    Py_ssize_t Len;
    const char *N = PyUnicode_AsUTF8AndSize(Info->Names[I], &Len);
    if (!N)
      return nullptr;
    nejit::Arg A;
    A.Name.assign(N, size_t(Len));
    A.Type = nejit::DType(Codes[I] >> 32);
    A.ItemSize = Codes[I] & 0xffffffff;
    Sig.push_back(std::move(A));
  }
  nejit::Options Opts;
  Opts.Acc = nejit::Accuracy(Acc);
  Opts.Opt = nejit::Optimization(Opt);
  nejit::Kernel K;
  std::optional<nejit::Error> Err;
  std::string Other;
  std::string Text = Info->Text;
  // Compiling takes milliseconds: let other Python threads run meanwhile.
  Py_BEGIN_ALLOW_THREADS;
  try {
    K = nejit::compile(Text, Sig, Opts);
  } catch (const nejit::Error &E) {
    Err.emplace(E);
  } catch (const std::exception &E) {
    Other = E.what();
    if (Other.empty())
      Other = "nejit: compilation failed";
  }
  Py_END_ALLOW_THREADS;
  if (Err) {
    setPythonError(*Err);
    return nullptr;
  }
  if (!Other.empty()) {
    PyErr_SetString(PyExc_RuntimeError, Other.c_str());
    return nullptr;
  }
  // Another thread may have added the same entry while we compiled.
  for (auto &E : Info->Kernels)
    if (E->Opt == Opt && E->Acc == Acc && E->Codes == Codes)
      return E.get();
  auto E = std::make_unique<KernelEntry>();
  E->Codes = Codes;
  E->Opt = Opt;
  E->Acc = Acc;
  E->K = K;
  E->Result = descrFor(K.resultType(), K.resultItemSize());
  if (!E->Result)
    return nullptr;
  Info->Kernels.push_back(std::move(E));
  return Info->Kernels.back().get();
}

//===----------------------------------------------------------------------===//
// Argument parsing and the caller's frame
//===----------------------------------------------------------------------===//

struct Param {
  PyObject **Name;
  PyObject *Value = nullptr;
};

/// Binds positional and keyword arguments to Params; `optimization` and
/// `truediv` go to *Opt/*Truediv when Context is set. Unknown keywords are
/// numexpr's ValueError for evaluate/validate, a TypeError otherwise.
bool bindArgs(const char *Func, Param *Params, int NParams, int NRequired,
              PyObject *const *Args, Py_ssize_t NArgs, PyObject *KwNames,
              bool Context, PyObject **Opt, PyObject **Truediv) {
  if (NArgs > NParams) {
    PyErr_Format(PyExc_TypeError,
                 "%s() takes from %d to %d positional arguments but %zd were "
                 "given",
                 Func, NRequired, NParams, NArgs);
    return false;
  }
  for (Py_ssize_t I = 0; I < NArgs; ++I)
    Params[I].Value = Args[I];
  PyObject *Unknown = nullptr;
  if (KwNames) {
    Py_ssize_t NKw = PyTuple_GET_SIZE(KwNames);
    for (Py_ssize_t I = 0; I < NKw; ++I) {
      PyObject *Key = PyTuple_GET_ITEM(KwNames, I);
      PyObject *Val = Args[NArgs + I];
      int Found = -1;
      for (int P = 0; P < NParams && Found < 0; ++P)
        if (Key == *Params[P].Name)
          Found = P;
      for (int P = 0; P < NParams && Found < 0; ++P)
        if (PyUnicode_Compare(Key, *Params[P].Name) == 0)
          Found = P;
      if (Found >= 0) {
        if (Params[Found].Value) {
          PyErr_Format(PyExc_TypeError,
                       "%s() got multiple values for argument '%U'", Func, Key);
          return false;
        }
        Params[Found].Value = Val;
        continue;
      }
      if (Context && PyUnicode_Compare(Key, KwOptimization) == 0) {
        *Opt = Val;
      } else if (Context && PyUnicode_Compare(Key, KwTruediv) == 0) {
        *Truediv = Val;
      } else if (!Unknown) {
        Unknown = Key;
      }
    }
  }
  for (int P = 0; P < NRequired; ++P)
    if (!Params[P].Value) {
      PyErr_Format(PyExc_TypeError,
                   "%s() missing 1 required positional argument: '%U'", Func,
                   *Params[P].Name);
      return false;
    }
  if (Context) {
    // numexpr validates the known keywords before it reports unknown ones.
    if (*Opt) {
      int Ok = 0;
      for (PyObject *N : OptNames) {
        Ok = PyObject_RichCompareBool(*Opt, N, Py_EQ);
        if (Ok != 0)
          break;
      }
      if (Ok < 0)
        return false;
      if (!Ok) {
        PyErr_SetString(PyExc_ValueError,
                        "'optimization' must be one of ('none', 'moderate', "
                        "'aggressive')");
        return false;
      }
    }
    if (*Truediv) {
      int Ok = 0;
      for (PyObject *V : {Py_False, Py_True, StrAuto}) {
        Ok = PyObject_RichCompareBool(*Truediv, V, Py_EQ);
        if (Ok != 0)
          break;
      }
      if (Ok < 0)
        return false;
      if (!Ok) {
        PyErr_SetString(PyExc_ValueError,
                        "'truediv' must be one of (False, True, 'auto')");
        return false;
      }
    }
  }
  if (Unknown) {
    if (Context)
      PyErr_Format(PyExc_ValueError, "Unknown keyword argument '%U'", Unknown);
    else
      PyErr_Format(PyExc_TypeError,
                   "%s() got an unexpected keyword argument '%U'", Func,
                   Unknown);
    return false;
  }
  return true;
}

/// numexpr's optimization keyword as nejit's enum value (default aggressive).
bool optimizationCode(PyObject *Opt, uint8_t &Code) {
  Code = uint8_t(nejit::Optimization::Aggressive);
  if (!Opt)
    return true;
  for (int I = 0; I < 3; ++I) {
    int Eq = PyObject_RichCompareBool(Opt, OptNames[I], Py_EQ);
    if (Eq < 0)
      return false;
    if (Eq) {
      Code = uint8_t(I);
      return true;
    }
  }
  return true;
}

bool frameDepth(PyObject *O, int Default, int &Depth) {
  if (!O) {
    Depth = Default;
    return true;
  }
  long V = PyLong_AsLong(O);
  if (V == -1 && PyErr_Occurred())
    return false;
  Depth = int(V);
  return true;
}

/// Resolves the sanitize flag: None means NUMEXPR_SANITIZE (read per call)
/// or True.
bool resolveSanitize(PyObject *S, bool &Sanitize) {
  if (S == nullptr || S == Py_None) {
    const char *Env = std::getenv("NUMEXPR_SANITIZE");
    if (!Env) {
      Sanitize = true;
      return true;
    }
    Ref Str(PyUnicode_FromString(Env));
    if (!Str)
      return false;
    Ref Int(PyLong_FromUnicodeObject(Str.P, 10));
    if (!Int)
      return false;
    int T = PyObject_IsTrue(Int.P);
    if (T < 0)
      return false;
    Sanitize = T != 0;
    return true;
  }
  int T = PyObject_IsTrue(S);
  if (T < 0)
    return false;
  Sanitize = T != 0;
  return true;
}

/// Looks the names up like numexpr: local_dict (or the caller's f_locals),
/// then global_dict (or the caller's f_globals); KeyError(name) if absent.
/// Steps is how many frames above the current Python frame the caller is.
class Scope {
public:
  Scope(PyObject *Locals, PyObject *Globals, int Steps)
      : UserLocals(Locals), UserGlobals(Globals), Steps(Steps) {}
  ~Scope() {
    Py_XDECREF(FrameLocals);
    Py_XDECREF(FrameGlobals);
  }

  /// New reference, or nullptr with an error set.
  PyObject *lookup(PyObject *Name) {
    PyObject *L = UserLocals;
    if (!L) {
      if (!loadFrame())
        return nullptr;
      L = FrameLocals;
    }
    PyObject *V;
    if (!getItem(L, Name, V))
      return nullptr;
    if (V)
      return V;
    PyObject *G = UserGlobals;
    if (!G) {
      if (!loadFrame())
        return nullptr;
      G = FrameGlobals;
    }
    if (!getItem(G, Name, V))
      return nullptr;
    if (V)
      return V;
    PyErr_SetObject(PyExc_KeyError, Name);
    return nullptr;
  }

private:
  PyObject *UserLocals, *UserGlobals;
  int Steps;
  PyObject *FrameLocals = nullptr, *FrameGlobals = nullptr;
  bool Loaded = false;

  static bool getItem(PyObject *Map, PyObject *Key, PyObject *&V) {
    if (PyDict_CheckExact(Map)) {
      V = PyDict_GetItemWithError(Map, Key);
      if (V) {
        Py_INCREF(V);
        return true;
      }
      return !PyErr_Occurred();
    }
    V = PyObject_GetItem(Map, Key);
    if (V)
      return true;
    if (PyErr_ExceptionMatches(PyExc_KeyError)) {
      PyErr_Clear();
      return true;
    }
    return false;
  }

  bool loadFrame() {
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
};

/// Everything between the arguments and the run: names -> arrays -> kernel.
struct Prepared {
  ExprInfo *Info = nullptr;
  PyObject *Capsule = nullptr; // borrowed
  KernelEntry *Entry = nullptr;
  ArrayList Inputs;
};

bool prepareWith(ExprInfo *Info, Scope &S, uint8_t Opt, Prepared &P) {
  P.Info = Info;
  size_t N = Info->Names.size();
  std::vector<int64_t> Codes(N);
  P.Inputs.A.reserve(N);
  for (size_t I = 0; I < N; ++I) {
    Ref V(S.lookup(Info->Names[I]));
    if (!V)
      return false;
    nejit::DType T;
    int64_t IS;
    PyArrayObject *A = asNejitArray(V.P, T, IS);
    if (!A)
      return false;
    P.Inputs.A.push_back(A);
    Codes[I] = codeOf(T, IS);
  }
  P.Entry = getKernel(Info, Codes, Opt);
  return P.Entry != nullptr;
}

/// Records the validated expression for re_evaluate (per thread).
bool storeLast(PyObject *Capsule, uint8_t Opt, PyObject *Out, PyObject *Order,
               PyObject *Casting) {
  PyObject *TD = PyThreadState_GetDict();
  if (!TD) {
    PyErr_SetString(PyExc_RuntimeError, "no thread state dict");
    return false;
  }
  Ref OutRef;
  if (Out && Out != Py_None) {
    OutRef.reset(PyWeakref_NewRef(Out, nullptr));
    if (!OutRef)
      return false;
  } else {
    Py_INCREF(Py_None);
    OutRef.reset(Py_None);
  }
  Ref T(PyTuple_New(5));
  if (!T)
    return false;
  Py_INCREF(Capsule);
  PyTuple_SET_ITEM(T.P, 0, Capsule);
  PyTuple_SET_ITEM(T.P, 1, PyLong_FromLong(Opt));
  PyTuple_SET_ITEM(T.P, 2, OutRef.release());
  PyObject *O = Order ? Order : StrK;
  PyObject *C = Casting ? Casting : StrSameKind;
  Py_INCREF(O);
  Py_INCREF(C);
  PyTuple_SET_ITEM(T.P, 3, O);
  PyTuple_SET_ITEM(T.P, 4, C);
  return PyDict_SetItem(TD, StrLastKey, T.P) == 0;
}

PyObject *evaluateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                       PyObject *KwNames) {
  Param Ps[] = {{&KwEx},       {&KwLocal},      {&KwGlobal},
                {&KwOut},      {&KwOrder},      {&KwCasting},
                {&KwSanitize}, {&KwFrameDepth}, {&KwDisableCache}};
  PyObject *OptObj = nullptr, *Truediv = nullptr;
  if (!bindArgs("evaluate", Ps, 9, 1, Args, NArgs, KwNames, true, &OptObj,
                &Truediv))
    return nullptr;
  PyObject *Ex = Ps[0].Value;
  PyObject *Local = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
  PyObject *Global = Ps[2].Value == Py_None ? nullptr : Ps[2].Value;
  PyObject *Out = Ps[3].Value;
  int Depth;
  if (!frameDepth(Ps[7].Value, 3, Depth))
    return nullptr;
  bool DisableCache = false;
  if (Ps[8].Value) {
    int T = PyObject_IsTrue(Ps[8].Value);
    if (T < 0)
      return nullptr;
    DisableCache = T;
  }
  if (!PyUnicode_Check(Ex)) {
    PyErr_SetString(PyExc_ValueError, "must specify expression as a string");
    return nullptr;
  }
  bool Sanitize;
  if (DisableCache) {
    // numexpr 2.14.2 passes sanitize=None straight to the parser on this
    // path, which then does not sanitize: keep that behaviour.
    Sanitize = Ps[6].Value && Ps[6].Value != Py_None &&
               PyObject_IsTrue(Ps[6].Value) == 1;
  } else if (!resolveSanitize(Ps[6].Value, Sanitize)) {
    return nullptr;
  }
  uint8_t Opt;
  if (!optimizationCode(OptObj, Opt))
    return nullptr;
  Prepared P;
  P.Info = getInfo(Ex, Sanitize, &P.Capsule);
  if (!P.Info)
    return nullptr;
  Ref Cap(P.Capsule);
  Py_INCREF(P.Capsule); // the dict may drop it while we run
  Scope S(Local, Global, std::max(Depth - 3, 0));
  if (!prepareWith(P.Info, S, Opt, P))
    return nullptr;
  if (!DisableCache &&
      !storeLast(P.Capsule, Opt, Out, Ps[4].Value, Ps[5].Value))
    return nullptr;
  char Order;
  NPY_CASTING Casting;
  if (!parseOrder(Ps[4].Value, Order) || !parseCasting(Ps[5].Value, Casting))
    return nullptr;
  return runKernel(P.Entry->K, P.Entry->Result, P.Inputs.A, Out, Order,
                   Casting);
}

/// validate(): the exception object on failure, None on success.
PyObject *validateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                       PyObject *KwNames) {
  Param Ps[] = {{&KwEx},    {&KwLocal},   {&KwGlobal},     {&KwOut},
                {&KwOrder}, {&KwCasting}, {&KwFrameDepth}, {&KwSanitize}};
  PyObject *OptObj = nullptr, *Truediv = nullptr;
  bool Ok = [&]() -> bool {
    if (!bindArgs("validate", Ps, 8, 1, Args, NArgs, KwNames, true, &OptObj,
                  &Truediv))
      return false;
    PyObject *Ex = Ps[0].Value;
    PyObject *Local = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
    PyObject *Global = Ps[2].Value == Py_None ? nullptr : Ps[2].Value;
    int Depth;
    if (!frameDepth(Ps[6].Value, 2, Depth))
      return false;
    if (!PyUnicode_Check(Ex)) {
      PyErr_SetString(PyExc_ValueError, "must specify expression as a string");
      return false;
    }
    bool Sanitize;
    if (!resolveSanitize(Ps[7].Value, Sanitize))
      return false;
    uint8_t Opt;
    if (!optimizationCode(OptObj, Opt))
      return false;
    Prepared P;
    P.Info = getInfo(Ex, Sanitize, &P.Capsule);
    if (!P.Info)
      return false;
    Ref Cap(P.Capsule);
    Py_INCREF(P.Capsule);
    Scope S(Local, Global, std::max(Depth - 2, 0));
    if (!prepareWith(P.Info, S, Opt, P))
      return false;
    PyObject *Casting = Ps[5].Value ? Ps[5].Value : StrSafe;
    return storeLast(P.Capsule, Opt, Ps[3].Value, Ps[4].Value, Casting);
  }();
  if (Ok)
    Py_RETURN_NONE;
  // Only ordinary exceptions are returned; KeyboardInterrupt and friends
  // propagate.
  if (!PyErr_ExceptionMatches(PyExc_Exception))
    return nullptr;
  PyObject *Type, *Value, *Tb;
  PyErr_Fetch(&Type, &Value, &Tb);
  PyErr_NormalizeException(&Type, &Value, &Tb);
  if (Tb)
    PyException_SetTraceback(Value, Tb);
  Py_XDECREF(Type);
  Py_XDECREF(Tb);
  return Value;
}

PyObject *reEvaluateImpl(PyObject *, PyObject *const *Args, Py_ssize_t NArgs,
                         PyObject *KwNames) {
  Param Ps[] = {{&KwLocal}, {&KwGlobal}, {&KwFrameDepth}};
  if (!bindArgs("re_evaluate", Ps, 3, 0, Args, NArgs, KwNames, false, nullptr,
                nullptr))
    return nullptr;
  PyObject *Local = Ps[0].Value == Py_None ? nullptr : Ps[0].Value;
  PyObject *Global = Ps[1].Value == Py_None ? nullptr : Ps[1].Value;
  int Depth;
  if (!frameDepth(Ps[2].Value, 2, Depth))
    return nullptr;
  PyObject *TD = PyThreadState_GetDict();
  PyObject *Last = TD ? PyDict_GetItemWithError(TD, StrLastKey) : nullptr;
  if (!Last) {
    if (!PyErr_Occurred())
      PyErr_SetString(PyExc_RuntimeError,
                      "A previous evaluate() execution was not found, please "
                      "call `validate` or `evaluate` once before "
                      "`re_evaluate`");
    return nullptr;
  }
  Ref Hold(Last);
  Py_INCREF(Last);
  PyObject *Capsule = PyTuple_GET_ITEM(Last, 0);
  uint8_t Opt = uint8_t(PyLong_AsLong(PyTuple_GET_ITEM(Last, 1)));
  PyObject *OutRef = PyTuple_GET_ITEM(Last, 2);
  PyObject *Out = nullptr;
  if (OutRef != Py_None) {
    Out = PyWeakref_GetObject(OutRef); // borrowed; None when dead
    if (Out == Py_None)
      Out = nullptr;
  }
  Ref OutHold(Out);
  Py_XINCREF(Out);
  char Order;
  NPY_CASTING Casting;
  if (!parseOrder(PyTuple_GET_ITEM(Last, 3), Order) ||
      !parseCasting(PyTuple_GET_ITEM(Last, 4), Casting))
    return nullptr;
  Prepared P;
  P.Capsule = Capsule;
  Scope S(Local, Global, std::max(Depth - 2, 0));
  if (!prepareWith(infoOf(Capsule), S, Opt, P))
    return nullptr;
  return runKernel(P.Entry->K, P.Entry->Result, P.Inputs.A, Out, Order,
                   Casting);
}

PyObject *clearExprCache(PyObject *, PyObject *) {
  PyDict_Clear(ExprCache);
  Py_RETURN_NONE;
}

PyObject *exprCacheSize(PyObject *, PyObject *) {
  return PyLong_FromSsize_t(PyDict_GET_SIZE(ExprCache));
}

PyMethodDef Methods[] = {
    {"evaluate",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(evaluateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "evaluate(ex, local_dict=None, global_dict=None, out=None, order='K', "
     "casting='same_kind', sanitize=None, _frame_depth=3, "
     "disable_cache=False, **kwargs)\n--\n\n"
     "Evaluate an array expression element-wise (numexpr.evaluate)."},
    {"validate",
     reinterpret_cast<PyCFunction>(reinterpret_cast<void (*)()>(validateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "validate(ex, local_dict=None, global_dict=None, out=None, order='K', "
     "casting='safe', _frame_depth=2, sanitize=None, **kwargs)\n--\n\n"
     "Check an expression and its operands; return the exception or None "
     "(numexpr.validate)."},
    {"re_evaluate",
     reinterpret_cast<PyCFunction>(
         reinterpret_cast<void (*)()>(reEvaluateImpl)),
     METH_FASTCALL | METH_KEYWORDS,
     "re_evaluate(local_dict=None, global_dict=None, _frame_depth=2)\n--\n\n"
     "Re-evaluate the expression last validated in this thread with the "
     "current operands (numexpr.re_evaluate)."},
    {"_clear_expr_cache", clearExprCache, METH_NOARGS,
     "Drop the per-expression cache of the evaluate() fast path."},
    {"_expr_cache_size", exprCacheSize, METH_NOARGS,
     "Expressions held by the evaluate() fast path."},
    {nullptr, nullptr, 0, nullptr}};

PyObject *intern(const char *S) { return PyUnicode_InternFromString(S); }

} // namespace

bool initEvaluate(PyObject *Module) {
  if (_import_array() < 0)
    return false;
  ExprCache = PyDict_New();
  StrK = intern("K");
  StrSameKind = intern("same_kind");
  StrSafe = intern("safe");
  StrAuto = intern("auto");
  StrLastKey = intern("nejit._last_validated");
  OptNames[0] = intern("none");
  OptNames[1] = intern("moderate");
  OptNames[2] = intern("aggressive");
  KwEx = intern("ex");
  KwLocal = intern("local_dict");
  KwGlobal = intern("global_dict");
  KwOut = intern("out");
  KwOrder = intern("order");
  KwCasting = intern("casting");
  KwSanitize = intern("sanitize");
  KwFrameDepth = intern("_frame_depth");
  KwDisableCache = intern("disable_cache");
  KwOptimization = intern("optimization");
  KwTruediv = intern("truediv");
  if (!ExprCache)
    return false;
  return PyModule_AddFunctions(Module, Methods) == 0;
}

} // namespace nejit_py
