//===- Sema/FoldFunctions.cpp - numexpr's functions on constants ----------===//
/// \file
/// numexpr's function table (name, arity, minimum and maximum kind) and the
/// folding of a function of constants as numpy computes it: the loop numpy
/// picks for the argument types decides the result's numpy type.
//===----------------------------------------------------------------------===//
#include "Sema/SemaInternal.h"

#include <map>

namespace nejit {
namespace sema {

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
static double halfNextAfter(double X, double Y) {
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

} // namespace sema
} // namespace nejit
