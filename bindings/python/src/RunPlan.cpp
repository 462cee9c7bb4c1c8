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
      PyErr_Format(PyExc_KeyError,
                   "out names %U, which is not an output of "
                   "the program",
                   R.P);
      return false;
    }
    if (Value != Py_None && !AsArray(Value, A.Given[O]))
      return false;
  }
  return true;
}

/// Checks every out= and allocates the other outputs (before anything is
/// written); Work becomes the largest element count of any operand.
bool prepareOutputs(const std::vector<nejit::OutputInfo> &Outputs,
                    const std::vector<std::vector<int64_t>> &Shapes,
                    std::vector<PyArrayObject *> &Inputs, int MaxND, char Order,
                    NPY_CASTING Casting, OutputArrays &A, int64_t &Work) {
  A.Dest.resize(Outputs.size());
  for (size_t O = 0; O < Outputs.size(); ++O) {
    Ref D(reinterpret_cast<PyObject *>(
        descrFor(Outputs[O].Type, Outputs[O].ItemSize)));
    if (!D)
      return false;
    auto *Descr = reinterpret_cast<PyArray_Descr *>(D.P);
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
      if (!prepareOut(A.Given[O], Descr, Casting, /*IsReduction=*/false, Inputs,
                      S, A.Dest[O]))
        return false;
      continue;
    }
    bool Fortran =
        S.RND > 1 && S.RND == MaxND && wantsFortran(Inputs, Order, S.RND);
    A.Dest[O].Result.reset(newArray(Descr, S.RND, S.RShape, Fortran));
    if (!A.Dest[O].Result)
      return false;
    A.Dest[O].Target = reinterpret_cast<PyArrayObject *>(A.Dest[O].Result.P);
  }
  return true;
}

/// numpy's view of an array: its shape and strides, kept alive here.
struct Views {
  std::vector<std::vector<int64_t>> Shapes, Strides;
  std::vector<nejit::NdArray> A;
  void add(PyArrayObject *X) {
    int ND = PyArray_NDIM(X);
    Shapes.emplace_back(PyArray_DIMS(X), PyArray_DIMS(X) + ND);
    Strides.emplace_back(PyArray_STRIDES(X), PyArray_STRIDES(X) + ND);
  }
  void finish(const std::vector<PyArrayObject *> &Arrays) {
    for (size_t I = 0; I < Arrays.size(); ++I)
      A.push_back({PyArray_DATA(Arrays[I]), PyArray_NDIM(Arrays[I]),
                   Shapes[I].data(), Strides[I].data()});
  }
};

/// Kernel::run without the GIL for large runs, interruptible by SIGINT.
bool callPlan(const nejit::Kernel &K, Views &Outs, Views &Ins, int64_t Work) {
  InterruptScope Interrupt(Work);
  try {
    if (Work >= GilReleaseThreshold) {
      Py_BEGIN_ALLOW_THREADS;
      try {
        K.run(Outs.A.data(), Ins.A.data(), Interrupt.flag());
      } catch (...) {
        Py_BLOCK_THREADS;
        throw;
      }
      Py_END_ALLOW_THREADS;
    } else {
      K.run(Outs.A.data(), Ins.A.data());
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

/// The one result, or a dict of every output by name (new reference),
/// after copying temporaries into their out= arrays.
PyObject *collectResults(const std::vector<nejit::OutputInfo> &Outputs,
                         OutputArrays &A) {
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

} // namespace

PyObject *runPlanKernel(const nejit::Kernel &K,
                        std::vector<PyArrayObject *> &Inputs, PyObject *Out,
                        char Order, NPY_CASTING Casting) {
  std::vector<nejit::OutputInfo> Outputs = K.outputs();
  Views Ins;
  int MaxND = 0;
  int64_t Work = 0;
  for (PyArrayObject *In : Inputs) {
    Ins.add(In);
    MaxND = std::max(MaxND, PyArray_NDIM(In));
    Work = std::max<int64_t>(Work, PyArray_SIZE(In));
  }
  Ins.finish(Inputs);
  std::vector<std::vector<int64_t>> Shapes;
  try {
    Shapes = K.outputShapes(Ins.Shapes);
  } catch (const nejit::Error &E) {
    setPythonError(E);
    return nullptr;
  }
  OutputArrays A;
  if (!splitOut(Out, Outputs, A) ||
      !prepareOutputs(Outputs, Shapes, Inputs, MaxND, Order, Casting, A, Work))
    return nullptr;
  Views Outs;
  std::vector<PyArrayObject *> Targets;
  for (Destination &D : A.Dest) {
    Outs.add(D.Target);
    Targets.push_back(D.Target);
  }
  Outs.finish(Targets);
  if (!callPlan(K, Outs, Ins, Work))
    return nullptr;
  return collectResults(Outputs, A);
}

} // namespace nejit_py
