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

/// A constant as Python sees it while numexpr evaluates the expression:
/// Python ints are arbitrary precision (we keep int64 and report overflow),
/// and values produced by numpy functions are numpy scalars whose kind is
/// fixed (numpy.int64 stays 'long' however small).
struct PyConst {
  enum Tag { Bool, Int, Float, Complex, Bytes } T = Int;
  bool B = false;
  int64_t I = 0;
  double F = 0;
  std::complex<double> C;
  std::string S;
  std::optional<DType> NumpyKind;

  static PyConst ofBool(bool V) {
    PyConst P;
    P.T = Bool;
    P.B = V;
    return P;
  }
  static PyConst ofInt(int64_t V) {
    PyConst P;
    P.T = Int;
    P.I = V;
    return P;
  }
  static PyConst ofFloat(double V) {
    PyConst P;
    P.T = Float;
    P.F = V;
    return P;
  }
  static PyConst ofComplex(std::complex<double> V) {
    PyConst P;
    P.T = Complex;
    P.C = V;
    return P;
  }
  static PyConst ofBytes(std::string V) {
    PyConst P;
    P.T = Bytes;
    P.S = std::move(V);
    return P;
  }

  /// numexpr's getKind(): the kind a constant gets.
  DType kind() const {
    if (NumpyKind)
      return *NumpyKind;
    switch (T) {
    case Bool:
      return DType::Bool;
    case Int:
      return (I >= INT32_MIN && I <= INT32_MAX) ? DType::Int32 : DType::Int64;
    case Float:
      return DType::Float64;
    case Complex:
      return DType::Complex128;
    case Bytes:
      return DType::Bytes;
    }
    return DType::Float64;
  }
  bool isIntegral() const { return T == Bool || T == Int; }
  int64_t asInt() const { return T == Bool ? (int64_t)B : I; }
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
      V = Scalar::ofInt(DType::Int64, I);
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

//===----------------------------------------------------------------------===//
// Kinded expression nodes (numexpr's ExpressionNode tree)
//===----------------------------------------------------------------------===//

struct ENode;
using ENodePtr = std::shared_ptr<ENode>;

struct ENode {
  enum Kind { Var, Const, Op, Raw } K;
  std::string Name; ///< numexpr opcode/function name for Op
  DType Type = DType::Float64;
  PyConst Value;       ///< Const
  int VarIndex = -1;   ///< Var
  std::optional<int> Axis; ///< Raw (reduction axis)
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

double pyFloorDiv(double A, double B) { return std::floor(A / B); }

/// Python's float modulo: the result takes the divisor's sign.
double pyFloatMod(double A, double B) {
  double M = std::fmod(A, B);
  if (M != 0 && ((B < 0) != (M < 0)))
    M += B;
  else if (M == 0)
    M = std::copysign(0.0, B);
  return M;
}

/// The numpy kind a numpy-scalar operand forces on a folded result.
std::optional<DType> numpyResultKind(const PyConst &A, const PyConst &B,
                                     PyConst::Tag ResultTag) {
  if (!A.NumpyKind && !B.NumpyKind)
    return std::nullopt;
  switch (ResultTag) {
  case PyConst::Bool:
    return DType::Bool;
  case PyConst::Int:
    return DType::Int64;
  case PyConst::Float:
    return DType::Float64;
  case PyConst::Complex:
    return DType::Complex128;
  case PyConst::Bytes:
    return DType::Bytes;
  }
  return std::nullopt;
}

Expected<PyConst> foldBinary(const std::string &Op, const PyConst &A,
                             const PyConst &B, SourceLoc Loc) {
  auto Unsupported = [&]() {
    return makeError(ErrorKind::Type, Loc,
                     "unsupported operand types for '" + Op + "': '" +
                         typeNameForError(A) + "' and '" +
                         typeNameForError(B) + "'");
  };
  auto ZeroDiv = [&]() {
    return makeError(ErrorKind::Value, Loc, "division by zero");
  };
  auto Overflow = [&]() {
    return makeError(ErrorKind::Value, Loc,
                     "integer constant too large for int64");
  };
  PyConst R;
  bool IsCmp = Op == "gt" || Op == "ge" || Op == "eq" || Op == "ne";
  if (A.T == PyConst::Bytes || B.T == PyConst::Bytes) {
    if (A.T != B.T) {
      if (Op == "eq" || Op == "ne")
        return PyConst::ofBool(Op == "ne");
      return Unsupported();
    }
    if (Op == "add")
      return PyConst::ofBytes(A.S + B.S);
    if (!IsCmp)
      return Unsupported();
    int C = A.S.compare(B.S);
    bool V = Op == "gt" ? C > 0 : Op == "ge" ? C >= 0 : Op == "eq" ? C == 0
                                                                   : C != 0;
    return PyConst::ofBool(V);
  }
  bool BothBool = A.T == PyConst::Bool && B.T == PyConst::Bool;
  bool BothIntegral = A.isIntegral() && B.isIntegral();
  bool AnyComplex = A.T == PyConst::Complex || B.T == PyConst::Complex;

  if (IsCmp) {
    bool V;
    if (AnyComplex) {
      if (Op == "eq" || Op == "ne")
        V = (A.asComplex() == B.asComplex()) == (Op == "eq");
      else
        return Unsupported();
    } else if (BothIntegral) {
      int64_t X = A.asInt(), Y = B.asInt();
      V = Op == "gt" ? X > Y : Op == "ge" ? X >= Y : Op == "eq" ? X == Y
                                                                : X != Y;
    } else {
      double X = A.asDouble(), Y = B.asDouble();
      V = Op == "gt" ? X > Y : Op == "ge" ? X >= Y : Op == "eq" ? X == Y
                                                                : X != Y;
    }
    R = PyConst::ofBool(V);
    R.NumpyKind = numpyResultKind(A, B, PyConst::Bool);
    return R;
  }

  if (Op == "and" || Op == "or" || Op == "xor" || Op == "lshift" ||
      Op == "rshift") {
    if (!BothIntegral)
      return Unsupported();
    int64_t X = A.asInt(), Y = B.asInt();
    if (BothBool && (Op == "and" || Op == "or" || Op == "xor")) {
      bool V = Op == "and" ? (A.B && B.B) : Op == "or" ? (A.B || B.B)
                                                       : (A.B != B.B);
      R = PyConst::ofBool(V);
    } else if (Op == "and")
      R = PyConst::ofInt(X & Y);
    else if (Op == "or")
      R = PyConst::ofInt(X | Y);
    else if (Op == "xor")
      R = PyConst::ofInt(X ^ Y);
    else {
      if (Y < 0)
        return makeError(ErrorKind::Value, Loc, "negative shift count");
      if (Op == "lshift") {
        if (X != 0 && (Y >= 63 || (X > 0 ? X > (INT64_MAX >> Y)
                                         : X < (INT64_MIN >> Y))))
          return Overflow();
        R = PyConst::ofInt(X != 0 ? (int64_t)((uint64_t)X << Y) : 0);
      } else {
        R = PyConst::ofInt(Y >= 63 ? (X < 0 ? -1 : 0) : (X >> Y));
      }
    }
    R.NumpyKind = numpyResultKind(A, B, R.T);
    return R;
  }

  if (AnyComplex) {
    std::complex<double> X = A.asComplex(), Y = B.asComplex();
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
      R = PyConst::ofComplex(Y == 0.0 ? std::complex<double>(1.0)
                                      : std::pow(X, Y));
    } else
      return Unsupported();
    R.NumpyKind = numpyResultKind(A, B, PyConst::Complex);
    return R;
  }

