//===- RunKernel.h - The call into a compiled kernel ------------*- C++ -*-===//
/// \file
/// Declares the run of a kernel on numpy arrays with numexpr's broadcasting,
/// out=, order and casting rules.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_BINDINGS_PYTHON_RUNKERNEL_H
#define NEJIT_BINDINGS_PYTHON_RUNKERNEL_H

#include "PyRef.h"
#include "PythonApi.h"

#include "nejit/nejit.h"

#include <string>
#include <vector>

namespace nejit_py {

// Below this many elements the kernel runs with the GIL held: releasing and
// re-acquiring it costs more than such a run.
constexpr int64_t GilReleaseThreshold = 1 << 13;

/// numpy's spelling of a shape: "(3,4)", "(5,)".
std::string shapeString(int ND, const npy_intp *Shape);

/// The shapes of one run.
struct RunShape {
  int ND = 0; ///< Dimensions of the broadcast iteration space.
  npy_intp Shape[NPY_MAXDIMS];
  int RND = 0; ///< Dimensions of the result.
  npy_intp RShape[NPY_MAXDIMS];
  int Axis = -1; ///< The reduced axis; -1 for a full or no reduction.
};

/// Where the kernel writes: `out` itself, or a new array that becomes the
/// result (or, when CopyBack, is copied into `out` after the run).
struct Destination {
  Ref Result;
  PyArrayObject *Target = nullptr;
  bool CopyBack = false;
};

/// A new array of the result dtype (new reference), from the result pool.
PyObject *newArray(PyArray_Descr *Descr, int ND, const npy_intp *Shape,
                   bool Fortran);

/// Checks `out` before anything is written: its shape against the result's
/// (S.RND, S.RShape), the casting rule, writeability. The kernel writes
/// into it directly when it has the result dtype, is aligned and native,
/// and shares no memory with an input the run could read after writing it
/// (Overlap.h, over the iteration space S.ND, S.Shape); else into a
/// temporary that is copied into `out` after the run.
bool prepareOut(PyArrayObject *Out, PyArray_Descr *ResultDescr,
                NPY_CASTING Casting, bool IsReduction,
                const std::vector<PyArrayObject *> &Inputs, const RunShape &S,
                Destination &Dest);

/// numexpr's memory order for a new elementwise result: 'F' asks for it;
/// 'A' and 'K' give Fortran order when every full-rank input is Fortran
/// contiguous ('K' only if one of them is not also C contiguous).
bool wantsFortran(const std::vector<PyArrayObject *> &Inputs, char Order,
                  int ND);

/// Runs a kernel that is an execution plan (nejit::Kernel::isPlan): every
/// input keeps its own shape (numpy's broadcasting per operation); Out is
/// None, an array (one output) or a dict of arrays by output name. Returns
/// the one result, or a dict of every output by name (new reference).
/// Interruptible with SIGINT like runKernel.
PyObject *runPlanKernel(const nejit::Kernel &K,
                        std::vector<PyArrayObject *> &Inputs, PyObject *Out,
                        char Order, NPY_CASTING Casting);

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
