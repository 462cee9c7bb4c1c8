//===- RunKernel.cpp - The call into a compiled kernel --------------------===//
/// \file
/// Runs a compiled kernel on numpy arrays: broadcasts the operands, checks
/// or allocates the result (out=, order, casting; a temporary when `out`
/// may share memory with an input), computes byte strides over a collapsed
/// iteration space, and calls Kernel::run, releasing the GIL for large runs
/// and letting SIGINT stop long ones.
//===----------------------------------------------------------------------===//
#include "RunKernel.h"
#include "Arguments.h"
#include "Errors.h"
#include "Interrupt.h"
#include "Overlap.h"
#include "PyRef.h"
#include "ResultPool.h"

#include <algorithm>
#include <cstdlib>
#include <string>

namespace nejit_py {

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

namespace {

/// The iteration space the kernel runs over: extents, and per operand (row
/// 0 the output, then the inputs) byte strides, 0 where it broadcasts.
struct IterSpace {
  int ND = 0;
  int64_t Shape[NPY_MAXDIMS + 1];
  int RowLen = 1; ///< Stride entries per operand (the broadcast ND + 1).
  std::vector<int64_t> Strides;
  int64_t *row(int Op) { return &Strides[size_t(Op) * RowLen]; }
};

/// `out` as an array, nullptr when absent or None; TypeError unless it is
/// an ndarray.
bool outArray(PyObject *OutObj, PyArrayObject *&Out) {
  Out = nullptr;
  if (!OutObj || OutObj == Py_None)
    return true;
  if (!PyArray_Check(OutObj)) {
    PyErr_SetString(PyExc_TypeError, "out must be a numpy.ndarray");
    return false;
  }
  Out = reinterpret_cast<PyArrayObject *>(OutObj);
  return true;
}

/// numpy's message for operands that do not broadcast: `out` (when it takes
/// part) first, then the inputs, each shape followed by a space.
void broadcastError(const std::vector<PyArrayObject *> &Inputs,
                    PyArrayObject *Out) {
  std::string Msg = "operands could not be broadcast together with shapes ";
  if (Out)
    Msg += shapeString(PyArray_NDIM(Out), PyArray_DIMS(Out)) + " ";
  for (PyArrayObject *B : Inputs)
    Msg += shapeString(PyArray_NDIM(B), PyArray_DIMS(B)) + " ";
  PyErr_SetString(PyExc_ValueError, Msg.c_str());
}

/// Broadcasts the inputs into S.ND/S.Shape, numpy's way. The elementwise
/// iteration space also spans `out`: numexpr lets a 0-d or smaller result
/// broadcast into a larger output.
bool broadcastShapes(const std::vector<PyArrayObject *> &Inputs,
                     PyArrayObject *Out, bool IsReduction, RunShape &S) {
  int ND = 0;
  for (PyArrayObject *A : Inputs)
    ND = std::max(ND, PyArray_NDIM(A));
  if (Out && !IsReduction)
    ND = std::max(ND, PyArray_NDIM(Out));
  S.ND = ND;
  for (int D = 0; D < ND; ++D)
    S.Shape[D] = 1;
  if (Out && !IsReduction) {
    int OND = PyArray_NDIM(Out);
    for (int D = 0; D < OND; ++D)
      S.Shape[ND - OND + D] = PyArray_DIMS(Out)[D];
  }
  for (PyArrayObject *A : Inputs) {
    int N = PyArray_NDIM(A), Off = ND - N;
    const npy_intp *Dims = PyArray_DIMS(A);
    for (int D = 0; D < N; ++D) {
      npy_intp X = Dims[D];
      if (X == S.Shape[Off + D] || X == 1)
        continue;
      if (S.Shape[Off + D] == 1) {
        S.Shape[Off + D] = X;
        continue;
      }
      broadcastError(Inputs, IsReduction ? nullptr : Out);
      return false;
    }
  }
  return true;
}

/// The result's shape: the iteration space, without the reduced axis, or
/// 0-d for a reduction over all axes.
bool resultShape(const nejit::Kernel &K, bool IsReduction, RunShape &S) {
  if (!IsReduction) {
    S.RND = S.ND;
    std::copy(S.Shape, S.Shape + S.ND, S.RShape);
    return true;
  }
  S.RND = 0;
  std::optional<int> Ax = K.reductionAxis();
  if (!Ax)
    return true;
  S.Axis = *Ax;
  if (S.Axis < 0 || S.Axis >= std::max(S.ND, 1)) {
    PyErr_SetString(PyExc_ValueError, "reduction axis is out of bounds");
    return false;
  }
  for (int D = 0; D < S.ND; ++D)
    if (D != S.Axis)
      S.RShape[S.RND++] = S.Shape[D];
  return true;
}

/// The number of elements of the iteration space; numpy's ValueError when
/// it does not fit in npy_intp (each operand's size does, their broadcast
/// need not).
bool elementCount(const RunShape &S, int64_t &Total) {
  Total = 1;
  bool Overflow = false;
  for (int D = 0; D < S.ND; ++D) {
    if (S.Shape[D] == 0) {
      Total = 0;
      return true;
    }
    Overflow |= __builtin_mul_overflow(Total, int64_t(S.Shape[D]), &Total);
  }
  if (!Overflow)
    return true;
  PyErr_SetString(PyExc_ValueError, "iterator is too large");
  return false;
}

} // namespace

PyObject *newArray(PyArray_Descr *Descr, int ND, const npy_intp *Shape,
                   bool Fortran) {
  return newResultArray(Descr, ND, Shape, Fortran);
}

namespace {

/// Checks `out`'s shape against the result's, with numexpr's messages. A
/// full reduction writes any `out` of one element, whatever its shape.
bool checkOutShape(PyArrayObject *Out, bool IsReduction, const RunShape &S) {
  int OND = PyArray_NDIM(Out);
  if (IsReduction && S.Axis < 0) {
    if (PyArray_SIZE(Out) == 1)
      return true;
    PyErr_SetString(PyExc_ValueError,
                    "out argument must have size 1 for a full reduction");
    return false;
  }
  bool Same = OND == S.RND;
  for (int D = 0; Same && D < S.RND; ++D)
    Same = PyArray_DIMS(Out)[D] == S.RShape[D];
  if (Same)
    return true;
  std::string OutShape = shapeString(OND, PyArray_DIMS(Out));
  std::string Want = shapeString(S.RND, S.RShape);
  std::string Msg =
      IsReduction ? "output operand with shape " + OutShape +
                        " doesn't match the reduction result shape " + Want
                  : "non-broadcastable output operand with shape " + OutShape +
                        " doesn't match the broadcast shape " + Want;
  PyErr_SetString(PyExc_ValueError, Msg.c_str());
  return false;
}

} // namespace

bool prepareOut(PyArrayObject *Out, PyArray_Descr *ResultDescr,
                NPY_CASTING Casting, bool IsReduction,
                const std::vector<PyArrayObject *> &Inputs, const RunShape &S,
                Destination &Dest) {
  if (!checkOutShape(Out, IsReduction, S))
    return false;
  PyArray_Descr *OD = PyArray_DESCR(Out);
  if (!PyArray_CanCastTypeTo(ResultDescr, OD, Casting)) {
    Ref RS(PyObject_Repr(reinterpret_cast<PyObject *>(ResultDescr)));
    Ref OS(PyObject_Repr(reinterpret_cast<PyObject *>(OD)));
    if (RS && OS)
      PyErr_Format(PyExc_TypeError,
                   "Iterator requested dtype could not be cast from %U to "
                   "%U, the operand 0 dtype, according to the rule '%s'",
                   RS.P, OS.P, castingName(Casting));
    return false;
  }
  if (PyArray_FailUnlessWriteable(Out, "output array") < 0)
    return false;
  bool Direct = PyArray_EquivTypes(ResultDescr, OD) && PyArray_ISALIGNED(Out) &&
                PyArray_ISNOTSWAPPED(Out) &&
                canWriteInPlace(Out, Inputs, !IsReduction, S.ND, S.Shape);
  if (Direct) {
    Dest.Target = Out;
    return true;
  }
  Dest.Result.reset(newArray(ResultDescr, S.RND, S.RShape, false));
  if (!Dest.Result)
    return false;
  Dest.Target = reinterpret_cast<PyArrayObject *>(Dest.Result.P);
  Dest.CopyBack = true;
  return true;
}

bool wantsFortran(const std::vector<PyArrayObject *> &Inputs, char Order,
                  int ND) {
  if (Order == 'F')
    return true;
  if (Order != 'A' && Order != 'K')
    return false;
  bool AllF = true, AnyNotC = false, Any = false;
  for (PyArrayObject *A : Inputs) {
    if (PyArray_NDIM(A) != ND)
      continue;
    Any = true;
    AllF = AllF && PyArray_IS_F_CONTIGUOUS(A);
    AnyNotC = AnyNotC || !PyArray_IS_C_CONTIGUOUS(A);
  }
  return Any && AllF && (Order == 'A' || AnyNotC);
}

namespace {

/// Allocates the result when there is no `out`, in the order numexpr picks.
bool allocResult(PyArray_Descr *ResultDescr,
                 const std::vector<PyArrayObject *> &Inputs, char Order,
                 bool IsReduction, const RunShape &S, Destination &Dest) {
  bool Fortran = !IsReduction && S.RND > 1 && wantsFortran(Inputs, Order, S.ND);
  Dest.Result.reset(newArray(ResultDescr, S.RND, S.RShape, Fortran));
  if (!Dest.Result)
    return false;
  Dest.Target = reinterpret_cast<PyArrayObject *>(Dest.Result.P);
  return true;
}

/// Byte strides of the output and the inputs over the broadcast iteration
/// space; a reduced axis has output stride 0, and a full reduction an
/// all-zero output row.
void buildStrides(PyArrayObject *Target,
                  const std::vector<PyArrayObject *> &Inputs, bool IsReduction,
                  const RunShape &S, IterSpace &It) {
  const int ND = S.ND, NIn = int(Inputs.size());
  It.ND = ND;
  It.RowLen = ND + 1;
  It.Strides.assign(size_t(NIn + 1) * It.RowLen, 0);
  for (int D = 0; D < ND; ++D)
    It.Shape[D] = S.Shape[D];
  int64_t *Row = It.row(0);
  const npy_intp *TS = PyArray_STRIDES(Target);
  if (!IsReduction) {
    for (int D = 0; D < ND; ++D)
      Row[D] = S.Shape[D] == 1 ? 0 : TS[D];
  } else if (S.Axis >= 0) {
    int R = 0;
    for (int D = 0; D < ND; ++D)
      Row[D] = D == S.Axis ? 0 : TS[R++];
  }
  for (int I = 0; I < NIn; ++I) {
    PyArrayObject *A = Inputs[I];
    int N = PyArray_NDIM(A), Off = ND - N;
    int64_t *In = It.row(I + 1);
    for (int D = 0; D < N; ++D)
      In[Off + D] = PyArray_DIMS(A)[D] == 1 ? 0 : PyArray_STRIDES(A)[D];
  }
}

/// Keeps the memory order of the output (the axis with the smallest output
/// stride innermost), then merges dimensions that are contiguous for every
/// operand and drops those of extent 1.
void collapseDims(int NOps, IterSpace &It) {
  int Perm[NPY_MAXDIMS];
  for (int D = 0; D < It.ND; ++D)
    Perm[D] = D;
  const int64_t *OS = It.row(0);
  std::stable_sort(Perm, Perm + It.ND, [&](int X, int Y) {
    return std::llabs(OS[X]) > std::llabs(OS[Y]);
  });
  int64_t NShape[NPY_MAXDIMS];
  std::vector<int64_t> NStrides(It.Strides.size(), 0);
  auto NewRow = [&](int Op) { return &NStrides[size_t(Op) * It.RowLen]; };
  int M = 0;
  for (int D = 0; D < It.ND; ++D) {
    int P = Perm[D];
    if (It.Shape[P] == 1)
      continue;
    bool Merge = M > 0;
    int64_t Next;
    for (int Op = 0; Merge && Op < NOps; ++Op)
      Merge = !__builtin_mul_overflow(It.row(Op)[P], It.Shape[P], &Next) &&
              NewRow(Op)[M - 1] == Next;
    if (Merge) {
      NShape[M - 1] *= It.Shape[P];
      for (int Op = 0; Op < NOps; ++Op)
        NewRow(Op)[M - 1] = It.row(Op)[P];
    } else {
      NShape[M] = It.Shape[P];
      for (int Op = 0; Op < NOps; ++Op)
        NewRow(Op)[M] = It.row(Op)[P];
      ++M;
    }
  }
  It.ND = M;
  std::copy(NShape, NShape + M, It.Shape);
  It.Strides.swap(NStrides);
}

/// Calls Kernel::run over It, without the GIL for large runs, and stops a
/// long run on the main thread at SIGINT with KeyboardInterrupt (the
/// target then partly written); nejit errors become numexpr's Python
/// exceptions.
bool callKernel(const nejit::Kernel &K, IterSpace &It, int64_t Total,
                PyArrayObject *Target,
                const std::vector<PyArrayObject *> &Inputs) {
  const int NIn = int(Inputs.size());
  nejit::ArrayView OutView{PyArray_DATA(Target), It.row(0)};
  nejit::ArrayView InViewsSmall[8];
  std::vector<nejit::ArrayView> InViewsBig;
  nejit::ArrayView *InViews = InViewsSmall;
  if (NIn > 8) {
    InViewsBig.resize(NIn);
    InViews = InViewsBig.data();
  }
  for (int I = 0; I < NIn; ++I)
    InViews[I] = nejit::ArrayView{PyArray_DATA(Inputs[I]), It.row(I + 1)};
  static_assert(InterruptThreshold >= GilReleaseThreshold,
                "an interruptible run must not hold the GIL");
  InterruptScope Interrupt(Total);
  try {
    if (Total >= GilReleaseThreshold) {
      Py_BEGIN_ALLOW_THREADS;
      try {
        K.run(It.ND, It.Shape, OutView, InViews, Interrupt.flag());
      } catch (...) {
        Py_BLOCK_THREADS;
        throw;
      }
      Py_END_ALLOW_THREADS;
    } else {
      K.run(It.ND, It.Shape, OutView, InViews);
    }
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return false;
  } catch (const std::exception &E) {
    PyErr_SetString(PyExc_RuntimeError, E.what());
    return false;
  }
  return Interrupt.finish();
}

/// Lays out the iteration space of a non-empty run and runs the kernel.
bool runOver(const nejit::Kernel &K, const std::vector<PyArrayObject *> &Inputs,
             bool IsReduction, const RunShape &S, int64_t Total,
             PyArrayObject *Target) {
  const int NOps = int(Inputs.size()) + 1;
  IterSpace It;
  buildStrides(Target, Inputs, IsReduction, S, It);
  if (!IsReduction && It.ND > 1)
    collapseDims(NOps, It);
  if (It.ND == 0) {
    // 0-d (or all extents 1): one element, run as 1-d of extent 1.
    It.ND = 1;
    It.Shape[0] = 1;
    for (int Op = 0; Op < NOps; ++Op)
      It.row(Op)[0] = 0;
  }
  return callKernel(K, It, Total, Target, Inputs);
}

} // namespace

PyObject *runKernel(const nejit::Kernel &K, PyArray_Descr *ResultDescr,
                    std::vector<PyArrayObject *> &Inputs, PyObject *OutObj,
                    char Order, NPY_CASTING Casting) {
  if (K.isPlan())
    return runPlanKernel(K, Inputs, OutObj, Order, Casting);
  PyArrayObject *Out;
  if (!outArray(OutObj, Out))
    return nullptr;
  bool IsReduction = K.reduction() != nejit::Reduction::None;
  RunShape S;
  if (!broadcastShapes(Inputs, Out, IsReduction, S) ||
      !resultShape(K, IsReduction, S))
    return nullptr;
  int64_t Total;
  if (!elementCount(S, Total))
    return nullptr;
  Destination Dest;
  bool Ready =
      Out ? prepareOut(Out, ResultDescr, Casting, IsReduction, Inputs, S, Dest)
          : allocResult(ResultDescr, Inputs, Order, IsReduction, S, Dest);
  if (!Ready)
    return nullptr;
  if (Total == 0 && IsReduction) {
    // numexpr 2.14 returns an empty array shaped like the operands when a
    // reduction sees no elements (numpy would give the identity), and
    // leaves `out` alone.
    return newArray(ResultDescr, S.ND, S.Shape, false);
  }
  if (Total != 0 && !runOver(K, Inputs, IsReduction, S, Total, Dest.Target))
    return nullptr;

  if (Dest.CopyBack && PyArray_CopyInto(Out, Dest.Target) < 0)
    return nullptr;
  if (Out) {
    Py_INCREF(Out);
    return reinterpret_cast<PyObject *>(Out);
  }
  return Dest.Result.release();
}

} // namespace nejit_py
