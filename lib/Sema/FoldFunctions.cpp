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

namespace {

/// One function of constants. fold() checks the arguments and handles the
/// functions that are not numpy ufuncs (complex, real/imag, copy/ones_like);
/// for the ufuncs it picks numpy's loop type (In) and dispatches by family.
class FunctionFolder {
public:
  FunctionFolder(const FunctionInfo &Fn, const std::vector<PyConst> &Args,
                 SourceLoc Loc)
      : Fn(Fn), N(Fn.OpName), Args(Args), Loc(Loc) {}

  Expected<PyConst> fold();

private:
  const FunctionInfo &Fn;
  std::string N; ///< numexpr's node name
  const std::vector<PyConst> &Args;
  SourceLoc Loc;
  /// The numpy type of the (promoted) arguments, and its category.
  Np In = Np::None;
  bool IsInt = false, IsBool = false, IsComplex = false;

  const PyConst &arg(size_t I) const { return Args[I]; }
  llvm::Error typeErr(const std::string &Why) const {
    return makeError(ErrorKind::Type, Loc,
                     "function '" + std::string(Fn.Name) + "' " + Why);
  }
  /// Float loops only (e, f, d, F, D): bool and int8 go to float16.
  Np floatLoop() const {
    if (IsBool || In == Np::Int8)
      return Np::Float16;
    if (IsInt)
      return Np::Float64;
    return In;
  }
  static PyConst real(double V, Np T) {
    return withNumpyType(PyConst::ofFloat(V), T);
  }
  static PyConst cplx(std::complex<double> V) {
    return PyConst::ofComplex(V, Np::Complex128);
  }
  static PyConst boolean(bool V) { return PyConst::ofBool(V, Np::Bool); }

  Expected<PyConst> foldClassify();
  Expected<PyConst> foldAbsolute();
  Expected<PyConst> foldRounding();
  Expected<PyConst> foldSign();
  Expected<PyConst> foldConjugate();
  Expected<PyConst> foldExtremum();
  Expected<PyConst> foldFmod();
  Expected<PyConst> foldFloatPair();
  Expected<PyConst> foldMath();
};

} // namespace

Expected<PyConst> FunctionFolder::fold() {
  if ((int)Args.size() != Fn.Arity)
    return typeErr("takes " + std::to_string(Fn.Arity) + " argument" +
                   (Fn.Arity == 1 ? "" : "s") + " but " +
                   std::to_string(Args.size()) + " were given");
  const PyConst &A = arg(0);
  for (const auto &P : Args)
    if (P.N == Np::Array)
      return typeErr("cannot take a numpy array made from constants");
  if (N == "complex") {
    for (const auto &P : Args)
      if (P.T == PyConst::Bytes)
        return typeErr("does not take bytes");
    const std::complex<double> I(0.0, 1.0);
    return PyConst::ofComplex(A.asComplex() + arg(1).asComplex() * I);
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
      return typeErr("does not take bytes");
    if (P.N == Np::None && P.T == PyConst::Int &&
        (P.I > INT64_MAX || P.I < INT64_MIN))
      return makeError(ErrorKind::Overflow, Loc,
                       "integer constant too large for int64");
  }
  In = Args.size() == 1 ? numpyTypeOf(A) : promoteNumpy(A, arg(1));
  int Cat = npCategory(In);
  IsInt = Cat == 1;
  IsBool = Cat == 0;
  IsComplex = Cat == 3;

  if (N == "isnan" || N == "isfinite" || N == "isinf" || N == "signbit")
    return foldClassify();
  if (N == "absolute")
    return foldAbsolute();
  if (N == "floor" || N == "ceil" || N == "trunc" || N == "round")
    return foldRounding();
  if (N == "sign")
    return foldSign();
  if (N == "conjugate")
    return foldConjugate();
  if (N == "maximum" || N == "minimum")
    return foldExtremum();
  if (N == "fmod")
    return foldFmod();
  if (N == "arctan2" || N == "hypot" || N == "nextafter" || N == "copysign")
    return foldFloatPair();
  return foldMath();
}

/// isnan, isfinite, isinf, signbit.
Expected<PyConst> FunctionFolder::foldClassify() {
  std::complex<double> Z = arg(0).asComplex();
  if (N == "isnan")
    return boolean(std::isnan(Z.real()) || std::isnan(Z.imag()));
  if (N == "isinf")
    return boolean(std::isinf(Z.real()) || std::isinf(Z.imag()));
  if (N == "isfinite")
    return boolean(std::isfinite(Z.real()) && std::isfinite(Z.imag()));
  if (IsComplex) // signbit
    return typeErr("is not defined for complex numbers");
  return boolean(std::signbit(arg(0).asDouble()));
}

