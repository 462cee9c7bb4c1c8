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

/// libm's Name at the symbol version numexpr's and numpy's wheels link.
/// numexpr 2.14.2's wheel is manylinux_2_28 (built against glibc 2.28):
/// each function at the newest version not newer than GLIBC_2.28 (logf,
/// expf, powf at GLIBC_2.27; log, exp, pow at the x86-64 baseline
/// GLIBC_2.2.5, whose wrappers give +NaN where the GLIBC_2.29 defaults give
/// -NaN). Elsewhere (another libc or architecture) the default version.
void *wheelVersion(const char *Name, void *Fallback) {
#if defined(__x86_64__) && defined(__GLIBC__)
  static void *const Libm = dlopen("libm.so.6", RTLD_NOW | RTLD_LOCAL);
  static const char *const Versions[] = {
      "GLIBC_2.28", "GLIBC_2.27", "GLIBC_2.26", "GLIBC_2.25", "GLIBC_2.24",
      "GLIBC_2.23", "GLIBC_2.18", "GLIBC_2.15", "GLIBC_2.4",  "GLIBC_2.2.5"};
  if (Libm)
    for (const char *V : Versions)
      if (void *P = dlvsym(Libm, Name, V))
        return P;
#endif
  return Fallback;
}

using D1 = double (*)(double);
using D2 = double (*)(double, double);
using SinCos = void (*)(double, double *, double *);

/// The float64 functions numexpr's complex formulas call, at numexpr's
/// versions (sincos: GCC merged numexpr's sin(y) and cos(y) into it).
struct LibmTable {
  D1 Exp, Expm1, Log, Sin, Cos, Sinh, Cosh;
  D2 Hypot, Atan2;
  SinCos SinCosFn;
};

template <typename T> T resolve(const char *Name, T Fallback) {
  return reinterpret_cast<T>(wheelVersion(Name, (void *)Fallback));
}

const LibmTable &libm() {
  static const LibmTable T = {
      resolve<D1>("exp", &::exp),     resolve<D1>("expm1", &::expm1),
      resolve<D1>("log", &::log),     resolve<D1>("sin", &::sin),
      resolve<D1>("cos", &::cos),     resolve<D1>("sinh", &::sinh),
      resolve<D1>("cosh", &::cosh),   resolve<D2>("hypot", &::hypot),
      resolve<D2>("atan2", &::atan2), resolve<SinCos>("sincos", &::sincos)};
  return T;
}

/// A * B and A + B where A's NaN is the result when both are NaN: x86's
/// rule for the first source operand. GCC chose, per call site, which
/// operand of numexpr's commutative products and sums comes first (it
/// compiled cos(y) * exp(x) for the source's exp(x) * cos(y)); the NaN an
/// element gets depends on it, so each formula below names numexpr's
/// binary's order, and the compiler here must not commute it.
inline double mulNaNFirst(double A, double B) {
#if defined(__x86_64__) && defined(__SSE2__)
  asm("mulsd %1, %0" : "+x"(A) : "x"(B));
  return A;
#else
  return A * B;
#endif
}
inline double addNaNFirst(double A, double B) {
#if defined(__x86_64__) && defined(__SSE2__)
  asm("addsd %1, %0" : "+x"(A) : "x"(B));
  return A;
#else
  return A + B;
#endif
}
#define MUL mulNaNFirst
#define ADD addNaNFirst

/// A complex value as numexpr's formulas see it: two doubles.
struct Cx {
  double Re, Im;
};

struct SC {
  double S, C;
};
SC sinCos(double X) {
  SC R;
  libm().SinCosFn(X, &R.S, &R.C);
  return R;
}

// numexpr's nc_* functions (complex_functions.hpp) with the operation order
// of numexpr 2.14.2's x86-64 wheel (objdump -d of interpreter.*.so).

Cx csqrt(Cx X) {
  if (X.Re == 0.0 && X.Im == 0.0)
    return X;
  double S = ::sqrt(ADD(::fabs(X.Re), libm().Hypot(X.Re, X.Im)) * 0.5);
  double D = X.Im / (S + S);
  if (X.Re > 0.0)
    return {S, D};
  if (X.Im >= 0.0)
    return {D, S};
  return {-D, -S};
}

Cx clog(Cx X) {
  double L = libm().Hypot(X.Re, X.Im);
  double Im = libm().Atan2(X.Im, X.Re);
  return {libm().Log(L), Im};
}

Cx clog1p(Cx X) {
  double Re1 = ADD(1.0, X.Re);
  double L = libm().Hypot(Re1, X.Im);
  double Im = libm().Atan2(X.Im, Re1);
  return {libm().Log(L), Im};
}

Cx cexp(Cx X) {
  double A = libm().Exp(X.Re);
  SC T = sinCos(X.Im);
  return {MUL(T.C, A), MUL(A, T.S)};
}

Cx cexpm1(Cx X) {
  SC T = sinCos(X.Im);
  double A = libm().Sin(X.Im * 0.5);
  double B = libm().Exp(X.Re);
  double E = libm().Expm1(X.Re);
  return {MUL(E, T.C) - MUL(A, ADD(A, A)), MUL(T.S, B)};
}

/// numexpr's 0.434294481903251827651128918916605082294397 and
/// 1.44269504088896340735992468100189213742664, rounded to double.
constexpr double Log10E = 0.434294481903251827651128918916605082294397;
constexpr double Log2E = 1.44269504088896340735992468100189213742664;

Cx cscaledLog(Cx X, double K) {
  Cx L = clog(X);
  return {MUL(L.Re, K), MUL(L.Im, K)};
}

