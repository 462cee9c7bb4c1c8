//===- Sema/Sema.cpp - AST to typed IR with numexpr's rules ---------------===//
/// \file
/// Two steps, as in numexpr. First the AST becomes a tree of kinded nodes the
/// way numexpr's Python operator overloads build it: operations on constants
/// fold with Python (or, for functions, numpy) semantics, `/` by a constant
/// becomes a multiply, constant powers expand. Then each operation finds the
/// first numexpr signature its operands can be upcast to, and casts are
/// inserted; that is what fixes every result dtype.
//===----------------------------------------------------------------------===//
#include "Sema/Sema.h"

#include <algorithm>
#include <cmath>
#include <complex>
#include <cstring>
#include <map>
#include <memory>

namespace nejit {

namespace {

using ir::Scalar;

//===----------------------------------------------------------------------===//
// Constant values with Python (and numpy-scalar) semantics
//===----------------------------------------------------------------------===//

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

/// The nearest float16 value (round half to even), as a double.
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

/// Gives a value computed in double/complex/wide arithmetic the numpy type N
/// (rounding floats, wrapping integers as numpy does).
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

/// numpy's dtype for a constant passed to a ufunc on its own: Python bool,
/// int, float, complex become bool, int64, float64, complex128.
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

/// numpy's promotion of two ufunc operands (NEP 50: a Python scalar is weak
/// and takes the other operand's type when its kind fits).
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

//===----------------------------------------------------------------------===//
// Kinded expression nodes (numexpr's ExpressionNode tree)
//===----------------------------------------------------------------------===//

struct ENode;
using ENodePtr = std::shared_ptr<ENode>;

struct ENode {
  enum Kind { Var, Const, Op, Raw } K;
  std::string Name; ///< numexpr opcode/function name for Op
  DType Type = DType::Float64;
  PyConst Value;               ///< Const
  int VarIndex = -1;           ///< Var
  std::optional<int> Axis;     ///< Raw (reduction axis)
  bool AxisNotInteger = false; ///< Raw: a non-integer axis (numexpr fails late)
  std::vector<ENodePtr> Kids;
  SourceLoc Loc;
};

ENodePtr makeConst(PyConst V, SourceLoc Loc) {
  auto N = std::make_shared<ENode>();
  N->K = ENode::Const;
  N->Type = V.kind();
  N->Value = std::move(V);
  N->Loc = Loc;
  return N;
}

int kindRank(DType T) { return (int)T; }

/// numexpr's commonKind: the highest kind wins; strings mix only with strings.
Expected<DType> commonKind(const std::vector<ENodePtr> &Nodes, SourceLoc Loc) {
  int Strings = 0, Counted = 0;
  DType Best = DType::Bool;
  for (const auto &N : Nodes) {
    if (N->K == ENode::Raw)
      continue;
    ++Counted;
    if (N->Type == DType::Bytes) {
      ++Strings;
      continue;
    }
    if (kindRank(N->Type) > kindRank(Best))
      Best = N->Type;
  }
  if (Strings > 0 && Strings < Counted)
    return makeError(ErrorKind::Type, Loc,
                     "strings can only be operated with strings");
  if (Strings > 0)
    return DType::Bytes;
  return Best;
}

Expected<ENodePtr> makeOp(std::string Name, std::vector<ENodePtr> Kids,
                          SourceLoc Loc, std::optional<DType> Kind = {}) {
  if (!Kind) {
    auto K = commonKind(Kids, Loc);
    if (!K)
      return K.takeError();
    Kind = *K;
  }
  // numexpr: bool*bool is logical and, bool+bool logical or.
  if (*Kind == DType::Bool) {
    if (Name == "mul")
      Name = "and";
    else if (Name == "add")
      Name = "or";
  }
  auto N = std::make_shared<ENode>();
  N->K = ENode::Op;
  N->Name = std::move(Name);
  N->Type = *Kind;
  N->Kids = std::move(Kids);
  N->Loc = Loc;
  return N;
}

//===----------------------------------------------------------------------===//
// Folding with Python semantics
//===----------------------------------------------------------------------===//

/// Python's float modulo: the result takes the divisor's sign.
double pyFloatMod(double A, double B) {
  double M = std::fmod(A, B);
  if (M != 0 && ((B < 0) != (M < 0)))
    M += B;
  else if (M == 0)
    M = std::copysign(0.0, B);
  return M;
}

/// Python's float floor division (divmod's quotient).
double pyFloorDiv(double A, double B) {
  double M = std::fmod(A, B);
  double Div = (A - M) / B;
  if (M != 0 && ((B < 0) != (M < 0)))
    Div -= 1.0;
  if (Div == 0)
    return std::copysign(0.0, A / B);
  double Floor = std::floor(Div);
  if (Div - Floor > 0.5)
    Floor += 1.0;
  return Floor;
}

const Wide WideMax = ~(unsigned __int128)0 >> 1;
const Wide WideMin = -WideMax - 1;

Expected<PyConst> foldBinaryImpl(const std::string &Op, const PyConst &A,
                                 const PyConst &B, SourceLoc Loc);

Expected<PyConst> foldBinary(const std::string &Op, const PyConst &A,
                             const PyConst &B, SourceLoc Loc) {
  // A 0-d array operand computes like a numpy scalar of its element type.
  auto Scalarize = [](PyConst P) {
    if (P.N == Np::Array)
      P.N = P.Elem;
    return P;
  };
  auto R = foldBinaryImpl(Op, Scalarize(A), Scalarize(B), Loc);
  if (R)
    R->Boxed = A.Boxed || B.Boxed;
  return R;
}

Expected<PyConst> foldBinaryImpl(const std::string &Op, const PyConst &A,
                                 const PyConst &B, SourceLoc Loc) {
  auto Unsupported = [&]() {
    return makeError(ErrorKind::Type, Loc,
                     "unsupported operand types for '" + Op + "': '" +
                         typeNameForError(A) + "' and '" + typeNameForError(B) +
                         "'");
  };
  auto ZeroDiv = [&]() {
    return makeError(ErrorKind::Value, Loc, "division by zero");
  };
  auto Overflow = [&]() {
    return makeError(ErrorKind::Value, Loc, "integer constant too large");
  };
  auto FloatOverflow = [&]() {
    return makeError(ErrorKind::Value, Loc, "numerical result out of range");
  };
  if (A.N == Np::Array || B.N == Np::Array)
    return makeError(ErrorKind::Type, Loc,
                     "a numpy array made from constants (copy() or "
                     "ones_like() of a constant) cannot be an operand");
  bool Numpy = A.N != Np::None || B.N != Np::None;
  bool IsCmp = Op == "gt" || Op == "ge" || Op == "eq" || Op == "ne";
  if (A.T == PyConst::Bytes || B.T == PyConst::Bytes) {
    if (A.T != B.T) {
      if (Op == "eq" || Op == "ne")
        return PyConst::ofBool(Op == "ne");
      // Python repeats bytes: b'ab' * 3.
      if (Op == "mul" && (A.isIntegral() || B.isIntegral()) && !Numpy) {
        const PyConst &Str = A.T == PyConst::Bytes ? A : B;
        Wide Count = A.T == PyConst::Bytes ? B.asInt() : A.asInt();
        if (Count > 0 && (Wide)Str.S.size() * Count > (1 << 24))
          return makeError(ErrorKind::Value, Loc,
                           "repeated bytes constant is too large");
        std::string R;
        for (Wide K = 0; K < Count; ++K)
          R += Str.S;
        return PyConst::ofBytes(std::move(R));
      }
      if (Op == "mod" && A.T == PyConst::Bytes)
        return makeError(ErrorKind::Type, Loc,
                         "bytes formatting ('%') is not supported");
      return Unsupported();
    }
    if (Op == "add")
      return PyConst::ofBytes(A.S + B.S);
    if (Op == "mod")
      return makeError(ErrorKind::Type, Loc,
                       "bytes formatting ('%') is not supported");
    if (!IsCmp)
      return Unsupported();
    int C = A.S.compare(B.S);
    bool V = Op == "gt"   ? C > 0
             : Op == "ge" ? C >= 0
             : Op == "eq" ? C == 0
                          : C != 0;
    return PyConst::ofBool(V);
  }
  // With a numpy scalar operand the result is a numpy scalar of the
  // promoted type (comparisons: bool; true division of integers: float64).
  Np ResultNp = Numpy ? promoteNumpy(A, B) : Np::None;
  auto Result = [&](PyConst R) -> Expected<PyConst> {
    if (!Numpy)
      return R;
    Np To = IsCmp ? Np::Bool : ResultNp;
    if (Op == "div" && npCategory(To) < 2)
      To = Np::Float64;
    if (Op == "pow" && R.T == PyConst::Float && npCategory(To) < 2)
      To = Np::Float64;
    return withNumpyType(R, To);
  };
  bool BothBool = A.T == PyConst::Bool && B.T == PyConst::Bool;
  bool BothIntegral = A.isIntegral() && B.isIntegral();
  bool AnyComplex = A.T == PyConst::Complex || B.T == PyConst::Complex;

  if (IsCmp) {
    bool V;
    if (AnyComplex) {
      std::complex<double> X = A.asComplex(), Y = B.asComplex();
      if (Op == "eq" || Op == "ne")
        V = (X == Y) == (Op == "eq");
      else if (!Numpy)
        return Unsupported(); // Python has no order on complex numbers
      else                    // numpy orders complex numbers lexicographically
        V = Op == "gt" ? (X.real() > Y.real() ||
                          (X.real() == Y.real() && X.imag() > Y.imag()))
                       : (X.real() > Y.real() ||
                          (X.real() == Y.real() && X.imag() >= Y.imag()));
    } else if (BothIntegral) {
      Wide X = A.asInt(), Y = B.asInt();
      V = Op == "gt"   ? X > Y
          : Op == "ge" ? X >= Y
          : Op == "eq" ? X == Y
                       : X != Y;
    } else {
      double X = A.asDouble(), Y = B.asDouble();
      V = Op == "gt"   ? X > Y
          : Op == "ge" ? X >= Y
          : Op == "eq" ? X == Y
                       : X != Y;
    }
    return Result(PyConst::ofBool(V));
  }

  if (Op == "and" || Op == "or" || Op == "xor" || Op == "lshift" ||
      Op == "rshift") {
    if (!BothIntegral)
      return Unsupported();
    Wide X = A.asInt(), Y = B.asInt();
    PyConst R;
    if (Numpy && BothBool && (Op == "lshift" || Op == "rshift"))
      ResultNp = Np::Int8; // numpy shifts two bools in int8
    if (BothBool && (Op == "and" || Op == "or" || Op == "xor")) {
      bool V = Op == "and"  ? (A.B && B.B)
               : Op == "or" ? (A.B || B.B)
                            : (A.B != B.B);
      R = PyConst::ofBool(V);
    } else if (Op == "and")
      R = PyConst::ofInt(X & Y);
    else if (Op == "or")
      R = PyConst::ofInt(X | Y);
    else if (Op == "xor")
      R = PyConst::ofInt(X ^ Y);
    else {
      if (Y < 0 && Numpy) // numpy shifts by a negative count to 0 (or -1)
        return Result(
            PyConst::ofInt(Op == "rshift" && X < 0 ? Wide(-1) : Wide(0)));
      if (Y < 0)
        return makeError(ErrorKind::Value, Loc, "negative shift count");
      if (Op == "lshift") {
        if (X != 0 &&
            (Y >= 126 || (X > 0 ? X > (WideMax >> Y) : X < (WideMin >> Y))))
          return Overflow();
        R = PyConst::ofInt(X != 0 ? (Wide)((unsigned __int128)X << Y) : 0);
      } else {
        R = PyConst::ofInt(Y >= 127 ? (X < 0 ? -1 : 0) : (X >> Y));
      }
    }
    return Result(R);
  }

  // numpy bools: + is or, * is and, - is an error.
  if (Numpy && BothBool && ResultNp == Np::Bool) {
    if (Op == "add")
      return PyConst::ofBool(A.B || B.B, Np::Bool);
    if (Op == "mul")
      return PyConst::ofBool(A.B && B.B, Np::Bool);
    if (Op == "sub")
      return makeError(ErrorKind::Type, Loc,
                       "numpy boolean subtract is not supported");
    // Other arithmetic on two numpy bools computes in int8.
    ResultNp = Np::Int8;
  }

  if (AnyComplex) {
    std::complex<double> X = A.asComplex(), Y = B.asComplex();
    PyConst R;
    if (Op == "add")
      R = PyConst::ofComplex(X + Y);
    else if (Op == "sub")
      R = PyConst::ofComplex(X - Y);
    else if (Op == "mul")
      R = PyConst::ofComplex(X * Y);
    else if (Op == "div") {
      if (Y == 0.0)
        return ZeroDiv();
      R = PyConst::ofComplex(X / Y);
    } else if (Op == "pow") {
      if (X == 0.0 && (Y.imag() != 0 || Y.real() < 0))
        return ZeroDiv();
      std::complex<double> V =
          Y == 0.0 ? std::complex<double>(1.0) : std::pow(X, Y);
      bool Finite = std::isfinite(X.real()) && std::isfinite(X.imag()) &&
                    std::isfinite(Y.real()) && std::isfinite(Y.imag());
      if (Finite && !(std::isfinite(V.real()) && std::isfinite(V.imag())))
        return FloatOverflow();
      R = PyConst::ofComplex(V);
    } else
      return Unsupported();
    return Result(R);
  }

  if (BothIntegral && Op != "div") {
    Wide X = A.asInt(), Y = B.asInt(), V = 0;
    if (Op == "add") {
      if (__builtin_add_overflow(X, Y, &V))
        return Overflow();
    } else if (Op == "sub") {
      if (__builtin_sub_overflow(X, Y, &V))
        return Overflow();
    } else if (Op == "mul") {
      if (__builtin_mul_overflow(X, Y, &V))
        return Overflow();
    } else if (Op == "floordiv" || Op == "mod") {
      if (Y == 0 && Numpy) // numpy warns and gives 0
        return Result(PyConst::ofInt(0));
      if (Y == 0)
        return ZeroDiv();
      if (X == WideMin && Y == -1) {
        if (Op == "floordiv")
          return Overflow();
        V = 0;
      } else {
        Wide Q = X / Y, M = X % Y;
        if (M != 0 && ((M < 0) != (Y < 0))) {
          --Q;
          M += Y;
        }
        V = Op == "floordiv" ? Q : M;
      }
    } else if (Op == "pow") {
      if (Y < 0) {
        if (X == 0)
          return ZeroDiv();
        return Result(PyConst::ofFloat(std::pow((double)X, (double)Y)));
      }
      V = 1;
      Wide Base = X;
      for (Wide E = Y; E > 0; E >>= 1) {
        if (E & 1)
          if (__builtin_mul_overflow(V, Base, &V))
            return Overflow();
        if (E > 1 && __builtin_mul_overflow(Base, Base, &Base)) {
          // Base overflowing only matters if a later bit uses it.
          if (X != 0 && X != 1 && X != -1)
            return Overflow();
        }
      }
    } else
      return Unsupported();
    return Result(PyConst::ofInt(V));
  }

  double X = A.asDouble(), Y = B.asDouble();
  PyConst R;
  if (Op == "add")
    R = PyConst::ofFloat(X + Y);
  else if (Op == "sub")
    R = PyConst::ofFloat(X - Y);
  else if (Op == "mul")
    R = PyConst::ofFloat(X * Y);
  else if (Op == "div") {
    if (Y == 0 && !Numpy) // numpy scalars give inf or nan
      return ZeroDiv();
    R = PyConst::ofFloat(X / Y);
  } else if (Op == "floordiv") {
    if (Y == 0 && !Numpy)
      return ZeroDiv();
    R = PyConst::ofFloat(Y == 0 ? std::floor(X / Y) : pyFloorDiv(X, Y));
  } else if (Op == "mod") {
    if (Y == 0 && !Numpy)
      return ZeroDiv();
    R = PyConst::ofFloat(Y == 0 ? NAN : pyFloatMod(X, Y));
  } else if (Op == "pow") {
    if (X == 0 && Y < 0)
      return ZeroDiv();
    if (X < 0 && Y != std::floor(Y) && std::isfinite(Y)) {
      // Python gives a complex result for a negative base and a
      // fractional exponent.
      return Result(PyConst::ofComplex(std::pow(std::complex<double>(X), Y)));
    }
    double V = std::pow(X, Y);
    if (std::isfinite(X) && std::isfinite(Y) && !std::isfinite(V))
      return FloatOverflow(); // Python raises OverflowError
    R = PyConst::ofFloat(V);
  } else
    return Unsupported();
  return Result(R);
}

/// Python's x.real / x.imag on a constant (also what numpy.real/imag do with
/// a scalar): ints and bools give ints, numpy scalars keep their type.
Expected<PyConst> pyRealImag(const PyConst &P, bool Imag, SourceLoc Loc,
                             bool ForFunction) {
  if (P.T == PyConst::Bytes) {
    if (ForFunction) // numpy makes an array of bytes, which has no kind
      return makeError(ErrorKind::Key, Loc,
                       "a bytes constant has no numeric kind");
    return makeError(ErrorKind::Type, Loc,
                     std::string("bytes have no attribute '") +
                         (Imag ? "imag" : "real") + "'");
  }
  if (P.N == Np::Array)
    return makeError(ErrorKind::Type, Loc,
                     "a numpy array made from constants (copy() or "
                     "ones_like() of a constant) cannot be an operand");
  if (P.Boxed && !ForFunction) {
    // ConstantNode.real is complex(value).real: a Python float.
    std::complex<double> Z = P.asComplex();
    PyConst R = PyConst::ofFloat(Imag ? Z.imag() : Z.real());
    R.Boxed = true;
    return R;
  }
  switch (P.T) {
  case PyConst::Bool:
    if (P.N == Np::Bool)
      return PyConst::ofBool(Imag ? false : P.B, Np::Bool);
    return PyConst::ofInt(Imag ? 0 : (Wide)P.B);
  case PyConst::Int:
    return PyConst::ofInt(Imag ? 0 : P.I, P.N);
  case PyConst::Float:
    return PyConst::ofFloat(Imag ? 0.0 : P.F, P.N);
  case PyConst::Complex:
    return PyConst::ofFloat(Imag ? P.C.imag() : P.C.real(),
                            P.N == Np::None ? Np::None : Np::Float64);
  case PyConst::Bytes:
    break;
  }
  return P;
}

//===----------------------------------------------------------------------===//
// The function table (numexpr's `functions` dict)
//===----------------------------------------------------------------------===//

struct FunctionInfo {
  const char *Name;   ///< as written in expressions
  const char *OpName; ///< numexpr's node name (numpy's __name__)
  int Arity;
  std::optional<DType> MinKind, MaxKind;
  bool KeepsIntegers; ///< copy, ones_like, round, sign keep integer kinds
};

const FunctionInfo *lookupFunction(const std::string &Name) {
  constexpr auto F = DType::Float32, D = DType::Float64, C = DType::Complex128;
  static const FunctionInfo Table[] = {
      {"copy", "copy", 1, {}, {}, true},
      {"ones_like", "ones_like", 1, {}, {}, true},
      {"sqrt", "sqrt", 1, F, {}, false},
      {"sin", "sin", 1, F, {}, false},
      {"cos", "cos", 1, F, {}, false},
      {"tan", "tan", 1, F, {}, false},
      {"arcsin", "arcsin", 1, F, {}, false},
      {"arccos", "arccos", 1, F, {}, false},
      {"arctan", "arctan", 1, F, {}, false},
      {"sinh", "sinh", 1, F, {}, false},
      {"cosh", "cosh", 1, F, {}, false},
      {"tanh", "tanh", 1, F, {}, false},
      {"arcsinh", "arcsinh", 1, F, {}, false},
      {"arccosh", "arccosh", 1, F, {}, false},
      {"arctanh", "arctanh", 1, F, {}, false},
      {"fmod", "fmod", 2, F, {}, false},
      {"arctan2", "arctan2", 2, F, {}, false},
      {"hypot", "hypot", 2, D, {}, false},
      {"nextafter", "nextafter", 2, D, {}, false},
      {"copysign", "copysign", 2, D, {}, false},
      {"maximum", "maximum", 2, D, {}, false},
      {"minimum", "minimum", 2, D, {}, false},
      {"log", "log", 1, F, {}, false},
      {"log1p", "log1p", 1, F, {}, false},
      {"log10", "log10", 1, F, {}, false},
      {"log2", "log2", 1, F, {}, false},
      {"exp", "exp", 1, F, {}, false},
      {"expm1", "expm1", 1, F, {}, false},
      {"abs", "absolute", 1, F, {}, false},
      {"ceil", "ceil", 1, F, D, false},
      {"floor", "floor", 1, F, D, false},
      {"round", "round", 1, D, {}, true},
      {"trunc", "trunc", 1, D, {}, false},
      {"sign", "sign", 1, D, {}, true},
      {"real", "real", 1, D, D, false},
      {"imag", "imag", 1, D, D, false},
      {"complex", "complex", 2, C, {}, false},
      {"conj", "conjugate", 1, C, {}, false},
      {"isnan", "isnan", 1, D, {}, false},
      {"isfinite", "isfinite", 1, D, {}, false},
      {"isinf", "isinf", 1, D, {}, false},
      {"signbit", "signbit", 1, D, {}, false},
  };
  for (const auto &E : Table)
    if (Name == E.Name)
      return &E;
  return nullptr;
}

/// nextafter in float16 precision.
double halfNextAfter(double X, double Y) {
  if (std::isnan(X) || std::isnan(Y))
    return NAN;
  if (X == Y)
    return Y;
  bool Up = Y > X;
  if (X == 0)
    return std::copysign(std::ldexp(1.0, -24), Up ? 1.0 : -1.0);
  double A = std::fabs(X);
  int E;
  std::frexp(A, &E);
  double Q = (E - 1 >= -14) ? std::ldexp(1.0, E - 11) : std::ldexp(1.0, -24);
  bool Grows = (X > 0) == Up;
  if (!Grows && A == std::ldexp(1.0, E - 1) && E - 1 > -14)
    Q /= 2;
  return roundToHalf(X + (Up ? Q : -Q));
}

/// Folds a function of constants as numexpr does: by calling the numpy
/// function (or Python's complex()) on Python or numpy scalars, which gives
/// a numpy scalar of the type numpy's loop selection picks.
Expected<PyConst> foldFunction(const FunctionInfo &Fn,
                               const std::vector<PyConst> &Args,
                               SourceLoc Loc) {
  std::string N = Fn.OpName;
  auto TypeErr = [&](const std::string &Why) {
    return makeError(ErrorKind::Type, Loc,
                     "function '" + std::string(Fn.Name) + "' " + Why);
  };
  if ((int)Args.size() != Fn.Arity)
    return TypeErr("takes " + std::to_string(Fn.Arity) + " argument" +
                   (Fn.Arity == 1 ? "" : "s") + " but " +
                   std::to_string(Args.size()) + " were given");
  const PyConst &A = Args[0];
  for (const auto &P : Args)
    if (P.N == Np::Array)
      return TypeErr("cannot take a numpy array made from constants");
  if (N == "complex") {
    for (const auto &P : Args)
      if (P.T == PyConst::Bytes)
        return TypeErr("does not take bytes");
    const std::complex<double> I(0.0, 1.0);
    return PyConst::ofComplex(A.asComplex() + Args[1].asComplex() * I);
  }
  if (N == "real" || N == "imag")
    return pyRealImag(A, N == "imag", Loc, /*ForFunction=*/true);
  if (N == "copy" || N == "ones_like") {
    if (A.T == PyConst::Bytes)
      return makeError(ErrorKind::Key, Loc,
                       "a bytes array constant has no numeric kind");
    PyConst P =
        withNumpyType(N == "copy" ? A : PyConst::ofInt(1), numpyTypeOf(A));
    P.Elem = P.N;
    P.N = Np::Array;
    return P;
  }
  for (const auto &P : Args) {
    if (P.T == PyConst::Bytes)
      return TypeErr("does not take bytes");
    if (P.N == Np::None && P.T == PyConst::Int &&
        (P.I > INT64_MAX || P.I < INT64_MIN))
      return makeError(ErrorKind::Value, Loc,
                       "integer constant too large for int64");
  }
  Np In = Args.size() == 1 ? numpyTypeOf(A) : promoteNumpy(A, Args[1]);
  int Cat = npCategory(In);
  bool IsInt = Cat == 1, IsBool = Cat == 0, IsComplex = Cat == 3;
  // Float loops only (e, f, d, F, D): bool and int8 go to float16.
  auto FloatLoop = [&]() {
    if (IsBool || In == Np::Int8)
      return Np::Float16;
    if (IsInt)
      return Np::Float64;
    return In;
  };
  auto Real = [&](double V, Np T) {
    return withNumpyType(PyConst::ofFloat(V), T);
  };
  auto Cplx = [](std::complex<double> V) {
    return PyConst::ofComplex(V, Np::Complex128);
  };
  auto Boolean = [](bool V) { return PyConst::ofBool(V, Np::Bool); };
  std::complex<double> Z = A.asComplex();
  double X = A.asDouble();

  if (N == "isnan" || N == "isfinite" || N == "isinf") {
    if (N == "isnan")
      return Boolean(std::isnan(Z.real()) || std::isnan(Z.imag()));
    if (N == "isinf")
      return Boolean(std::isinf(Z.real()) || std::isinf(Z.imag()));
    return Boolean(std::isfinite(Z.real()) && std::isfinite(Z.imag()));
  }
  if (N == "signbit") {
    if (IsComplex)
      return TypeErr("is not defined for complex numbers");
    return Boolean(std::signbit(X));
  }
  if (N == "absolute") {
    if (IsComplex)
      return Real(std::abs(Z), Np::Float64);
    if (IsBool)
      return Boolean(A.truthy());
    if (IsInt)
      return withNumpyType(
          PyConst::ofInt(A.asInt() < 0 ? -A.asInt() : A.asInt()), In);
    return Real(std::fabs(X), In);
  }
  if (N == "floor" || N == "ceil" || N == "trunc") {
    if (IsComplex)
      return TypeErr("is not defined for complex numbers");
    if (IsBool)
      return Boolean(A.truthy());
    if (IsInt)
      return withNumpyType(PyConst::ofInt(A.asInt()), In);
    return Real(N == "floor"  ? std::floor(X)
                : N == "ceil" ? std::ceil(X)
                              : std::trunc(X),
                In);
  }
  if (N == "round") {
    // numpy.round of a scalar goes through a 0-d array: bools become
    // float16, the rest keep their type; halves round to even.
    if (IsComplex)
      return Cplx({std::nearbyint(Z.real()), std::nearbyint(Z.imag())});
    if (IsInt)
      return withNumpyType(PyConst::ofInt(A.asInt()), In);
    return Real(std::nearbyint(X), IsBool ? Np::Float16 : In);
  }
  if (N == "sign") {
    if (IsBool)
      return TypeErr("is not defined for booleans");
    if (IsComplex)
      return Cplx(Z == 0.0 ? std::complex<double>(0.0) : Z / std::abs(Z));
    if (IsInt) {
      Wide V = A.asInt();
      return withNumpyType(PyConst::ofInt(V > 0 ? 1 : V < 0 ? -1 : 0), In);
    }
    return Real(std::isnan(X) ? X : X > 0 ? 1.0 : X < 0 ? -1.0 : 0.0, In);
  }
  if (N == "conjugate") {
    if (IsComplex)
      return Cplx(std::conj(Z));
    if (IsBool)
      return withNumpyType(PyConst::ofInt(A.asInt()), Np::Int8);
    if (IsInt)
      return withNumpyType(PyConst::ofInt(A.asInt()), In);
    return Real(X, In);
  }
  if (N == "maximum" || N == "minimum") {
    const PyConst &B = Args[1];
    bool Max = N == "maximum";
    if (IsComplex) {
      std::complex<double> P = A.asComplex(), Q = B.asComplex();
      auto IsNan = [](std::complex<double> V) {
        return std::isnan(V.real()) || std::isnan(V.imag());
      };
      if (IsNan(P))
        return Cplx(P);
      if (IsNan(Q))
        return Cplx(Q);
      bool PGreater =
          P.real() > Q.real() || (P.real() == Q.real() && P.imag() >= Q.imag());
      return Cplx(PGreater == Max ? P : Q);
    }
    if (IsBool)
      return Boolean(Max ? (A.truthy() || B.truthy())
                         : (A.truthy() && B.truthy()));
    if (IsInt) {
      Wide P = A.asInt(), Q = B.asInt();
      return withNumpyType(
          PyConst::ofInt(Max ? std::max(P, Q) : std::min(P, Q)), In);
    }
    double P = A.asDouble(), Q = B.asDouble();
    if (std::isnan(P) || std::isnan(Q))
      return Real(NAN, In);
    return Real(Max ? std::max(P, Q) : std::min(P, Q), In);
  }
  if (N == "fmod") {
    if (IsComplex)
      return TypeErr("is not defined for complex numbers");
    const PyConst &B = Args[1];
    if (IsBool || IsInt) {
      Np To = IsBool ? Np::Int8 : In;
      Wide P = A.asInt(), Q = B.asInt();
      return withNumpyType(PyConst::ofInt(Q == 0 ? 0 : P % Q), To);
    }
    return Real(std::fmod(A.asDouble(), B.asDouble()), In);
  }
  if (N == "arctan2" || N == "hypot" || N == "nextafter" || N == "copysign") {
    if (IsComplex)
      return TypeErr("is not defined for complex numbers");
    Np To = FloatLoop();
    double P = A.asDouble(), Q = Args[1].asDouble();
    if (To == Np::Float16) {
      P = roundToHalf(P);
      Q = roundToHalf(Q);
    } else if (To == Np::Float32) {
      P = (float)P;
      Q = (float)Q;
    }
    if (N == "arctan2")
      return Real(std::atan2(P, Q), To);
    if (N == "hypot")
      return Real(std::hypot(P, Q), To);
    if (N == "copysign")
      return Real(std::copysign(P, Q), To);
    if (To == Np::Float16)
      return Real(halfNextAfter(P, Q), To);
    if (To == Np::Float32)
      return Real(std::nextafter((float)P, (float)Q), To);
    return Real(std::nextafter(P, Q), To);
  }
  // The rest have float and complex loops only.
  Np To = FloatLoop();
  if (IsComplex) {
    static const std::map<std::string, std::complex<double> (*)(
                                           const std::complex<double> &)>
        Unary = {{"sqrt", std::sqrt},     {"sin", std::sin},
                 {"cos", std::cos},       {"tan", std::tan},
                 {"arcsin", std::asin},   {"arccos", std::acos},
                 {"arctan", std::atan},   {"sinh", std::sinh},
                 {"cosh", std::cosh},     {"tanh", std::tanh},
                 {"arcsinh", std::asinh}, {"arccosh", std::acosh},
                 {"arctanh", std::atanh}, {"log", std::log},
                 {"exp", std::exp},       {"log10", std::log10}};
    auto It = Unary.find(N);
    if (It != Unary.end())
      return Cplx(It->second(Z));
    if (N == "log1p")
      return Cplx(std::log(1.0 + Z));
    if (N == "expm1")
      return Cplx(std::exp(Z) - 1.0);
    if (N == "log2")
      return Cplx(std::log(Z) / std::log(2.0));
    return TypeErr("is not defined for complex numbers");
  }
  static const std::map<std::string, double (*)(double)> Unary = {
      {"sqrt", std::sqrt},     {"sin", std::sin},       {"cos", std::cos},
      {"tan", std::tan},       {"arcsin", std::asin},   {"arccos", std::acos},
      {"arctan", std::atan},   {"sinh", std::sinh},     {"cosh", std::cosh},
      {"tanh", std::tanh},     {"arcsinh", std::asinh}, {"arccosh", std::acosh},
      {"arctanh", std::atanh}, {"log", std::log},       {"log1p", std::log1p},
      {"log10", std::log10},   {"log2", std::log2},     {"exp", std::exp},
      {"expm1", std::expm1}};
  auto It = Unary.find(N);
  if (It != Unary.end())
    return Real(It->second(To == Np::Float16 ? roundToHalf(X) : X), To);
  return makeError(ErrorKind::Value, Loc,
                   "cannot fold function '" + std::string(Fn.Name) + "'");
}

//===----------------------------------------------------------------------===//
// Building the kinded tree
//===----------------------------------------------------------------------===//

const char *const BoolOpsMessage =
    "you can't use Python's standard boolean operators in nejit "
    "expressions: use '&' instead of 'and', '|' instead of 'or', and '~' "
    "instead of 'not'";

class TreeBuilder {
public:
  TreeBuilder(const Signature &Sig, Optimization Opt) : Sig(Sig), Opt(Opt) {}