  if (BothIntegral && Op != "div") {
    int64_t X = A.asInt(), Y = B.asInt(), V = 0;
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
      if (Y == 0)
        return ZeroDiv();
      if (X == INT64_MIN && Y == -1) {
        if (Op == "floordiv")
          return Overflow();
        V = 0;
      } else {
        int64_t Q = X / Y, M = X % Y;
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
        R = PyConst::ofFloat(std::pow((double)X, (double)Y));
        R.NumpyKind = numpyResultKind(A, B, PyConst::Float);
        return R;
      }
      V = 1;
      int64_t Base = X;
      for (int64_t E = Y; E > 0; E >>= 1) {
        if (E & 1)
          if (__builtin_mul_overflow(V, Base, &V))
            return Overflow();
        if (E > 1 && __builtin_mul_overflow(Base, Base, &Base))
          return Overflow();
      }
    } else
      return Unsupported();
    R = PyConst::ofInt(V);
    R.NumpyKind = numpyResultKind(A, B, PyConst::Int);
    return R;
  }

  double X = A.asDouble(), Y = B.asDouble();
  if (Op == "add")
    R = PyConst::ofFloat(X + Y);
  else if (Op == "sub")
    R = PyConst::ofFloat(X - Y);
  else if (Op == "mul")
    R = PyConst::ofFloat(X * Y);
  else if (Op == "div") {
    if (Y == 0)
      return ZeroDiv();
    R = PyConst::ofFloat(X / Y);
  } else if (Op == "floordiv") {
    if (Y == 0)
      return ZeroDiv();
    R = PyConst::ofFloat(pyFloorDiv(X, Y));
  } else if (Op == "mod") {
    if (Y == 0)
      return ZeroDiv();
    R = PyConst::ofFloat(pyFloatMod(X, Y));
  } else if (Op == "pow") {
    if (X == 0 && Y < 0)
      return ZeroDiv();
    if (X < 0 && Y != std::floor(Y)) {
      // Python gives a complex result for a negative base and a
      // fractional exponent.
      R = PyConst::ofComplex(std::pow(std::complex<double>(X), Y));
      R.NumpyKind = numpyResultKind(A, B, PyConst::Complex);
      return R;
    }
    R = PyConst::ofFloat(std::pow(X, Y));
  } else
    return Unsupported();
  R.NumpyKind = numpyResultKind(A, B, PyConst::Float);
  return R;
}

