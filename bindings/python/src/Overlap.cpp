//===- Overlap.cpp - Whether out= may share memory with an input ----------===//
/// \file
/// numpy decides whether a ufunc's output overlaps an input with
/// solve_may_share_memory(a, b, max_work=1): the byte bounds first, an
/// exact answer only where it is cheap. Its solver is not part of numpy's
/// C API, so this file does the same with a bounds test and one cheap exact
/// case (disjoint residues modulo the strides' gcd), and answers "may" for
/// the rest: a false "may" costs a copy, a false "no" a wrong result.
//===----------------------------------------------------------------------===//
#include "Overlap.h"

#include <cstdint>
#include <numeric>

namespace nejit_py {
namespace {

/// The bytes [Low, High) that A's elements occupy; false when A is empty.
/// For an existing array each (extent - 1) * stride fits in npy_intp.
bool byteBounds(PyArrayObject *A, intptr_t &Low, intptr_t &High) {
  Low = High = reinterpret_cast<intptr_t>(PyArray_DATA(A));
  const npy_intp *Dims = PyArray_DIMS(A), *Strides = PyArray_STRIDES(A);
  for (int D = 0; D < PyArray_NDIM(A); ++D) {
    if (Dims[D] == 0)
      return false;
    npy_intp Off = (Dims[D] - 1) * Strides[D];
    (Off < 0 ? Low : High) += Off;
  }
  High += PyArray_ITEMSIZE(A);
  return true;
}

/// The gcd of |stride| over A's dimensions of extent > 1, folded into G.
npy_intp strideGcd(PyArrayObject *A, npy_intp G) {
  const npy_intp *Dims = PyArray_DIMS(A), *Strides = PyArray_STRIDES(A);
  for (int D = 0; D < PyArray_NDIM(A); ++D)
    if (Dims[D] > 1)
      G = std::gcd(G, Strides[D] < 0 ? -Strides[D] : Strides[D]);
  return G;
}

} // namespace

bool mayShareMemory(PyArrayObject *A, PyArrayObject *B) {
  intptr_t ALow, AHigh, BLow, BHigh;
  if (!byteBounds(A, ALow, AHigh) || !byteBounds(B, BLow, BHigh))
    return false;
  if (AHigh <= BLow || BHigh <= ALow)
    return false;
  // Every element of A starts at data(A) + k*G, every element of B at
  // data(B) + m*G. Two elements intersect iff their start difference lies
  // in (-itemsize(B), itemsize(A)); the differences are R + j*G.
  npy_intp G = strideGcd(B, strideGcd(A, 0));
  if (G == 0)
    return true; // two single elements whose bytes intersect
  intptr_t Diff = reinterpret_cast<intptr_t>(PyArray_DATA(A)) -
                  reinterpret_cast<intptr_t>(PyArray_DATA(B));
  npy_intp R = npy_intp(((Diff % G) + G) % G);
  return R < PyArray_ITEMSIZE(A) || G - R < PyArray_ITEMSIZE(B);
}

bool canWriteInPlace(PyArrayObject *Out,
                     const std::vector<PyArrayObject *> &Inputs,
                     bool Elementwise, int ND, const npy_intp *Shape) {
  for (PyArrayObject *In : Inputs) {
    if (!mayShareMemory(Out, In))
      continue;
    if (!Elementwise || PyArray_DATA(In) != PyArray_DATA(Out) ||
        PyArray_ITEMSIZE(In) != PyArray_ITEMSIZE(Out) ||
        PyArray_NDIM(Out) != ND)
      return false;
    // Strides as the run sees them: an input broadcasts (stride 0) along
    // its missing leading dimensions and its dimensions of extent 1.
    int N = PyArray_NDIM(In), Off = ND - N;
    for (int D = 0; D < ND; ++D) {
      if (Shape[D] <= 1)
        continue;
      npy_intp InStride = D >= Off && PyArray_DIMS(In)[D - Off] != 1
                              ? PyArray_STRIDES(In)[D - Off]
                              : 0;
      if (InStride != PyArray_STRIDES(Out)[D])
        return false;
    }
  }
  return true;
}

} // namespace nejit_py