  Expected<ENodePtr> build(const AstNode &N) {
    switch (N.K) {
    case AstNode::IntLit:
      if (N.IntOverflow)
        return makeError(ErrorKind::Value, N.Loc,
                         "integer constant " + N.Text + " is too large");
      return makeConst(PyConst::ofInt(N.IntValue), N.Loc);
    case AstNode::FloatLit:
      return makeConst(PyConst::ofFloat(N.FloatValue), N.Loc);
    case AstNode::ImagLit:
      return makeConst(PyConst::ofComplex({0.0, N.FloatValue}), N.Loc);
    case AstNode::BoolLit:
      return makeConst(PyConst::ofBool(N.IntValue != 0), N.Loc);
    case AstNode::StringLit:
      return makeConst(PyConst::ofBytes(N.Text), N.Loc);
    case AstNode::NoneLit:
      return makeError(ErrorKind::Type, N.Loc,
                       "None can only be a reduction's axis");
    case AstNode::Name:
      return buildName(N);
    case AstNode::Unary:
      return buildUnary(N);
    case AstNode::Binary:
      return buildBinary(N);
    case AstNode::Compare:
      return buildCompare(N);
    case AstNode::BoolOp:
      return buildBoolOp(N);
    case AstNode::IfExp:
      return buildIfExp(N);
    case AstNode::Display:
      return makeError(ErrorKind::Type, N.Loc,
                       "unsupported expression type: " + N.Text);
    case AstNode::Call:
      return buildCall(N);
    case AstNode::Attribute:
      return buildAttribute(N);
    }
    return makeError(ErrorKind::Syntax, N.Loc, "unsupported syntax");
  }

private:
  const Signature &Sig;
  Optimization Opt;