Expected<PyConst> FunctionFolder::foldAbsolute() {
  const PyConst &A = arg(0);
  if (IsComplex)
    return real(std::abs(A.asComplex()), Np::Float64);
  if (IsBool)
    return boolean(A.truthy());
  if (IsInt)
    return withNumpyType(PyConst::ofInt(A.asInt() < 0 ? -A.asInt() : A.asInt()),
                         In);
  return real(std::fabs(A.asDouble()), In);
}

/// floor, ceil, trunc, round.
Expected<PyConst> FunctionFolder::foldRounding() {
  const PyConst &A = arg(0);
  double X = A.asDouble();
  if (N == "round") {
    // numpy.round of a scalar goes through a 0-d array: bools become
    // float16, the rest keep their type; halves round to even.
    std::complex<double> Z = A.asComplex();
    if (IsComplex)
      return cplx({std::nearbyint(Z.real()), std::nearbyint(Z.imag())});
    if (IsInt)
      return withNumpyType(PyConst::ofInt(A.asInt()), In);
    return real(std::nearbyint(X), IsBool ? Np::Float16 : In);
  }
  if (IsComplex)
    return typeErr("is not defined for complex numbers");
  if (IsBool)
    return boolean(A.truthy());
  if (IsInt)
    return withNumpyType(PyConst::ofInt(A.asInt()), In);
  return real(N == "floor"  ? std::floor(X)
              : N == "ceil" ? std::ceil(X)
                            : std::trunc(X),
              In);
}

Expected<PyConst> FunctionFolder::foldSign() {
  const PyConst &A = arg(0);
  if (IsBool)
    return typeErr("is not defined for booleans");
  if (IsComplex) {
    // numpy 2's z / |z| with its rules for infinite parts (numexpr folds a
    // constant with numpy; its kernels use the plain quotient).
    double Re = A.asComplex().real(), Im = A.asComplex().imag();
    double Abs = std::hypot(Re, Im);
    if (std::isnan(Abs) || (std::isinf(Re) && std::isinf(Im)))
      return cplx({NAN, NAN});
    if (std::isinf(Re))
      return cplx({Re > 0 ? 1.0 : -1.0, 0.0});
    if (std::isinf(Im))
      return cplx({0.0, Im > 0 ? 1.0 : -1.0});
    if (Abs == 0)
      return cplx({0.0, 0.0});
    return cplx({Re / Abs, Im / Abs});
  }
  if (IsInt) {
    Wide V = A.asInt();
    return withNumpyType(PyConst::ofInt(V > 0 ? 1 : V < 0 ? -1 : 0), In);
  }
  double X = A.asDouble();
  return real(std::isnan(X) ? X : X > 0 ? 1.0 : X < 0 ? -1.0 : 0.0, In);
}

Expected<PyConst> FunctionFolder::foldConjugate() {
  const PyConst &A = arg(0);
  if (IsComplex)
    return cplx(std::conj(A.asComplex()));
  if (IsBool)
    return withNumpyType(PyConst::ofInt(A.asInt()), Np::Int8);
  if (IsInt)
    return withNumpyType(PyConst::ofInt(A.asInt()), In);
  return real(A.asDouble(), In);
}

/// maximum, minimum: NaN wins; complex numbers order lexicographically.
Expected<PyConst> FunctionFolder::foldExtremum() {
  const PyConst &A = arg(0), &B = arg(1);
  bool Max = N == "maximum";
  if (IsComplex) {
    std::complex<double> P = A.asComplex(), Q = B.asComplex();
    auto IsNan = [](std::complex<double> V) {
      return std::isnan(V.real()) || std::isnan(V.imag());
    };
    if (IsNan(P))
      return cplx(P);
    if (IsNan(Q))
      return cplx(Q);
    bool PGreater =
        P.real() > Q.real() || (P.real() == Q.real() && P.imag() >= Q.imag());
    return cplx(PGreater == Max ? P : Q);
  }
  if (IsBool)
    return boolean(Max ? (A.truthy() || B.truthy())
                       : (A.truthy() && B.truthy()));
  if (IsInt) {
    Wide P = A.asInt(), Q = B.asInt();
    return withNumpyType(PyConst::ofInt(Max ? std::max(P, Q) : std::min(P, Q)),
                         In);
  }
  double P = A.asDouble(), Q = B.asDouble();
  if (std::isnan(P) || std::isnan(Q))
    return real(NAN, In);
  return real(Max ? std::max(P, Q) : std::min(P, Q), In);
}

