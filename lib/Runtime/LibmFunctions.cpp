//===- Runtime/LibmFunctions.cpp - The libm backend's C functions ---------===//
/// \file
/// numexpr 2.14.2 computes a complex function with its own formulas over
/// the C library's real functions (numexpr/complex_functions.hpp); the
/// results are bit-identical to numexpr's only if the same libm calls are
/// combined with the same operations in the same order, including the
/// literal 0 - y, 0 * y and 1 + z terms that decide the signs of zeros and
/// NaNs. The functions below are written to that contract, one operation
/// per C expression. This file is compiled without FMA contraction and
/// without builtins (lib/Interp/CMakeLists.txt), so that neither a fused
/// multiply-add nor a compiler-substituted call (sincos) can change a bit.
//===----------------------------------------------------------------------===//
#include "Runtime/LibmFunctions.h"

#include <cmath>
#include <cstdint>
#include <dlfcn.h>
#include <math.h>

namespace {

/// A complex value as numexpr's formulas see it: two doubles.
struct Cx {
  double Re, Im;
};

// The operations numexpr's formulas are built from, each exactly as
// complex_functions.hpp spells it (operand order matters for NaN payloads).
Cx add(Cx A, Cx B) { return {A.Re + B.Re, A.Im + B.Im}; }
Cx sub(Cx A, Cx B) { return {A.Re - B.Re, A.Im - B.Im}; }
Cx mul(Cx A, Cx B) {
  return {A.Re * B.Re - A.Im * B.Im, A.Re * B.Im + A.Im * B.Re};
}
Cx quot(Cx A, Cx B) {
  double D = B.Re * B.Re + B.Im * B.Im;
  return {(A.Re * B.Re + A.Im * B.Im) / D, (A.Im * B.Re - A.Re * B.Im) / D};
}
Cx timesI(Cx A) { return {-A.Im, A.Re}; }
Cx neg(Cx A) { return {-A.Re, -A.Im}; }

constexpr Cx One{1.0, 0.0};
constexpr Cx Half{0.5, 0.0};
constexpr Cx I{0.0, 1.0};
constexpr Cx HalfI{0.0, 0.5};

Cx csqrt(Cx X) {
  if (X.Re == 0.0 && X.Im == 0.0)
    return X;
  double S = ::sqrt((::fabs(X.Re) + ::hypot(X.Re, X.Im)) / 2);
  double D = X.Im / (2 * S);
  if (X.Re > 0.0)
    return {S, D};
  if (X.Im >= 0.0)
    return {D, S};
  return {-D, -S};
}

Cx clog(Cx X) {
  double L = ::hypot(X.Re, X.Im);
  return {::log(L), ::atan2(X.Im, X.Re)};
}

Cx clog1p(Cx X) {
  double L = ::hypot(X.Re + 1.0, X.Im);
  return {::log(L), ::atan2(X.Im, X.Re + 1.0)};
}

Cx cexp(Cx X) {
  double A = ::exp(X.Re);
  return {A * ::cos(X.Im), A * ::sin(X.Im)};
}

Cx cexpm1(Cx X) {
  double A = ::sin(X.Im / 2);
  double B = ::exp(X.Re);
  return {::expm1(X.Re) * ::cos(X.Im) - 2 * A * A, B * ::sin(X.Im)};
}

/// numexpr's 0.434294481903251827651128918916605082294397 and
/// 1.44269504088896340735992468100189213742664, rounded to double.
constexpr double Log10E = 0.434294481903251827651128918916605082294397;
constexpr double Log2E = 1.44269504088896340735992468100189213742664;

Cx cscaledLog(Cx X, double K) {
  Cx L = clog(X);
  return {L.Re * K, L.Im * K};
}

Cx cpow(Cx A, Cx B) {
  if (B.Re == 0.0 && B.Im == 0.0)
    return One;
  if (A.Re == 0.0 && A.Im == 0.0)
    return {0.0, 0.0};
  // Integral real exponents below 100 in magnitude: binary powering, the
  // accumulator multiplied by each set bit's power, then 1 / z^|n| for
  // n < 0. (numexpr converts B.Re to an integer first; this range test is
  // the same set of exponents without converting NaN or huge values.)
  if (B.Im == 0 && B.Re > -100 && B.Re < 100 && B.Re == ::trunc(B.Re)) {
    int64_t N = (int64_t)B.Re;
    if (N < 0)
      N = -N;
    Cx Acc = One, P = A;
    for (int64_t Mask = 1;; Mask <<= 1) {
      if (N & Mask)
        Acc = mul(Acc, P);
      if (N < Mask << 1)
        break;
      P = mul(P, P);
    }
    return B.Re < 0 ? quot(One, Acc) : Acc;
  }
  return cexp(mul(clog(A), B));
}

Cx cacos(Cx X) {
  Cx R = csqrt(sub(One, mul(X, X)));
  return neg(timesI(clog(add(X, timesI(R)))));
}

Cx cacosh(Cx X) {
  Cx T = csqrt(add(X, One));
  Cx R = csqrt(sub(X, One));
  return clog(add(X, mul(T, R)));
}

Cx casin(Cx X) {
  Cx IX = timesI(X);
  Cx R = csqrt(sub(One, mul(X, X)));
  return neg(timesI(clog(add(IX, R))));
}

Cx casinh(Cx X) {
  Cx R = csqrt(add(One, mul(X, X)));
  return clog(add(R, X));
}

Cx catan(Cx X) {
  Cx D = sub(I, X);
  Cx R = quot(add(I, X), D);
  return mul(HalfI, clog(R));
}

Cx catanh(Cx X) {
  Cx D = sub(One, X);
  Cx N = add(One, X);
  return mul(Half, clog(quot(N, D)));
}

Cx ccos(Cx X) {
  return {::cos(X.Re) * ::cosh(X.Im), -::sin(X.Re) * ::sinh(X.Im)};
}
Cx ccosh(Cx X) {
  return {::cos(X.Im) * ::cosh(X.Re), ::sin(X.Im) * ::sinh(X.Re)};
}
Cx csin(Cx X) {
  return {::sin(X.Re) * ::cosh(X.Im), ::cos(X.Re) * ::sinh(X.Im)};
}
Cx csinh(Cx X) {
  return {::cos(X.Im) * ::sinh(X.Re), ::sin(X.Im) * ::cosh(X.Re)};
}

/// tan and tanh share a shape: the part along the hyperbolic axis
/// saturates to +-1 past |20|, where sinh/cosh would overflow.
double saturating(double H, double Denom) {
  if (H > 20)
    return 1.0 / (1.0 + ::exp(-4 * H));
  if (H < -20)
    return -1.0 / (1.0 + ::exp(4 * H));
  return ::sinh(2 * H) / Denom;
}

Cx ctan(Cx X) {
  double Denom = ::cos(2 * X.Re) + ::cosh(2 * X.Im);
  double Im = saturating(X.Im, Denom);
  return {::sin(2 * X.Re) / Denom, Im};
}

Cx ctanh(Cx X) {
  double Denom = ::cosh(2 * X.Re) + ::cos(2 * X.Im);
  double Re = saturating(X.Re, Denom);
  return {Re, ::sin(2 * X.Im) / Denom};
}

Cx cabs(Cx X) { return {::sqrt(X.Re * X.Re + X.Im * X.Im), 0.0}; }

Cx csign(Cx X) {
  // numexpr writes NaN into its (aliased) result and then divides it by
  // its NaN magnitude: both parts are the default quiet NaN.
  if (std::isnan(X.Re) || std::isnan(X.Im))
    return {NAN, NAN};
  double Mag = cabs(X).Re;
  if (Mag == 0)
    return {0.0, 0.0};
  return {X.Re / Mag, X.Im / Mag};
}

} // namespace