  Expected<ENodePtr> buildName(const AstNode &N) {
    for (size_t I = 0; I < Sig.size(); ++I) {
      if (Sig[I].Name != N.Text)
        continue;
      auto V = std::make_shared<ENode>();
      V->K = ENode::Var;
      V->Type = Sig[I].Type;
      V->VarIndex = (int)I;
      V->Loc = N.Loc;
      return V;
    }
    if (lookupFunction(N.Text) || N.Text == "where" || N.Text == "sum" ||
        N.Text == "prod" || N.Text == "min" || N.Text == "max" ||
        N.Text == "contains")
      return makeError(ErrorKind::Type, N.Loc,
                       "function '" + N.Text + "' used as a value");
    // As numexpr: a name missing from the signature is typed float64 while
    // the expression is built, and is an error only if it is still read
    // afterwards (a constant where() condition may drop it); Lowering
    // reports it then.
    auto V = std::make_shared<ENode>();
    V->K = ENode::Var;
    V->Type = DType::Float64;
    V->VarIndex = -1;
    V->Name = N.Text;
    V->Loc = N.Loc;
    return V;
  }

  static llvm::Error arrayOperand(SourceLoc Loc) {
    return makeError(ErrorKind::Type, Loc,
                     "a numpy array made from constants (copy() or "
                     "ones_like() of a constant) cannot be an operand");
  }

