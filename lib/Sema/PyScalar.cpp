//===- Sema/PyScalar.cpp - Python and numpy scalar constants --------------===//
/// \file
/// numexpr's view of constants: the float16 rounding and integer wrapping
/// numpy applies to a scalar of a given type, and numpy's (NEP 50) promotion
/// of two scalar operands.
//===----------------------------------------------------------------------===//
#include "Sema/PyScalar.h"

#include <algorithm>

namespace nejit {
namespace sema {

const char *typeNameForError(const PyConst &P) {
  switch (P.T) {
  case PyConst::Bool:
    return "bool";
  case PyConst::Int:
    return "int";
  case PyConst::Float:
    return "float";
  case PyConst::Complex:
    return "complex";
  case PyConst::Bytes:
    return "bytes";
  }
  return "?";
}

double roundToHalf(double V) {
  if (!std::isfinite(V) || V == 0)
    return V;
  double A = std::fabs(V);
  if (A >= 65520.0)
    return std::copysign(INFINITY, V);
  int E;
  std::frexp(A, &E);
  double Q = (E - 1 >= -14) ? std::ldexp(1.0, E - 11) : std::ldexp(1.0, -24);
  return std::copysign(std::nearbyint(A / Q) * Q, V);
}

PyConst withNumpyType(PyConst P, Np N) {
  P.N = N;
  switch (N) {
  case Np::None:
  case Np::Array:
    break;
  case Np::Bool:
    if (P.T != PyConst::Bool)
      P = PyConst::ofBool(P.truthy(), N);
    break;
  case Np::Int8:
    P = PyConst::ofInt((int8_t)(int64_t)P.asInt(), N);
    break;
  case Np::Int32:
    P = PyConst::ofInt((int32_t)(int64_t)P.asInt(), N);
    break;
  case Np::Int64:
    P = PyConst::ofInt((int64_t)P.asInt(), N);
    break;
  case Np::Float16:
    P = PyConst::ofFloat(
        roundToHalf(P.T == PyConst::Complex ? P.C.real() : P.asDouble()), N);
    break;
  case Np::Float32:
    P = PyConst::ofFloat(
        (float)(P.T == PyConst::Complex ? P.C.real() : P.asDouble()), N);
    break;
  case Np::Float64:
    P = PyConst::ofFloat(P.T == PyConst::Complex ? P.C.real() : P.asDouble(),
                         N);
    break;
  case Np::Complex128:
    P = PyConst::ofComplex(P.asComplex(), N);
    break;
  }
  return P;
}
Np numpyTypeOf(const PyConst &P) {
  if (P.N != Np::None)
    return P.N;
  switch (P.T) {
  case PyConst::Bool:
    return Np::Bool;
  case PyConst::Int:
    return Np::Int64;
  case PyConst::Float:
    return Np::Float64;
  case PyConst::Complex:
    return Np::Complex128;
  case PyConst::Bytes:
    break;
  }
  return Np::None;
}

int npCategory(Np N) {
  switch (N) {
  case Np::Bool:
    return 0;
  case Np::Int8:
  case Np::Int32:
  case Np::Int64:
    return 1;
  case Np::Float16:
  case Np::Float32:
  case Np::Float64:
    return 2;
  default:
    return 3;
  }
}

int pyCategory(const PyConst &P) {
  switch (P.T) {
  case PyConst::Bool:
    return 0;
  case PyConst::Int:
    return 1;
  case PyConst::Float:
    return 2;
  default:
    return 3;
  }
}

Np promoteNumpy(const PyConst &A, const PyConst &B) {
  bool WeakA = A.N == Np::None, WeakB = B.N == Np::None;
  if (WeakA && WeakB) {
    static const Np Default[] = {Np::Bool, Np::Int64, Np::Float64,
                                 Np::Complex128};
    return Default[std::max(pyCategory(A), pyCategory(B))];
  }
  if (WeakA || WeakB) {
    const PyConst &Weak = WeakA ? A : B;
    Np Strong = WeakA ? B.N : A.N;
    int WC = pyCategory(Weak), SC = npCategory(Strong);
    if (WC <= SC)
      return Strong;
    static const Np Default[] = {Np::Bool, Np::Int64, Np::Float64,
                                 Np::Complex128};
    return Default[WC];
  }
  Np X = A.N, Y = B.N;
  if (X == Y)
    return X;
  int CX = npCategory(X), CY = npCategory(Y);
  if (CX == 3 || CY == 3)
    return Np::Complex128;
  if (CX == CY)
    return std::max(X, Y);
  // One integer (or bool), one float: the float must hold the integer.
  Np Int = CX < CY ? X : Y, Flt = CX < CY ? Y : X;
  if (CX == 0 || CY == 0)
    return CX == 0 ? Y : X;
  if (Int == Np::Int8)
    return Flt;
  if (Int == Np::Int32)
    return Flt == Np::Float64 ? Flt : Np::Float64;
  return Np::Float64;
}

} // namespace sema
} // namespace nejit
