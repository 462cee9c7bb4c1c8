//===- RunKernel.cpp - The call into a compiled kernel --------------------===//
/// \file
/// Runs a compiled kernel on numpy arrays: broadcasts the operands, checks
/// or allocates the result (out=, order, casting), computes byte strides
/// over a collapsed iteration space, and calls Kernel::run, releasing the
/// GIL for large runs.
//===----------------------------------------------------------------------===//
#include "RunKernel.h"
#include "Arguments.h"
#include "Errors.h"
#include "PyRef.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace nejit_py {
namespace {

// Below this many elements the kernel runs with the GIL held: releasing and
// re-acquiring it costs more than such a run.
constexpr int64_t GilReleaseThreshold = 1 << 13;

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

} // namespace

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

} // namespace nejit_py