  /// Python's truth test on a value: only constants have one (numexpr's
  /// nodes refuse, which is how it rejects and/or/not/if on arrays).
  Expected<bool> truth(const ENodePtr &V, SourceLoc Loc) {
    if (V->K != ENode::Const || V->Value.Boxed)
      return makeError(ErrorKind::Type, Loc, BoolOpsMessage);
    return V->Value.truthy();
  }

  Expected<ENodePtr> buildUnary(const AstNode &N) {
    auto A = build(*N.Args[0]);
    if (!A)
      return A;
    ENodePtr X = *A;
    if (N.Text == "not") {
      auto T = truth(X, N.Loc);
      if (!T)
        return T.takeError();
      return makeConst(PyConst::ofBool(!*T), N.Loc);
    }
    if (X->K != ENode::Const || (X->Value.Boxed && N.Text == "+")) {
      if (N.Text == "+")
        return X;
      return makeOp(N.Text == "-" ? "neg" : "invert", {X}, N.Loc);
    }
    const PyConst &V = X->Value;
    if (V.N == Np::Array)
      return arrayOperand(N.Loc);
    if (V.T == PyConst::Bytes)
      return makeError(ErrorKind::Type, N.Loc,
                       "bad operand type for unary " + N.Text + ": 'bytes'");
    if (V.N == Np::Bool && N.Text != "~")
      return makeError(ErrorKind::Type, N.Loc,
                       "numpy booleans do not support unary " + N.Text);
    PyConst R;
    if (N.Text == "~") {
      if (!V.isIntegral())
        return makeError(ErrorKind::Type, N.Loc,
                         std::string("bad operand type for unary ~: '") +
                             typeNameForError(V) + "'");
      if (V.N == Np::Bool) { // numpy's ~ on a bool is logical not
        PyConst R = PyConst::ofBool(!V.B, Np::Bool);
        R.Boxed = V.Boxed;
        return makeConst(R, N.Loc);
      }
      R = PyConst::ofInt(~V.asInt());
    } else if (V.T == PyConst::Complex) {
      R = PyConst::ofComplex(N.Text == "-" ? -V.C : V.C);
    } else if (V.T == PyConst::Float) {
      R = PyConst::ofFloat(N.Text == "-" ? -V.F : V.F);
    } else {
      // Python: -True is -1, +True is 1.
      if (V.asInt() == WideMin)
        return makeError(ErrorKind::Value, N.Loc, "integer constant too large");
      R = PyConst::ofInt(N.Text == "-" ? -V.asInt() : V.asInt());
    }
    if (V.N != Np::None)
      R = withNumpyType(R, V.N);
    R.Boxed = V.Boxed;
    return makeConst(R, N.Loc);
  }