extern "C" {

#define NEJIT_NE_UNARY(Name, Fn)                                               \
  static void nejit_ne_c_##Name(double Re, double Im, double *Out) {           \
    Cx R = Fn(Cx{Re, Im});                                                     \
    Out[0] = R.Re;                                                             \
    Out[1] = R.Im;                                                             \
  }
NEJIT_NE_UNARY(sqrt, csqrt)
NEJIT_NE_UNARY(log, clog)
NEJIT_NE_UNARY(log1p, clog1p)
NEJIT_NE_UNARY(exp, cexp)
NEJIT_NE_UNARY(expm1, cexpm1)
NEJIT_NE_UNARY(arccos, cacos)
NEJIT_NE_UNARY(arccosh, cacosh)
NEJIT_NE_UNARY(arcsin, casin)
NEJIT_NE_UNARY(arcsinh, casinh)
NEJIT_NE_UNARY(arctan, catan)
NEJIT_NE_UNARY(arctanh, catanh)
NEJIT_NE_UNARY(cos, ccos)
NEJIT_NE_UNARY(cosh, ccosh)
NEJIT_NE_UNARY(sin, csin)
NEJIT_NE_UNARY(sinh, csinh)
NEJIT_NE_UNARY(tan, ctan)
NEJIT_NE_UNARY(tanh, ctanh)
NEJIT_NE_UNARY(absolute, cabs)
NEJIT_NE_UNARY(sign, csign)
#undef NEJIT_NE_UNARY