Cx cpow(Cx A, Cx B) {
  if (B.Re == 0.0 && B.Im == 0.0)
    return {1.0, 0.0};
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
    double AccRe = 1.0, AccIm = 0.0, PRe = A.Re, PIm = A.Im;
    for (int64_t Mask = 1;; Mask <<= 1) {
      if (N & Mask) {
        double Re = MUL(PRe, AccRe) - MUL(PIm, AccIm);
        AccIm = ADD(MUL(AccIm, PRe), MUL(AccRe, PIm));
        AccRe = Re;
      }
      if (N < Mask << 1)
        break;
      double Re = MUL(PRe, PRe) - MUL(PIm, PIm);
      double Cross = MUL(PIm, PRe);
      PIm = ADD(Cross, Cross);
      PRe = Re;
    }
    if (B.Re < 0) {
      double D = ADD(MUL(AccRe, AccRe), MUL(AccIm, AccIm));
      return {ADD(MUL(AccIm, 0.0), AccRe) / D, (MUL(AccRe, 0.0) - AccIm) / D};
    }
    return {AccRe, AccIm};
  }
  Cx L = clog(A);
  double PRe = MUL(B.Re, L.Re) - MUL(B.Im, L.Im);
  double PIm = ADD(MUL(B.Im, L.Re), MUL(L.Im, B.Re));
  double E = libm().Exp(PRe);
  SC T = sinCos(PIm);
  return {MUL(T.C, E), MUL(T.S, E)};
}

Cx csquare(Cx X) {
  double Cross = MUL(X.Re, X.Im);
  return {MUL(X.Re, X.Re) - MUL(X.Im, X.Im), ADD(Cross, Cross)};
}

Cx cacos(Cx X) {
  Cx Sq = csquare(X);
  Cx Q = csqrt({1.0 - Sq.Re, 0.0 - Sq.Im});
  // x + i*q, with x.re + (-q.im) compiled as x.re - q.im (the NaN's sign).
  Cx L = clog({X.Re - Q.Im, ADD(X.Im, Q.Re)});
  return {L.Im, -L.Re};
}

Cx cacosh(Cx X) {
  Cx T = csqrt({ADD(1.0, X.Re), ADD(X.Im, 0.0)});
  Cx R = csqrt({X.Re - 1.0, X.Im});
  double PRe = MUL(T.Re, R.Re) - MUL(T.Im, R.Im);
  double PIm = ADD(MUL(R.Im, T.Re), MUL(R.Re, T.Im));
  return clog({ADD(PRe, X.Re), ADD(PIm, X.Im)});
}

// The plain operations of complex_functions.hpp, for the formulas whose
// compiled order happens to agree with the source's (test_libm_backend.py
// checks every function's bytes against numexpr).
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

Cx casin(Cx X) {
  Cx IX = timesI(X);
  Cx R = csqrt(sub(One, mul(X, X)));
  return neg(timesI(clog(add(IX, R))));
}

Cx casinh(Cx X) {
  Cx Sq = csquare(X);
  Cx Q = csqrt({Sq.Re + 1.0, Sq.Im + 0.0});
  // sqrt(...) + x, compiled as x + sqrt(...).
  return clog({ADD(X.Re, Q.Re), ADD(X.Im, Q.Im)});
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
  SC T = sinCos(X.Re);
  return {MUL(libm().Cosh(X.Im), T.C), MUL(-T.S, libm().Sinh(X.Im))};
}
Cx ccosh(Cx X) {
  SC T = sinCos(X.Im);
  return {MUL(libm().Cosh(X.Re), T.C), MUL(libm().Sinh(X.Re), T.S)};
}
Cx csin(Cx X) {
  SC T = sinCos(X.Re);
  return {MUL(libm().Cosh(X.Im), T.S), MUL(libm().Sinh(X.Im), T.C)};
}
Cx csinh(Cx X) {
  SC T = sinCos(X.Im);
  return {MUL(libm().Sinh(X.Re), T.C), MUL(libm().Cosh(X.Re), T.S)};
}

/// tan and tanh share a shape: the part along the hyperbolic axis
/// saturates to +-1 past |20|, where sinh/cosh would overflow.
double saturating(double H, double Denom) {
  if (H > 20)
    return 1.0 / ADD(1.0, libm().Exp(H * -4.0));
  if (H < -20)
    return -1.0 / ADD(1.0, libm().Exp(H * 4.0));
  return libm().Sinh(H + H) / Denom;
}

Cx ctan(Cx X) {
  SC T = sinCos(X.Re + X.Re);
  double Denom = ADD(T.C, libm().Cosh(X.Im + X.Im));
  double Im = saturating(X.Im, Denom);
  return {T.S / Denom, Im};
}

Cx ctanh(Cx X) {
  double Ch = libm().Cosh(X.Re + X.Re);
  SC T = sinCos(X.Im + X.Im);
  double Denom = ADD(Ch, T.C);
  double Re = saturating(X.Re, Denom);
  return {Re, T.S / Denom};
}

Cx cabs(Cx X) { return {::sqrt(ADD(X.Re * X.Re, X.Im * X.Im)), 0.0}; }

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
   wheelVersion(#Name, (void *)static_cast<D1>(&::Name))},                  \
      {"nejit_libm_" #Name "f",                                                \
       wheelVersion(#Name "f", (void *)static_cast<F1>(&::Name##f))}
#define NEJIT_LIBM2(Name)                                                      \
  {"nejit_libm_" #Name,                                                        \
   wheelVersion(#Name, (void *)static_cast<D2>(&::Name))},                  \
      {"nejit_libm_" #Name "f",                                                \
       wheelVersion(#Name "f", (void *)static_cast<F2>(&::Name##f))}
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