  /// `a and b`, `a or b`: Python asks for the truth of each operand but the
  /// last; numexpr's nodes have none, so only constants may stand there.
  Expected<ENodePtr> buildBoolOp(const AstNode &N) {
    bool IsAnd = N.Text == "and";
    ENodePtr V;
    for (size_t I = 0; I < N.Args.size(); ++I) {
      auto E = build(*N.Args[I]);
      if (!E)
        return E;
      V = *E;
      if (I + 1 == N.Args.size())
        break;
      auto T = truth(V, N.Loc);
      if (!T)
        return T.takeError();
      if (*T != IsAnd) // and: stop at a false value; or: at a true one
        break;
    }
    return V;
  }

  /// `a if c else b`: evaluated when c is a constant, as Python would.
  Expected<ENodePtr> buildIfExp(const AstNode &N) {
    auto C = build(*N.Args[1]);
    if (!C)
      return C;
    auto T = truth(*C, N.Loc);
    if (!T)
      return T.takeError();
    return build(*N.Args[*T ? 0 : 2]);
  }

  /// numexpr's binop(): fold constants, else an OpNode of the common kind.
  Expected<ENodePtr> binop(const std::string &Op, ENodePtr A, ENodePtr B,
                           SourceLoc Loc, std::optional<DType> Kind = {}) {
    if (A->K == ENode::Const && B->K == ENode::Const) {
      auto V = foldBinary(Op, A->Value, B->Value, Loc);
      if (!V)
        return V.takeError();
      return makeConst(*V, Loc);
    }
    for (const ENodePtr &X : {A, B})
      if (X->K == ENode::Const && X->Value.N == Np::Array)
        return arrayOperand(X->Loc);
    if (A->K == ENode::Const && A->Value.T == PyConst::Bytes && Op == "mod")
      return makeError(ErrorKind::Type, Loc,
                       "bytes formatting ('%') is not supported");
    return makeOp(Op, {A, B}, Loc, Kind);
  }

  static bool isFloatingKind(DType T) {
    return T == DType::Float32 || T == DType::Float64 || T == DType::Complex128;
  }

  /// numexpr's truediv_op.
  Expected<ENodePtr> trueDiv(ENodePtr A, ENodePtr B, SourceLoc Loc) {
    // Python divides two plain constants itself; numexpr's truediv_op, which
    // sees a ConstantNode operand, never folds (1/0 there is inf at run time).
    if (A->K == ENode::Const && B->K == ENode::Const && !A->Value.Boxed &&
        !B->Value.Boxed)
      return binop("div", A, B, Loc);
    if (Opt != Optimization::None && B->K == ENode::Const &&
        A->Type == B->Type && isFloatingKind(A->Type)) {
      auto Recip = foldBinary("div", PyConst::ofFloat(1.0), B->Value, Loc);
      if (!Recip)
        return Recip.takeError();
      return makeOp("mul", {A, makeConst(*Recip, B->Loc)}, Loc);
    }
    auto K = commonKind({A, B}, Loc);
    if (!K)
      return K.takeError();
    DType Kind = *K;
    if (Kind == DType::Bool || Kind == DType::Int32 || Kind == DType::Int64)
      Kind = DType::Float64;
    return makeOp("div", {A, B}, Loc, Kind);
  }