static void nejit_ne_c_log10(double Re, double Im, double *Out) {
  Cx R = cscaledLog(Cx{Re, Im}, Log10E);
  Out[0] = R.Re;
  Out[1] = R.Im;
}

static void nejit_ne_c_log2(double Re, double Im, double *Out) {
  Cx R = cscaledLog(Cx{Re, Im}, Log2E);
  Out[0] = R.Re;
  Out[1] = R.Im;
}

static void nejit_ne_c_pow(double ARe, double AIm, double BRe, double BIm,
                           double *Out) {
  Cx R = cpow(Cx{ARe, AIm}, Cx{BRe, BIm});
  Out[0] = R.Re;
  Out[1] = R.Im;
}

} // extern "C"

namespace {

/// libm's Name at the symbol version numexpr's and numpy's wheels link: they
/// are built on the oldest supported glibc (manylinux), so they call the
/// x86-64 baseline versions (log@GLIBC_2.2.5), which glibc keeps as
/// wrappers with the old error handling; their NaNs differ in sign from the
/// newer default versions' (log(-1) is +NaN there, -NaN in log@GLIBC_2.29).
/// Elsewhere (another libc or architecture) the default version, Fallback.
void *baselineVersion(const char *Name, void *Fallback) {
#if defined(__x86_64__) && defined(__GLIBC__)
  static void *const Libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
  if (Libm)
    if (void *Old = dlvsym(Libm, Name, "GLIBC_2.2.5"))
      return Old;
#endif
  return Fallback;
}

} // namespace

namespace nejit::runtime {

std::vector<std::pair<const char *, void *>> libmHelpers() {
  using D1 = double (*)(double);
  using D2 = double (*)(double, double);
  using F1 = float (*)(float);
  using F2 = float (*)(float, float);
  // Each real function in its float64 and float32 (f-suffixed) form, as
  // numexpr's functions.hpp calls them on Linux.
#define NEJIT_LIBM1(Name)                                                      \
  {"nejit_libm_" #Name,                                                        \
   baselineVersion(#Name, (void *)static_cast<D1>(&::Name))},                  \
      {"nejit_libm_" #Name "f",                                                \
       baselineVersion(#Name "f", (void *)static_cast<F1>(&::Name##f))}
#define NEJIT_LIBM2(Name)                                                      \
  {"nejit_libm_" #Name,                                                        \
   baselineVersion(#Name, (void *)static_cast<D2>(&::Name))},                  \
      {"nejit_libm_" #Name "f",                                                \
       baselineVersion(#Name "f", (void *)static_cast<F2>(&::Name##f))}
#define NEJIT_NE(Name) {"nejit_ne_c_" #Name, (void *)&nejit_ne_c_##Name}
  return {
      NEJIT_LIBM1(sin),      NEJIT_LIBM1(cos),     NEJIT_LIBM1(tan),
      NEJIT_LIBM1(asin),     NEJIT_LIBM1(acos),    NEJIT_LIBM1(atan),
      NEJIT_LIBM1(sinh),     NEJIT_LIBM1(cosh),    NEJIT_LIBM1(tanh),
      NEJIT_LIBM1(asinh),    NEJIT_LIBM1(acosh),   NEJIT_LIBM1(atanh),
      NEJIT_LIBM1(log),      NEJIT_LIBM1(log10),   NEJIT_LIBM1(log1p),
      NEJIT_LIBM1(log2),     NEJIT_LIBM1(exp),     NEJIT_LIBM1(expm1),
      NEJIT_LIBM2(pow),      NEJIT_LIBM2(atan2),   NEJIT_LIBM2(hypot),
      NEJIT_LIBM2(fmod),     NEJIT_LIBM2(nextafter),
      NEJIT_NE(sqrt),        NEJIT_NE(log),        NEJIT_NE(log1p),
      NEJIT_NE(exp),         NEJIT_NE(expm1),      NEJIT_NE(arccos),
      NEJIT_NE(arccosh),     NEJIT_NE(arcsin),     NEJIT_NE(arcsinh),
      NEJIT_NE(arctan),      NEJIT_NE(arctanh),    NEJIT_NE(cos),
      NEJIT_NE(cosh),        NEJIT_NE(sin),        NEJIT_NE(sinh),
      NEJIT_NE(tan),         NEJIT_NE(tanh),       NEJIT_NE(absolute),
      NEJIT_NE(sign),        NEJIT_NE(log10),      NEJIT_NE(log2),
      NEJIT_NE(pow),
  };
#undef NEJIT_LIBM1
#undef NEJIT_LIBM2
#undef NEJIT_NE
}

} // namespace nejit::runtime