Expected<PyConst> FunctionFolder::foldFmod() {
  if (IsComplex)
    return typeErr("is not defined for complex numbers");
  const PyConst &A = arg(0), &B = arg(1);
  if (IsBool || IsInt) {
    Np To = IsBool ? Np::Int8 : In;
    Wide P = A.asInt(), Q = B.asInt();
    return withNumpyType(PyConst::ofInt(Q == 0 ? 0 : P % Q), To);
  }
  return real(std::fmod(A.asDouble(), B.asDouble()), In);
}

/// arctan2, hypot, nextafter, copysign: real float loops only, so the
/// arguments are first rounded to the loop's type.
Expected<PyConst> FunctionFolder::foldFloatPair() {
  if (IsComplex)
    return typeErr("is not defined for complex numbers");
  Np To = floatLoop();
  double P = arg(0).asDouble(), Q = arg(1).asDouble();
  if (To == Np::Float16) {
    P = roundToHalf(P);
    Q = roundToHalf(Q);
  } else if (To == Np::Float32) {
    P = (float)P;
    Q = (float)Q;
  }
  if (N == "arctan2")
    return real(std::atan2(P, Q), To);
  if (N == "hypot")
    return real(std::hypot(P, Q), To);
  if (N == "copysign")
    return real(std::copysign(P, Q), To);
  if (To == Np::Float16)
    return real(halfNextAfter(P, Q), To);
  if (To == Np::Float32)
    return real(std::nextafter((float)P, (float)Q), To);
  return real(std::nextafter(P, Q), To);
}

/// The rest have float and complex loops only.
Expected<PyConst> FunctionFolder::foldMath() {
  Np To = floatLoop();
  if (IsComplex) {
    std::complex<double> Z = arg(0).asComplex();
    static const std::map<std::string, std::complex<double> (*)(
                                           const std::complex<double> &)>
        Unary = {{"sqrt", std::sqrt},     {"sin", std::sin},
                 {"cos", std::cos},       {"tan", std::tan},
                 {"arcsin", std::asin},   {"arccos", std::acos},
                 {"arctan", std::atan},   {"sinh", std::sinh},
                 {"cosh", std::cosh},     {"tanh", std::tanh},
                 {"arcsinh", std::asinh}, {"arccosh", std::acosh},
                 {"arctanh", std::atanh}, {"log", std::log},
                 {"exp", std::exp}};
    auto It = Unary.find(N);
    if (It != Unary.end())
      return cplx(It->second(Z));
    // numpy's own complex formulas (umath's nc_*), which numexpr's folding
    // of a function of constants calls: expm1 keeps exp(x) * sin(y) as
    // the imaginary part (inf * 0 is NaN), the logarithms scale log(z).
    double X = Z.real(), Y = Z.imag();
    if (N == "expm1") {
      double H = std::sin(Y / 2);
      return cplx({std::expm1(X) * std::cos(Y) - 2 * H * H,
                   std::exp(X) * std::sin(Y)});
    }
    if (N == "log1p")
      return cplx({std::log(std::hypot(X + 1, Y)), std::atan2(Y, X + 1)});
    if (N == "log2" || N == "log10") {
      const double Scale = N == "log2" ? 1.442695040888963407359924681001892137
                                       : 0.434294481903251827651128918916605082;
      std::complex<double> L = std::log(Z);
      return cplx({L.real() * Scale, L.imag() * Scale});
    }
    return typeErr("is not defined for complex numbers");
  }
  static const std::map<std::string, double (*)(double)> Unary = {
      {"sqrt", std::sqrt},     {"sin", std::sin},       {"cos", std::cos},
      {"tan", std::tan},       {"arcsin", std::asin},   {"arccos", std::acos},
      {"arctan", std::atan},   {"sinh", std::sinh},     {"cosh", std::cosh},
      {"tanh", std::tanh},     {"arcsinh", std::asinh}, {"arccosh", std::acosh},
      {"arctanh", std::atanh}, {"log", std::log},       {"log1p", std::log1p},
      {"log10", std::log10},   {"log2", std::log2},     {"exp", std::exp},
      {"expm1", std::expm1}};
  double X = arg(0).asDouble();
  auto It = Unary.find(N);
  if (It != Unary.end())
    return real(It->second(To == Np::Float16 ? roundToHalf(X) : X), To);
  return makeError(ErrorKind::Value, Loc,
                   "cannot fold function '" + std::string(Fn.Name) + "'");
}

Expected<PyConst> foldFunction(const FunctionInfo &Fn,
                               const std::vector<PyConst> &Args,
                               SourceLoc Loc) {
  return FunctionFolder(Fn, Args, Loc).fold();
}

} // namespace sema
} // namespace nejit