  /// numexpr's pow_op, including the power expansion of 'aggressive'.
  Expected<ENodePtr> power(ENodePtr A, ENodePtr B, SourceLoc Loc) {
    // As for '/': only two plain constants fold (numexpr's pow_op never does).
    if (A->K == ENode::Const && B->K == ENode::Const && !A->Value.Boxed &&
        !B->Value.Boxed)
      return binop("pow", A, B, Loc);
    if (B->K != ENode::Const)
      return makeOp("pow", {A, B}, Loc);
    const PyConst &E = B->Value;
    if (E.N == Np::Array)
      return arrayOperand(Loc);
    double X = E.asDouble();
    if (E.T == PyConst::Complex && E.N != Np::None) {
      // A numpy complex converts to int (dropping the imaginary part, with
      // a warning), so numexpr's expansion test runs: it holds only for a
      // real integral or half-integral value.
      if (E.C.imag() != 0)
        return makeOp("pow", {A, B}, Loc);
      X = E.C.real();
    } else if (E.T == PyConst::Bytes || E.T == PyConst::Complex) {
      // 'aggressive' first asks whether int(2 * x) == 2 * x, which Python
      // cannot answer for bytes (ValueError) or complex numbers (TypeError).
      if (Opt == Optimization::Aggressive)
        return makeError(
            E.T == PyConst::Bytes ? ErrorKind::Value : ErrorKind::Type, Loc,
            std::string("cannot expand a power with a ") + typeNameForError(E) +
                " exponent");
      return makeOp("pow", {A, B}, Loc);
    }
    bool IntBase = A->Type == DType::Int32 || A->Type == DType::Int64;
    bool IntExp = B->Type == DType::Int32 || B->Type == DType::Int64;
    if (IntBase && IntExp && X < 0)
      return makeError(ErrorKind::Value, Loc,
                       "integers to negative integer powers are not allowed");
    if (Opt == Optimization::Aggressive && !std::isfinite(X))
      return makeError(ErrorKind::Value, Loc,
                       "cannot expand a power with an infinite or NaN "
                       "exponent");
    if (Opt == Optimization::Aggressive && std::floor(2 * X) == 2 * X &&
        std::fabs(X) <= 50) {
      int N = (int)std::fabs(X);
      bool HalfPower = ((int)std::fabs(2 * X)) % 2 == 1;
      ENodePtr R, P = A;
      for (int Mask = 1;; Mask <<= 1) {
        if (N & Mask) {
          if (!R)
            R = P;
          else {
            auto M = makeOp("mul", {R, P}, Loc);
            if (!M)
              return M;
            R = *M;
          }
        }
        if ((Mask << 1) > N)
          break;
        auto Sq = makeOp("mul", {P, P}, Loc);
        if (!Sq)
          return Sq;
        P = *Sq;
      }
      if (HalfPower) {
        DType K = A->Type;
        if (K == DType::Int32 || K == DType::Int64)
          K = DType::Float64;
        auto S = makeOp("sqrt", {A}, Loc, K);
        if (!S)
          return S;
        if (!R)
          R = *S;
        else {
          auto M = makeOp("mul", {R, *S}, Loc);
          if (!M)
            return M;
          R = *M;
        }
      }
      if (!R) {
        auto O = makeOp("ones_like", {A}, Loc);
        if (!O)
          return O;
        R = *O;
      }
      if (X < 0)
        return trueDiv(makeConst(PyConst::ofInt(1), Loc), R, Loc);
      return R;
    }
    if (Opt != Optimization::None) {
      if (X == -1)
        return makeOp("div", {makeConst(PyConst::ofInt(1), Loc), A}, Loc);
      if (X == 0)
        return makeOp("ones_like", {A}, Loc);
      if (X == 0.5) {
        DType K = A->Type;
        if (K == DType::Int32 || K == DType::Int64)
          K = DType::Float64;
        return makeOp("sqrt", {A}, Loc, K);
      }
      if (X == 1)
        return A;
      if (X == 2)
        return makeOp("mul", {A, A}, Loc);
    }
    return makeOp("pow", {A, B}, Loc);
  }

  Expected<ENodePtr> buildBinary(const AstNode &N) {
    auto L = build(*N.Args[0]);
    if (!L)
      return L;
    auto R = build(*N.Args[1]);
    if (!R)
      return R;
    SourceLoc Loc = N.OpLocs.empty() ? N.Loc : N.OpLocs[0];
    const std::string &Op = N.Text;
    if (Op == "/")
      return trueDiv(*L, *R, Loc);
    if (Op == "**")
      return power(*L, *R, Loc);
    static const std::map<std::string, std::string> Names = {
        {"+", "add"}, {"-", "sub"},     {"*", "mul"},     {"//", "floordiv"},
        {"%", "mod"}, {"<<", "lshift"}, {">>", "rshift"}, {"&", "and"},
        {"|", "or"},  {"^", "xor"}};
    auto It = Names.find(Op);
    if (It == Names.end())
      return makeError(ErrorKind::Type, Loc,
                       "unsupported operator '" + Op + "'");
    // numexpr's nodes have no reflected //, &, | or ^: a constant on the
    // left of an array is a TypeError there.
    if ((*L)->K == ENode::Const && !(*L)->Value.Boxed &&
        ((*R)->K != ENode::Const || (*R)->Value.Boxed) &&
        (Op == "//" || Op == "&" || Op == "|" || Op == "^"))
      return makeError(ErrorKind::Type, Loc,
                       "unsupported operand types for '" + Op +
                           "': a constant and an array expression (numexpr "
                           "has no reflected '" +
                           Op + "'; swap the operands)");
    return binop(It->second, *L, *R, Loc);
  }

  /// One comparison `L op R` (numexpr has only gt/ge: a < b is b > a).
  Expected<ENodePtr> compare(const std::string &Op, const AstNode &LA,
                             const AstNode &RA, ENodePtr L, ENodePtr R,
                             SourceLoc Loc) {
    if (Op == "is" || Op == "is not") {
      // Identity: the same variable is itself; constants are compared by
      // value and type; anything else is a different object.
      bool Same;
      if (LA.K == AstNode::Name && RA.K == AstNode::Name)
        Same = LA.Text == RA.Text;
      else if (L->K == ENode::Const && R->K == ENode::Const)
        Same = L->Value.T == R->Value.T && L->Value.N == R->Value.N &&
               L->Value.truthy() == R->Value.truthy() && [&] {
                 auto E = foldBinary("eq", L->Value, R->Value, Loc);
                 if (!E) {
                   llvm::consumeError(E.takeError());
                   return false;
                 }
                 return E->truthy();
               }();
      else
        Same = false;
      return makeConst(PyConst::ofBool(Same == (Op == "is")), Loc);
    }
    if (Op == "in" || Op == "not in") {
      if (R->K == ENode::Const && L->K == ENode::Const && !R->Value.Boxed &&
          R->Value.T == PyConst::Bytes && L->Value.T == PyConst::Bytes) {
        bool In = R->Value.S.find(L->Value.S) != std::string::npos;
        return makeConst(PyConst::ofBool(In == (Op == "in")), Loc);
      }
      return makeError(ErrorKind::Type, Loc,
                       "operator '" + Op +
                           "' is not supported (use contains() for strings)");
    }
    if (Op == "<")
      return binop("gt", R, L, Loc, DType::Bool);
    if (Op == "<=")
      return binop("ge", R, L, Loc, DType::Bool);
    if (Op == ">")
      return binop("gt", L, R, Loc, DType::Bool);
    if (Op == ">=")
      return binop("ge", L, R, Loc, DType::Bool);
    if (Op == "==")
      return binop("eq", L, R, Loc, DType::Bool);
    return binop("ne", L, R, Loc, DType::Bool);
  }

  /// a < b < c is (a < b) and (b < c): every comparison but the last needs
  /// a truth value, so it must fold to a constant.
  Expected<ENodePtr> buildCompare(const AstNode &N) {
    auto L = build(*N.Args[0]);
    if (!L)
      return L;
    ENodePtr Left = *L, Result;
    for (size_t I = 0; I < N.Ops.size(); ++I) {
      auto R = build(*N.Args[I + 1]);
      if (!R)
        return R;
      auto C =
          compare(N.Ops[I], *N.Args[I], *N.Args[I + 1], Left, *R, N.OpLocs[I]);
      if (!C)
        return C;
      Result = *C;
      if (I + 1 == N.Ops.size())
        break;
      auto T = truth(Result, N.OpLocs[I + 1]);
      if (!T)
        return T.takeError();
      if (!*T)
        break;
      Left = *R;
    }
    return Result;
  }

  Expected<ENodePtr> buildAttribute(const AstNode &N) {
    if (N.Text != "real" && N.Text != "imag")
      return makeError(ErrorKind::Value, N.Loc,
                       "attribute access is not allowed: '." + N.Text + "'");
    auto A = build(*N.Args[0]);
    if (!A)
      return A;
    if ((*A)->K == ENode::Const) {
      auto V = pyRealImag((*A)->Value, N.Text == "imag", N.Loc,
                          /*ForFunction=*/false);
      if (!V)
        return V.takeError();
      return makeConst(*V, N.Loc);
    }
    return makeOp(N.Text, {*A}, N.Loc, DType::Float64);
  }

  llvm::Error checkArity(const AstNode &N, size_t Want) {
    if (N.Args.size() == Want)
      return llvm::Error::success();
    // numexpr reports this as a missing typed operation.
    return makeError(ErrorKind::NotImplemented, N.Loc,
                     N.Text + "() takes " + std::to_string(Want) + " argument" +
                         (Want == 1 ? "" : "s") + " but " +
                         std::to_string(N.Args.size()) + " were given");
  }

