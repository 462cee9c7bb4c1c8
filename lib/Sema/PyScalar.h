//===- Sema/PyScalar.h - Python and numpy scalar constants ------*- C++ -*-===//
/// \file
/// Constants as Python sees them while numexpr builds an expression: Python
/// bools, ints, floats, complex numbers and bytes, or numpy scalars of a given
/// type; numexpr's kind for each, and numpy's promotion of two of them.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SEMA_PYSCALAR_H
#define NEJIT_SEMA_PYSCALAR_H

#include "IR/IR.h"

#include <cmath>
#include <complex>
#include <cstdint>
#include <string>

namespace nejit {
namespace sema {

using ir::Scalar;

/// The numpy scalar type of a constant that a numpy function produced (None:
/// a plain Python object). numexpr gives constants a kind by their Python or
/// numpy type (bestConstantType), so the type matters, not just the value:
/// abs(-3) is numpy.int64 and stays int64 however small; sin(True) is
/// numpy.float16, which numexpr calls 'float' (float32).
enum class Np : uint8_t {
  None,
  Bool,
  Int8,
  Int32,
  Int64,
  Float16,
  Float32,
  Float64,
  Complex128,
  Array, ///< a 0-d numpy array (copy() or ones_like() of a constant)
};

using Wide = __int128;

/// A constant as Python sees it while numexpr evaluates the expression.
/// Python ints are unbounded; nejit keeps 127 bits and reports more.
struct PyConst {
  enum Tag { Bool, Int, Float, Complex, Bytes } T = Int;
  bool B = false;
  Wide I = 0;
  double F = 0;
  std::complex<double> C;
  std::string S;
  Np N = Np::None;
  /// numexpr wrapped it in a ConstantNode (the result of a function of
  /// constants, or of where() or an operator with such an operand). A
  /// ConstantNode has the operators of an array node (so `isnan(1.0) & b`
  /// works where `True & b` does not), no truth value, and a .real that is
  /// always a Python float.
  bool Boxed = false;
  Np Elem = Np::None; ///< Array: the element type

  static PyConst ofBool(bool V, Np N = Np::None) {
    PyConst P;
    P.T = Bool;
    P.B = V;
    P.N = N;
    return P;
  }
  static PyConst ofInt(Wide V, Np N = Np::None) {
    PyConst P;
    P.T = Int;
    P.I = V;
    P.N = N;
    return P;
  }
  static PyConst ofFloat(double V, Np N = Np::None) {
    PyConst P;
    P.T = Float;
    P.F = V;
    P.N = N;
    return P;
  }
  static PyConst ofComplex(std::complex<double> V, Np N = Np::None) {
    PyConst P;
    P.T = Complex;
    P.C = V;
    P.N = N;
    return P;
  }
  static PyConst ofBytes(std::string V) {
    PyConst P;
    P.T = Bytes;
    P.S = std::move(V);
    return P;
  }

  /// numexpr's getKind() (bestConstantType, and ConstantNode's rule that a
  /// Python float is 'double').
  DType kind() const {
    auto IntKind = [&]() {
      return (I >= INT32_MIN && I <= INT32_MAX) ? DType::Int32 : DType::Int64;
    };
    switch (N) {
    case Np::None:
      switch (T) {
      case Bool:
        return DType::Bool;
      case Int:
        return IntKind();
      case Float:
        return DType::Float64;
      case Complex:
        return DType::Complex128;
      case Bytes:
        return DType::Bytes;
      }
      break;
    case Np::Bool:
      return DType::Bool;
    case Np::Int8:
    case Np::Int32:
      return IntKind();
    case Np::Int64:
      return DType::Int64;
    case Np::Float16:
    case Np::Float32:
      return DType::Float32;
    case Np::Float64:
      return DType::Float64;
    case Np::Complex128:
    case Np::Array:
      // float(x) == x (or is NaN) makes it 'float'; otherwise 'complex'.
      if (T == Complex && C.imag() != 0 && !std::isnan(C.real()))
        return DType::Complex128;
      return DType::Float32;
    }
    return DType::Float64;
  }
  bool isIntegral() const { return T == Bool || T == Int; }
  Wide asInt() const { return T == Bool ? (Wide)B : I; }
  double asDouble() const {
    return T == Bool ? (double)B : T == Int ? (double)I : F;
  }
  std::complex<double> asComplex() const {
    return T == Complex ? C : std::complex<double>(asDouble(), 0.0);
  }
  bool truthy() const {
    switch (T) {
    case Bool:
      return B;
    case Int:
      return I != 0;
    case Float:
      return F != 0;
    case Complex:
      return C != 0.0;
    case Bytes:
      return !S.empty();
    }
    return false;
  }
  Scalar toScalar(DType K) const {
    Scalar V;
    switch (T) {
    case Bool:
      V = Scalar::ofBool(B);
      break;
    case Int:
      V = Scalar::ofInt(DType::Int64, (int64_t)I);
      break;
    case Float:
      V = Scalar::ofFloat(DType::Float64, F);
      break;
    case Complex:
      V = Scalar::ofComplex(C);
      break;
    case Bytes:
      return Scalar::ofBytes(S);
    }
    return V.castTo(K);
  }
};

const Wide WideMax = ~(unsigned __int128)0 >> 1;
const Wide WideMin = -WideMax - 1;

const char *typeNameForError(const PyConst &P);

/// The nearest float16 value (round half to even), as a double.
double roundToHalf(double V);

/// Gives a value computed in double/complex/wide arithmetic the numpy type N
/// (rounding floats, wrapping integers as numpy does).
PyConst withNumpyType(PyConst P, Np N);

/// numpy's dtype for a constant passed to a ufunc on its own: Python bool,
/// int, float, complex become bool, int64, float64, complex128.
Np numpyTypeOf(const PyConst &P);

int npCategory(Np N);

int pyCategory(const PyConst &P);

/// numpy's promotion of two ufunc operands (NEP 50: a Python scalar is weak
/// and takes the other operand's type when its kind fits).
Np promoteNumpy(const PyConst &A, const PyConst &B);

} // namespace sema
} // namespace nejit

#endif // NEJIT_SEMA_PYSCALAR_H
