//===- RunPlan.cpp - The call into a kernel that is a plan ----------------===//
/// \file
/// Runs a kernel whose reductions stand inside expressions or that has
/// several outputs (nejit::Kernel::isPlan): the kernel computes numpy's
/// shape of each output from the inputs' own shapes, the outputs are
/// allocated (or taken from out=: an array for one output, a dict by name
/// for several) after every check has passed, then one Kernel::run.
//===----------------------------------------------------------------------===//
#include "Arrays.h"
#include "Errors.h"
#include "Interrupt.h"
#include "RunKernel.h"

#include <algorithm>

#include <string>

namespace nejit_py {

namespace {

/// The arrays the outputs are written to.
struct OutputArrays {
  std::vector<Destination> Dest;
  std::vector<PyArrayObject *> Given; ///< out= per output, or null
};

/// out= as one array per output: None, an array (one output), or a dict
/// naming some of the outputs.
bool splitOut(PyObject *Out, const std::vector<nejit::OutputInfo> &Outputs,
              OutputArrays &A) {
  A.Given.assign(Outputs.size(), nullptr);
  if (!Out || Out == Py_None)
    return true;
  auto AsArray = [](PyObject *O, PyArrayObject *&Into) {
    if (!PyArray_Check(O)) {
      PyErr_SetString(PyExc_TypeError, "out must be a numpy.ndarray");
      return false;
    }
    Into = reinterpret_cast<PyArrayObject *>(O);
    return true;
  };
  if (!PyDict_Check(Out)) {
    if (Outputs.size() != 1) {
      PyErr_SetString(PyExc_TypeError,
                      "this program has several outputs: out must be a "
                      "dict of arrays by output name");
      return false;
    }
    return AsArray(Out, A.Given[0]);
  }
  PyObject *Key, *Value;
  Py_ssize_t Pos = 0;
  while (PyDict_Next(Out, &Pos, &Key, &Value)) {
    const char *Name = PyUnicode_Check(Key) ? PyUnicode_AsUTF8(Key) : nullptr;
    size_t O = 0;
    while (Name && O < Outputs.size() && Outputs[O].Name != Name)
      ++O;
    if (!Name || O == Outputs.size()) {
      Ref R(PyObject_Repr(Key));
      PyErr_Format(PyExc_KeyError, "out names %U, which is not an output of "
                                   "the program",
                   R.P);
      return false;
    }
    if (Value != Py_None && !AsArray(Value, A.Given[O]))
      return false;
  }
  return true;
}

} // namespace

PyObject *runPlanKernel(const nejit::Kernel &K,
                        std::vector<PyArrayObject *> &Inputs, PyObject *Out,
                        char Order, NPY_CASTING Casting) {
  std::vector<nejit::OutputInfo> Outputs = K.outputs();
  std::vector<std::vector<int64_t>> InShapes;
  int MaxND = 0;
  for (PyArrayObject *In : Inputs) {
    InShapes.emplace_back(PyArray_DIMS(In), PyArray_DIMS(In) + PyArray_NDIM(In));
    MaxND = std::max(MaxND, PyArray_NDIM(In));
  }
  std::vector<std::vector<int64_t>> Shapes;
  try {
    Shapes = K.outputShapes(InShapes);
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return nullptr;
  }
  OutputArrays A;
  if (!splitOut(Out, Outputs, A))
    return nullptr;
  // Every out= is checked before anything is allocated or written.
  A.Dest.resize(Outputs.size());
  std::vector<Ref> Descrs;
  int64_t Work = 0;
  for (size_t O = 0; O < Outputs.size(); ++O) {
    PyArray_Descr *D = descrFor(Outputs[O].Type, Outputs[O].ItemSize);
    if (!D)
      return nullptr;
    Descrs.emplace_back(reinterpret_cast<PyObject *>(D));
    RunShape S;
    S.RND = (int)Shapes[O].size();
    int64_t N = 1;
    for (int Dim = 0; Dim < S.RND; ++Dim) {
      S.RShape[Dim] = Shapes[O][Dim];
      N *= Shapes[O][Dim];
    }
    Work = std::max(Work, N);
    if (A.Given[O]) {
      // The overlap check sees the output's own shape as the space run.
      S.ND = S.RND;
      std::copy(S.RShape, S.RShape + S.RND, S.Shape);
      if (!prepareOut(A.Given[O], D, Casting, /*IsReduction=*/false, Inputs,
                      S, A.Dest[O]))
        return nullptr;
      continue;
    }
    bool Fortran = S.RND > 1 && S.RND == MaxND &&
                   wantsFortran(Inputs, Order, S.RND);
    A.Dest[O].Result.reset(newArray(D, S.RND, S.RShape, Fortran));
    if (!A.Dest[O].Result)
      return nullptr;
    A.Dest[O].Target = reinterpret_cast<PyArrayObject *>(A.Dest[O].Result.P);
  }
  for (const auto &S : InShapes) {
    int64_t N = 1;
    for (int64_t E : S)
      N *= E;
    Work = std::max(Work, N);
  }
  std::vector<std::vector<int64_t>> InStrides, OutShapes, OutStrides;
  std::vector<nejit::NdArray> InViews, OutViews;
  for (size_t I = 0; I < Inputs.size(); ++I) {
    PyArrayObject *In = Inputs[I];
    InStrides.emplace_back(PyArray_STRIDES(In),
                           PyArray_STRIDES(In) + PyArray_NDIM(In));
  }
  for (size_t I = 0; I < Inputs.size(); ++I)
    InViews.push_back({PyArray_DATA(Inputs[I]), PyArray_NDIM(Inputs[I]),
                       InShapes[I].data(), InStrides[I].data()});
  for (size_t O = 0; O < Outputs.size(); ++O) {
    PyArrayObject *T = A.Dest[O].Target;
    OutShapes.emplace_back(PyArray_DIMS(T), PyArray_DIMS(T) + PyArray_NDIM(T));
    OutStrides.emplace_back(PyArray_STRIDES(T),
                            PyArray_STRIDES(T) + PyArray_NDIM(T));
  }
  for (size_t O = 0; O < Outputs.size(); ++O)
    OutViews.push_back({PyArray_DATA(A.Dest[O].Target),
                        PyArray_NDIM(A.Dest[O].Target), OutShapes[O].data(),
                        OutStrides[O].data()});
  InterruptScope Interrupt(Work);
  try {
    if (Work >= GilReleaseThreshold) {
      Py_BEGIN_ALLOW_THREADS;
      try {
        K.run(OutViews.data(), InViews.data(), Interrupt.flag());
      } catch (...) {
        Py_BLOCK_THREADS;
        throw;
      }
      Py_END_ALLOW_THREADS;
    } else {
      K.run(OutViews.data(), InViews.data());
    }
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return nullptr;
  } catch (const std::exception &E) {
    PyErr_SetString(PyExc_RuntimeError, E.what());
    return nullptr;
  }
  if (!Interrupt.finish())
    return nullptr;
  std::vector<PyObject *> Results;
  for (size_t O = 0; O < Outputs.size(); ++O) {
    if (A.Dest[O].CopyBack &&
        PyArray_CopyInto(A.Given[O], A.Dest[O].Target) < 0)
      return nullptr;
    Results.push_back(A.Given[O] ? reinterpret_cast<PyObject *>(A.Given[O])
                                 : A.Dest[O].Result.P);
  }
  if (Outputs.size() == 1 && Outputs[0].Name.empty()) {
    Py_INCREF(Results[0]);
    return Results[0];
  }
  Ref D(PyDict_New());
  if (!D)
    return nullptr;
  for (size_t O = 0; O < Outputs.size(); ++O)
    if (PyDict_SetItemString(D.P, Outputs[O].Name.c_str(), Results[O]) < 0)
      return nullptr;
  return D.release();
}

} // namespace nejit_py