  Expected<ENodePtr> buildCall(const AstNode &N) {
    const std::string &Name = N.Text;
    bool IsReduction =
        Name == "sum" || Name == "prod" || Name == "min" || Name == "max";
    if (!IsReduction && !N.Keywords.empty())
      return makeError(ErrorKind::Type, N.KeywordLocs[0],
                       Name + "() got an unexpected keyword argument '" +
                           N.Keywords[0].first + "'");
    if (IsReduction)
      return buildReduction(N);
    std::vector<ENodePtr> Args;
    auto BuildArgs = [&]() -> llvm::Error {
      for (const auto &A : N.Args) {
        auto E = build(*A);
        if (!E)
          return E.takeError();
        Args.push_back(*E);
      }
      return llvm::Error::success();
    };
    if (Name == "where" || Name == "contains") {
      // Python functions of fixed arity: a wrong count is a TypeError.
      size_t Want = Name == "where" ? 3 : 2;
      if (N.Args.size() != Want)
        return makeError(ErrorKind::Type, N.Loc,
                         Name + "() takes " + std::to_string(Want) +
                             " arguments but " + std::to_string(N.Args.size()) +
                             " were given");
    }
    if (Name == "where") {
      if (auto E = BuildArgs())
        return E;
      if (Args[0]->K == ENode::Const) {
        if (Args[0]->Value.N == Np::Array)
          return arrayOperand(Args[0]->Loc);
        ENodePtr Picked = Args[0]->Value.truthy() ? Args[1] : Args[2];
        if (Picked->K == ENode::Const && !Picked->Value.Boxed) {
          PyConst V = Picked->Value;
          V.Boxed = true; // where() wraps its arguments in ConstantNodes
          return makeConst(V, Picked->Loc);
        }
        return Picked;
      }
      for (const auto &A : Args)
        if (A->K == ENode::Const && A->Value.N == Np::Array)
          return arrayOperand(A->Loc);
      return makeOp("where", Args, N.Loc);
    }
    if (Name == "contains") {
      if (auto E = BuildArgs())
        return E;
      for (const auto &A : Args)
        if (A->K == ENode::Const && A->Value.N == Np::Array)
          return arrayOperand(A->Loc);
      return makeOp("contains", Args, N.Loc, DType::Bool);
    }
    const FunctionInfo *Fn = lookupFunction(Name);
    if (!Fn)
      return makeError(ErrorKind::Type, N.Loc,
                       "unknown function '" + Name + "'");
    if (auto E = BuildArgs())
      return E;
    bool AllConst = true;
    for (const auto &A : Args)
      AllConst &= A->K == ENode::Const;
    // Constants (even none at all) go to numpy, which checks the count
    // itself (TypeError); with an array argument the typed search fails.
    if (!AllConst)
      if (auto E = checkArity(N, Fn->Arity))
        return E;
    for (const auto &A : Args)
      if (!AllConst && A->K == ENode::Const && A->Value.N == Np::Array)
        return arrayOperand(A->Loc);
    if (AllConst) {
      std::vector<PyConst> Values;
      for (const auto &A : Args)
        Values.push_back(A->Value);
      auto V = foldFunction(*Fn, Values, N.Loc);
      if (!V)
        return V.takeError();
      V->Boxed = true;
      return makeConst(*V, N.Loc);
    }
    auto K = commonKind(Args, N.Loc);
    if (!K)
      return K.takeError();
    DType Kind = *K;
    if (Kind == DType::Int32 || Kind == DType::Int64) {
      if (!Fn->KeepsIntegers)
        Kind = DType::Float64;
    } else if (Kind == DType::Bytes) {
      // numexpr ranks kinds to apply a minimum or maximum kind, and bytes
      // have no rank (ValueError); copy and ones_like have neither.
      if (Fn->MinKind || Fn->MaxKind)
        return makeError(ErrorKind::Value, N.Loc,
                         "function '" + Name + "' does not take strings");
    } else {
      if (Fn->MinKind && kindRank(*Fn->MinKind) > kindRank(Kind))
        Kind = *Fn->MinKind;
      if (Fn->MaxKind && kindRank(*Fn->MaxKind) < kindRank(Kind))
        Kind = *Fn->MaxKind;
    }
    std::string Op = Fn->OpName;
    if (Op == "isnan" || Op == "isfinite" || Op == "isinf" || Op == "signbit")
      Kind = DType::Bool;
    return makeOp(Op, Args, N.Loc, Kind);
  }