//===----------------------------------------------------------------------===//
// The function table (numexpr's `functions` dict)
//===----------------------------------------------------------------------===//

struct FunctionInfo {
  const char *Name;      ///< as written in expressions
  const char *OpName;    ///< numexpr's node name (numpy's __name__)
  int Arity;
  std::optional<DType> MinKind, MaxKind;
  bool KeepsIntegers; ///< copy, ones_like, round, sign keep integer kinds
};

const FunctionInfo *lookupFunction(const std::string &Name) {
  constexpr auto F = DType::Float32, D = DType::Float64,
                 C = DType::Complex128;
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

/// Folds a function of constants as numpy would on scalars.
Expected<PyConst> foldFunction(const FunctionInfo &Fn,
                               const std::vector<PyConst> &Args,
                               SourceLoc Loc) {
  std::string N = Fn.OpName;
  const PyConst &A = Args[0];
  bool AnyComplex = false;
  for (const auto &P : Args) {
    if (P.T == PyConst::Bytes)
      return makeError(ErrorKind::Type, Loc,
                       "function '" + std::string(Fn.Name) +
                           "' does not take strings");
    AnyComplex |= P.T == PyConst::Complex;
  }
  auto Real = [](double V) {
    PyConst P = PyConst::ofFloat(V);
    P.NumpyKind = DType::Float64;
    return P;
  };
  auto Cplx = [](std::complex<double> V) {
    PyConst P = PyConst::ofComplex(V);
    P.NumpyKind = DType::Complex128;
    return P;
  };
  auto Int = [](int64_t V) {
    PyConst P = PyConst::ofInt(V);
    P.NumpyKind = DType::Int64;
    return P;
  };
  auto Boolean = [](bool V) {
    PyConst P = PyConst::ofBool(V);
    P.NumpyKind = DType::Bool;
    return P;
  };
  if (Fn.KeepsIntegers && A.isIntegral() && N != "round") {
    int64_t X = A.asInt();
    if (N == "copy")
      return A.T == PyConst::Bool ? Boolean(A.B) : Int(X);
    if (N == "ones_like")
      return A.T == PyConst::Bool ? Boolean(true) : Int(1);
    if (N == "sign")
      return Int(X > 0 ? 1 : X < 0 ? -1 : 0);
  }
  if (N == "round" && A.isIntegral())
    return Int(A.asInt());
  if (N == "absolute" && A.isIntegral())
    return Int(A.asInt() < 0 ? -A.asInt() : A.asInt());
  if (N == "isnan" || N == "isfinite" || N == "isinf" || N == "signbit") {
    std::complex<double> Z = A.asComplex();
    if (N == "isnan")
      return Boolean(std::isnan(Z.real()) || std::isnan(Z.imag()));
    if (N == "isinf")
      return Boolean(std::isinf(Z.real()) || std::isinf(Z.imag()));
    if (N == "isfinite")
      return Boolean(std::isfinite(Z.real()) && std::isfinite(Z.imag()));
    return Boolean(std::signbit(A.asDouble()));
  }
  if (N == "real")
    return Real(A.asComplex().real());
  if (N == "imag")
    return Real(A.asComplex().imag());
  if (N == "complex")
    return Cplx({A.asDouble(), Args[1].asDouble()});
  if (N == "conjugate")
    return AnyComplex ? Cplx(std::conj(A.C)) : Real(A.asDouble());
  if (AnyComplex) {
    std::complex<double> Z = A.asComplex();
    static const std::map<std::string,
                          std::complex<double> (*)(const std::complex<double> &)>
        Unary = {{"sqrt", std::sqrt}, {"sin", std::sin},     {"cos", std::cos},
                 {"tan", std::tan},   {"arcsin", std::asin}, {"arccos", std::acos},
                 {"arctan", std::atan}, {"sinh", std::sinh}, {"cosh", std::cosh},
                 {"tanh", std::tanh}, {"arcsinh", std::asinh},
                 {"arccosh", std::acosh}, {"arctanh", std::atanh},
                 {"log", std::log},   {"exp", std::exp},     {"log10", std::log10}};
    auto It = Unary.find(N);
    if (It != Unary.end())
      return Cplx(It->second(Z));
    if (N == "absolute")
      return Real(std::abs(Z));
    if (N == "log1p")
      return Cplx(std::log(1.0 + Z));
    if (N == "expm1")
      return Cplx(std::exp(Z) - 1.0);
    if (N == "log2")
      return Cplx(std::log(Z) / std::log(2.0));
    return makeError(ErrorKind::Type, Loc,
                     "function '" + std::string(Fn.Name) +
                         "' is not defined for complex numbers");
  }
  double X = A.asDouble();
  double Y = Args.size() > 1 ? Args[1].asDouble() : 0;
  static const std::map<std::string, double (*)(double)> Unary = {
      {"sqrt", std::sqrt},   {"sin", std::sin},     {"cos", std::cos},
      {"tan", std::tan},     {"arcsin", std::asin}, {"arccos", std::acos},
      {"arctan", std::atan}, {"sinh", std::sinh},   {"cosh", std::cosh},
      {"tanh", std::tanh},   {"arcsinh", std::asinh}, {"arccosh", std::acosh},
      {"arctanh", std::atanh}, {"log", std::log},   {"log1p", std::log1p},
      {"log10", std::log10}, {"log2", std::log2},   {"exp", std::exp},
      {"expm1", std::expm1}, {"absolute", std::fabs}, {"ceil", std::ceil},
      {"floor", std::floor}, {"trunc", std::trunc},
      {"round", std::nearbyint}};
  auto It = Unary.find(N);
  if (It != Unary.end())
    return Real(It->second(X));
  if (N == "sign")
    return Real(std::isnan(X) ? X : X > 0 ? 1.0 : X < 0 ? -1.0 : 0.0);
  if (N == "copy")
    return Real(X);
  if (N == "ones_like")
    return Real(1.0);
  if (N == "fmod")
    return Real(std::fmod(X, Y));
  if (N == "arctan2")
    return Real(std::atan2(X, Y));
  if (N == "hypot")
    return Real(std::hypot(X, Y));
  if (N == "nextafter")
    return Real(std::nextafter(X, Y));
  if (N == "copysign")
    return Real(std::copysign(X, Y));
  if (N == "maximum")
    return Real(std::isnan(X) || std::isnan(Y) ? NAN : std::max(X, Y));
  if (N == "minimum")
    return Real(std::isnan(X) || std::isnan(Y) ? NAN : std::min(X, Y));
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
                         "integer constant " + N.Text +
                             " does not fit in int64");
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
    case AstNode::IfExp:
      return makeError(ErrorKind::Type, N.Loc, BoolOpsMessage);
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
    return makeError(ErrorKind::Key, N.Loc,
                     "variable '" + N.Text + "' is not defined");
  }

  Expected<ENodePtr> buildUnary(const AstNode &N) {
    if (N.Text == "not")
      return makeError(ErrorKind::Type, N.Loc, BoolOpsMessage);
    auto A = build(*N.Args[0]);
    if (!A)
      return A;
    ENodePtr X = *A;
    if (N.Text == "+")
      return X;
    if (X->K == ENode::Const) {
      const PyConst &V = X->Value;
      PyConst R;
      if (V.T == PyConst::Bytes)
        return makeError(ErrorKind::Type, N.Loc,
                         "bad operand type for unary " + N.Text + ": 'bytes'");
      if (N.Text == "-") {
        if (V.T == PyConst::Complex)
          R = PyConst::ofComplex(-V.C);
        else if (V.T == PyConst::Float)
          R = PyConst::ofFloat(-V.F);
        else {
          if (V.asInt() == INT64_MIN)
            return makeError(ErrorKind::Value, N.Loc,
                             "integer constant too large for int64");
          R = PyConst::ofInt(-V.asInt());
        }
      } else { // "~"
        if (!V.isIntegral())
          return makeError(ErrorKind::Type, N.Loc,
                           std::string("bad operand type for unary ~: '") +
                               typeNameForError(V) + "'");
        R = PyConst::ofInt(~V.asInt());
      }
      if (V.NumpyKind)
        R.NumpyKind = V.NumpyKind;
      return makeConst(R, N.Loc);
    }
    return makeOp(N.Text == "-" ? "neg" : "invert", {X}, N.Loc);
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
    return makeOp(Op, {A, B}, Loc, Kind);
  }

  static bool isFloatingKind(DType T) {
    return T == DType::Float32 || T == DType::Float64 ||
           T == DType::Complex128;
  }

  /// numexpr's truediv_op.
  Expected<ENodePtr> trueDiv(ENodePtr A, ENodePtr B, SourceLoc Loc) {
    if (A->K == ENode::Const && B->K == ENode::Const)
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
    if (A->K == ENode::Const && B->K == ENode::Const)
      return binop("pow", A, B, Loc);
    if (B->K != ENode::Const || B->Value.T == PyConst::Bytes ||
        B->Value.T == PyConst::Complex)
      return makeOp("pow", {A, B}, Loc);
    const PyConst &E = B->Value;
    double X = E.asDouble();
    bool IntBase = A->Type == DType::Int32 || A->Type == DType::Int64;
    bool IntExp = B->Type == DType::Int32 || B->Type == DType::Int64;
    if (IntBase && IntExp && X < 0)
      return makeError(ErrorKind::Value, Loc,
                       "integers to negative integer powers are not allowed");
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
        {"+", "add"},     {"-", "sub"},     {"*", "mul"},
        {"//", "floordiv"}, {"%", "mod"},   {"<<", "lshift"},
        {">>", "rshift"}, {"&", "and"},     {"|", "or"},
        {"^", "xor"}};
    auto It = Names.find(Op);
    if (It == Names.end())
      return makeError(ErrorKind::Type, Loc,
                       "unsupported operator '" + Op + "'");
    return binop(It->second, *L, *R, Loc);
  }

  Expected<ENodePtr> buildCompare(const AstNode &N) {
    if (N.Ops.size() > 1)
      return makeError(ErrorKind::Type, N.OpLocs[1],
                       std::string("chained comparisons are not supported: ") +
                           BoolOpsMessage);
    const std::string &Op = N.Ops[0];
    SourceLoc Loc = N.OpLocs[0];
    if (Op == "in" || Op == "not in" || Op == "is" || Op == "is not")
      return makeError(ErrorKind::Type, Loc,
                       "operator '" + Op +
                           "' is not supported (use contains() for strings)");
    auto L = build(*N.Args[0]);
    if (!L)
      return L;
    auto R = build(*N.Args[1]);
    if (!R)
      return R;
    // numexpr has only gt/ge: a < b is b > a.
    if (Op == "<")
      return binop("gt", *R, *L, Loc, DType::Bool);
    if (Op == "<=")
      return binop("ge", *R, *L, Loc, DType::Bool);
    if (Op == ">")
      return binop("gt", *L, *R, Loc, DType::Bool);
    if (Op == ">=")
      return binop("ge", *L, *R, Loc, DType::Bool);
    if (Op == "==")
      return binop("eq", *L, *R, Loc, DType::Bool);
    return binop("ne", *L, *R, Loc, DType::Bool);
  }

  Expected<ENodePtr> buildAttribute(const AstNode &N) {
    if (N.Text != "real" && N.Text != "imag")
      return makeError(ErrorKind::Value, N.Loc,
                       "attribute access is not allowed: '." + N.Text + "'");
    auto A = build(*N.Args[0]);
    if (!A)
      return A;
    if ((*A)->K == ENode::Const) {
      if ((*A)->Value.T == PyConst::Bytes)
        return makeError(ErrorKind::Type, N.Loc,
                         "bytes have no attribute '" + N.Text + "'");
      std::complex<double> Z = (*A)->Value.asComplex();
      return makeConst(PyConst::ofFloat(N.Text == "real" ? Z.real()
                                                         : Z.imag()),
                       N.Loc);
    }
    return makeOp(N.Text, {*A}, N.Loc, DType::Float64);
  }

  llvm::Error checkArity(const AstNode &N, size_t Want) {
    if (N.Args.size() == Want)
      return llvm::Error::success();
    // numexpr reports this as a missing typed operation.
    return makeError(ErrorKind::NotImplemented, N.Loc,
                     N.Text + "() takes " + std::to_string(Want) +
                         " argument" + (Want == 1 ? "" : "s") + " but " +
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
    if (Name == "where") {
      if (auto E = checkArity(N, 3))
        return std::move(E);
      if (auto E = BuildArgs())
        return std::move(E);
      if (Args[0]->K == ENode::Const)
        return Args[0]->Value.truthy() ? Args[1] : Args[2];
      return makeOp("where", Args, N.Loc);
    }
    if (Name == "contains") {
      if (auto E = checkArity(N, 2))
        return std::move(E);
      if (auto E = BuildArgs())
        return std::move(E);
      return makeOp("contains", Args, N.Loc, DType::Bool);
    }
    const FunctionInfo *Fn = lookupFunction(Name);
    if (!Fn)
      return makeError(ErrorKind::Type, N.Loc,
                       "unknown function '" + Name + "'");
    if (auto E = checkArity(N, Fn->Arity))
      return std::move(E);
    if (auto E = BuildArgs())
      return std::move(E);
    bool AllConst = true;
    for (const auto &A : Args)
      AllConst &= A->K == ENode::Const;
    if (AllConst) {
      std::vector<PyConst> Values;
      for (const auto &A : Args)
        Values.push_back(A->Value);
      auto V = foldFunction(*Fn, Values, N.Loc);
      if (!V)
        return V.takeError();
      return makeConst(*V, N.Loc);
    }
    auto K = commonKind(Args, N.Loc);
    if (!K)
      return K.takeError();
    DType Kind = *K;
    if (Kind == DType::Int32 || Kind == DType::Int64) {
      if (!Fn->KeepsIntegers)
        Kind = DType::Float64;
    } else if (Kind != DType::Bytes) {
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

  Expected<ENodePtr> buildReduction(const AstNode &N) {
    const AstNode *Arg = nullptr, *AxisArg = nullptr;
    SourceLoc AxisLoc = N.Loc;
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
    if (!Arg || N.Args.size() > 2)
      return makeError(ErrorKind::Type, N.Loc,
                       N.Text + "() takes an array and an optional axis");
    std::optional<int> Axis;
    if (AxisArg && AxisArg->K != AstNode::NoneLit) {
      auto A = build(*AxisArg);
      if (!A)
        return A;
      if ((*A)->K != ENode::Const || !(*A)->Value.isIntegral())
        return makeError(ErrorKind::Type, AxisLoc,
                         "the axis of a reduction must be an integer constant "
                         "or None");
      int64_t V = (*A)->Value.asInt();
      if (V < 0)
        return makeError(ErrorKind::Value, AxisLoc,
                         "negative axis are not supported");
      if (V > 254)
        return makeError(ErrorKind::Value, AxisLoc, "cannot encode axis");
      Axis = (int)V;
    }
    auto A = build(*Arg);
    if (!A)
      return A;
    if ((*A)->K == ENode::Const)
      return *A;
    auto Raw = std::make_shared<ENode>();
    Raw->K = ENode::Raw;
    Raw->Axis = Axis;
    Raw->Loc = AxisLoc;
    auto R = makeOp(N.Text, {*A, Raw}, N.Loc, (*A)->Type);
    return R;
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
#define NEJIT_SIG(List, Name, Sig) {std::string_view(#List) == "FUNC", Name, Sig},
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

private:
  ir::Function &F;
  std::map<int, int> InputInst;

  int constant(const PyConst &V, DType T, SourceLoc Loc) {
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
        Id = constant(Kid.Value, Want, Kid.Loc);
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
  for (size_t I = 0; I < F.Insts.size(); ++I)
    if (ir::isReduction(F.Insts[I].Op) && (int)I != F.Result)
      return makeError(ErrorKind::Runtime, F.Insts[I].Loc,
                       "invalid program: reduction operations must occur "
                       "last");
  return std::move(F);
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

std::vector<std::string> collectVariableNames(const AstNode &Root) {
  std::vector<std::string> Out;
  collectNames(Root, Out);
  return Out;
}

} // namespace nejit