  /// numexpr's sum/prod/min/max(a, axis=None): a plain Python function, so
  /// its arguments are Python values. A constant array argument becomes a
  /// constant operand only for the types numexpr lists (bool, numpy int32
  /// and int64, floats, complex); a Python int or bytes constant has no
  /// kind there (AttributeError, a TypeError in nejit).
  Expected<ENodePtr> buildReduction(const AstNode &N) {
    const AstNode *Arg = nullptr, *AxisArg = nullptr;
    SourceLoc AxisLoc = N.Loc;
    if (N.Args.size() > 2)
      return makeError(ErrorKind::Type, N.Loc,
                       N.Text + "() takes an array and an optional axis");
    if (N.Args.size() >= 1)
      Arg = N.Args[0].get();
    if (N.Args.size() >= 2) {
      AxisArg = N.Args[1].get();
      AxisLoc = AxisArg->Loc;
    }
    for (size_t I = 0; I < N.Keywords.size(); ++I) {
      const auto &KW = N.Keywords[I];
      if (KW.first == "axis" && !AxisArg) {
        AxisArg = KW.second.get();
        AxisLoc = AxisArg->Loc;
      } else if (KW.first == "a" && !Arg) {
        Arg = KW.second.get();
      } else {
        return makeError(ErrorKind::Type, N.KeywordLocs[I],
                         N.Text + "() got an unexpected keyword argument '" +
                             KW.first + "'");
      }
    }
    if (!Arg)
      return makeError(ErrorKind::Type, N.Loc,
                       N.Text + "() takes an array and an optional axis");
    auto A = build(*Arg);
    if (!A)
      return A;
    auto Raw = std::make_shared<ENode>();
    Raw->K = ENode::Raw;
    Raw->Loc = AxisLoc;
    if (AxisArg && AxisArg->K != AstNode::NoneLit) {
      auto X = build(*AxisArg);
      if (!X)
        return X;
      const PyConst &V = (*X)->Value;
      if ((*X)->K != ENode::Const || V.T == PyConst::Bytes ||
          V.T == PyConst::Complex || V.N == Np::Array)
        return makeError(ErrorKind::Type, AxisLoc,
                         "the axis of a reduction must be an integer "
                         "constant or None");
      double D = V.asDouble();
      if (D < 0)
        return makeError(ErrorKind::Value, AxisLoc,
                         "negative axis are not supported");
      if (D > 254)
        return makeError(ErrorKind::Value, AxisLoc, "cannot encode axis");
      // A float axis gets through here in numexpr and fails only when the
      // program is encoded, after typing.
      Raw->AxisNotInteger = !V.isIntegral();
      Raw->Axis = (int)D;
    }
    ENodePtr X = *A;
    if (X->K == ENode::Const && X->Value.Boxed)
      return X; // numexpr returns a ConstantNode argument unreduced
    if (X->K == ENode::Const) {
      const PyConst &V = X->Value;
      bool Accepted = V.N == Np::None
                          ? V.T != PyConst::Int && V.T != PyConst::Bytes
                          : V.N == Np::Int32 || V.N == Np::Int64 ||
                                V.N == Np::Float64 || V.N == Np::Complex128;
      if (!Accepted)
        return makeError(ErrorKind::Type, X->Loc,
                         N.Text + "() of this constant is not supported "
                                  "(numexpr gives it no kind)");
    }
    return makeOp(N.Text, {X, Raw}, N.Loc, X->Type);
  }
};

//===----------------------------------------------------------------------===//
// Typing: numexpr's signature search, then IR
//===----------------------------------------------------------------------===//

struct SigEntry {
  bool IsFunc;
  const char *Name;
  const char *Sig;
};

const SigEntry SigTable[] = {
#define NEJIT_SIG(List, Name, Sig)                                             \
  {std::string_view(#List) == "FUNC", Name, Sig},
#include "Sema/NumexprSignatures.def"
};

char typecode(DType T) {
  switch (T) {
  case DType::Bool:
    return 'b';
  case DType::Int32:
    return 'i';
  case DType::Int64:
    return 'l';
  case DType::Float32:
    return 'f';
  case DType::Float64:
    return 'd';
  case DType::Complex128:
    return 'c';
  case DType::Bytes:
    return 's';
  }
  return '?';
}

DType typeOfCode(char C) {
  switch (C) {
  case 'b':
    return DType::Bool;
  case 'i':
    return DType::Int32;
  case 'l':
    return DType::Int64;
  case 'f':
    return DType::Float32;
  case 'd':
    return DType::Float64;
  case 'c':
    return DType::Complex128;
  default:
    return DType::Bytes;
  }
}

/// Every upcast of Base, in numexpr's order (first operand varies slowest).
void sigPerms(const std::string &Base, size_t Pos, std::string &Cur,
              std::vector<std::string> &Out) {
  static const std::string Codes = "bilfdc";
  if (Pos == Base.size()) {
    Out.push_back(Cur);
    return;
  }
  size_t Start = Codes.find(Base[Pos]);
  if (Start == std::string::npos) {
    // Strings are never cast; numexpr stops permuting at anything else.
    if (Base[Pos] == 's') {
      Cur.push_back('s');
      sigPerms(Base, Pos + 1, Cur, Out);
      Cur.pop_back();
    } else {
      Out.push_back(Cur + Base.substr(Pos));
    }
    return;
  }
  for (size_t I = Start; I < Codes.size(); ++I) {
    Cur.push_back(Codes[I]);
    sigPerms(Base, Pos + 1, Cur, Out);
    Cur.pop_back();
  }
}

std::optional<std::string> findSignature(const std::string &Name, char Ret,
                                         const std::string &Base) {
  std::vector<std::string> Perms;
  std::string Cur;
  sigPerms(Base, 0, Cur, Perms);
  for (bool Funcs : {false, true})
    for (const std::string &P : Perms)
      for (const SigEntry &E : SigTable)
        if (E.IsFunc == Funcs && Name == E.Name && E.Sig[0] == Ret &&
            P == E.Sig + 1)
          return P;
  return std::nullopt;
}

std::optional<ir::Opcode> opcodeFor(const std::string &Name) {
#define NEJIT_OP(Enum, OpName, Arity)                                          \
  if (Name == OpName)                                                          \
    return ir::Opcode::Enum;
#include "IR/Ops.def"
  return std::nullopt;
}

class Lowering {
public:
  explicit Lowering(ir::Function &F) : F(F) {}

  Expected<int> lower(const ENode &N) {
    switch (N.K) {
    case ENode::Var: {
      if (N.VarIndex < 0)
        return makeError(ErrorKind::Key, N.Loc,
                         "variable '" + N.Name + "' is not defined");
      auto It = InputInst.find(N.VarIndex);
      if (It != InputInst.end())
        return It->second;
      ir::Inst I{ir::Opcode::Input, N.Type};
      I.InputIndex = N.VarIndex;
      I.ItemSize = F.Inputs[N.VarIndex].ItemSize;
      I.Loc = N.Loc;
      int Id = F.add(std::move(I));
      InputInst[N.VarIndex] = Id;
      return Id;
    }
    case ENode::Const:
      return constant(N.Value, N.Type, N.Loc);
    case ENode::Raw:
      return makeError(ErrorKind::Value, N.Loc, "misplaced axis argument");
    case ENode::Op:
      return lowerOp(N);
    }
    return -1;
  }

  /// Every reduction lowered (numexpr allows one, as the outermost node).
  std::vector<const ENode *> Reductions;

private:
  ir::Function &F;
  std::map<int, int> InputInst;

  Expected<int> constant(const PyConst &V, DType T, SourceLoc Loc) {
    if (V.N == Np::Array)
      return makeError(ErrorKind::Type, Loc,
                       "a numpy array made from constants (copy() or "
                       "ones_like() of a constant) cannot be part of an "
                       "expression");
    if (V.T == PyConst::Int && (V.I > INT64_MAX || V.I < INT64_MIN))
      return makeError(ErrorKind::Value, Loc,
                       "integer constant too large for int64");
    ir::Inst I{ir::Opcode::Const, T};
    I.Value = V.toScalar(T);
    if (T == DType::Bytes)
      I.ItemSize = (int64_t)V.S.size();
    I.Loc = Loc;
    return F.add(std::move(I));
  }

  Expected<int> lowerOp(const ENode &N) {
    std::string Base;
    for (const auto &K : N.Kids)
      Base += K->K == ENode::Raw ? 'n' : typecode(K->Type);
    char Ret = typecode(N.Type);
    auto Sig = findSignature(N.Name, Ret, Base);
    if (!Sig)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "couldn't find matching opcode for '" + N.Name + "_" +
                           Ret + Base + "'");
    auto Op = opcodeFor(N.Name);
    if (!Op)
      return makeError(ErrorKind::NotImplemented, N.Loc,
                       "no IR operation for '" + N.Name + "'");
    ir::Inst I{*Op, N.Type};
    I.Loc = N.Loc;
    if (ir::isReduction(*Op)) {
      Reductions.push_back(&N);
      const ENode &Axis = *N.Kids[1];
      if (Axis.AxisNotInteger)
        return makeError(ErrorKind::Type, Axis.Loc,
                         "the axis of a reduction must be an integer");
      const ENode &Arg = *N.Kids[0];
      if (Arg.K == ENode::Const) {
        // A reduction of a constant: the result is 0-d, so any axis is out
        // of bounds; over all axes it is the constant itself.
        if (Axis.Axis)
          return makeError(ErrorKind::Value, Axis.Loc,
                           "axis " + std::to_string(*Axis.Axis) +
                               " is out of bounds for the 0-d result of a "
                               "constant expression");
        return constant(Arg.Value, typeOfCode((*Sig)[0]), Arg.Loc);
      }
    }
    for (size_t K = 0; K < N.Kids.size(); ++K) {
      const ENode &Kid = *N.Kids[K];
      if (Kid.K == ENode::Raw) {
        I.Axis = Kid.Axis;
        continue;
      }
      DType Want = typeOfCode((*Sig)[K]);
      int Id;
      if (Kid.K == ENode::Const && Kid.Type != Want) {
        // numexpr recasts constants rather than emitting a cast.
        auto C = constant(Kid.Value, Want, Kid.Loc);
        if (!C)
          return C;
        Id = *C;
      } else {
        auto Sub = lower(Kid);
        if (!Sub)
          return Sub;
        Id = *Sub;
        if (Kid.Type != Want) {
          ir::Inst C{ir::Opcode::Cast, Want};
          C.Operands = {Id};
          C.Loc = Kid.Loc;
          Id = F.add(std::move(C));
        }
      }
      I.Operands.push_back(Id);
    }
    if (N.Type == DType::Bytes && !I.Operands.empty())
      I.ItemSize = F.Insts[I.Operands[0]].ItemSize;
    return F.add(std::move(I));
  }
};

} // namespace

Expected<ir::Function> buildIR(const AstNode &Root, const Signature &Sig,
                               Optimization Opt) {
  for (const Arg &A : Sig)
    if (A.Type == DType::Bytes && A.ItemSize <= 0)
      return makeError(ErrorKind::Value,
                       "bytes input '" + A.Name + "' needs an item size");
  TreeBuilder B(Sig, Opt);
  auto Tree = B.build(Root);
  if (!Tree)
    return Tree.takeError();
  ir::Function F;
  F.Inputs = Sig;
  Lowering L(F);
  auto Result = L.lower(**Tree);
  if (!Result)
    return Result.takeError();
  F.Result = *Result;
  for (const ENode *R : L.Reductions)
    if (R != Tree->get())
      return makeError(ErrorKind::Runtime, R->Loc,
                       "invalid program: reduction operations must occur "
                       "last");
  if ((*Tree)->K == ENode::Const && (*Tree)->Type == DType::Bytes)
    return makeError(ErrorKind::Value, (*Tree)->Loc,
                     "a bytes constant cannot be the result (its width is "
                     "not known)");
  return F;
}

static void collectNames(const AstNode &N, std::vector<std::string> &Out) {
  if (N.K == AstNode::Name) {
    for (const auto &S : Out)
      if (S == N.Text)
        return;
    Out.push_back(N.Text);
    return;
  }
  for (const auto &A : N.Args)
    collectNames(*A, Out);
  for (const auto &KW : N.Keywords)
    collectNames(*KW.second, Out);
}

static void collectVars(const ENode &N, std::vector<bool> &Used) {
  if (N.K == ENode::Var && N.VarIndex >= 0)
    Used[N.VarIndex] = true;
  for (const ENodePtr &Kid : N.Kids)
    collectVars(*Kid, Used);
}

Expected<std::vector<std::string>> usedVariableNames(const AstNode &Root,
                                                     Optimization Opt) {
  std::vector<std::string> All = collectVariableNames(Root);
  Signature Sig;
  for (const std::string &Name : All)
    Sig.push_back({Name, DType::Float64, 0});
  TreeBuilder B(Sig, Opt);
  auto Tree = B.build(Root);
  if (!Tree)
    return Tree.takeError();
  std::vector<bool> Used(All.size(), false);
  collectVars(**Tree, Used);
  std::vector<std::string> Out;
  for (size_t I = 0; I < All.size(); ++I)
    if (Used[I])
      Out.push_back(All[I]);
  return Out;
}

std::vector<std::string> collectVariableNames(const AstNode &Root) {
  std::vector<std::string> Out;
  collectNames(Root, Out);
  return Out;
}

} // namespace nejit
