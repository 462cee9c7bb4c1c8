//===- unittests/API/LibmTest.cpp - The libm backend's symbols ------------===//
/// \file
/// MathBackend::Libm calls functions under names of nejit's own
/// (nejit_libm_sinf, nejit_ne_c_sin, ...) that the JIT resolves from
/// runtime::libmHelpers(). Every function the language has, for every type
/// numexpr computes it in, must compile with the libm backend (an unresolved
/// name is a link error), call the C library function of that name and type
/// (sinf for float32, not sin), and every registered address must be set.
//===----------------------------------------------------------------------===//
#include "Runtime/LibmFunctions.h"
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <set>
#include <string>
#include <vector>

using namespace nejit;

namespace {

Options libm() {
  Options O;
  O.Backend = MathBackend::Libm;
  return O;
}

struct Real1 {
  const char *Name;
  double (*F64)(double);
  float (*F32)(float);
};

struct Real2 {
  const char *Expr;
  double (*F64)(double, double);
  float (*F32)(float, float); ///< null: float32 computes in float64
};

// The language's name, then the C library's float64 and float32 function.
const Real1 Unary[] = {
    {"sin", ::sin, ::sinf},       {"cos", ::cos, ::cosf},
    {"tan", ::tan, ::tanf},       {"arcsin", ::asin, ::asinf},
    {"arccos", ::acos, ::acosf},  {"arctan", ::atan, ::atanf},
    {"sinh", ::sinh, ::sinhf},    {"cosh", ::cosh, ::coshf},
    {"tanh", ::tanh, ::tanhf},    {"arcsinh", ::asinh, ::asinhf},
    {"arccosh", ::acosh, ::acoshf}, {"arctanh", ::atanh, ::atanhf},
    {"log", ::log, ::logf},       {"log10", ::log10, ::log10f},
    {"log1p", ::log1p, ::log1pf}, {"log2", ::log2, ::log2f},
    {"exp", ::exp, ::expf},       {"expm1", ::expm1, ::expm1f},
};

const Real2 Binary[] = {
    {"a ** b", ::pow, ::powf},
    {"arctan2(a, b)", ::atan2, ::atan2f},
    {"fmod(a, b)", ::fmod, ::fmodf},
    // numexpr 2.14.2 promotes float32 hypot and nextafter to float64.
    {"hypot(a, b)", ::hypot, nullptr},
    {"nextafter(a, b)", ::nextafter, nullptr},
};

// Ordinary arguments (no special values: the C library's versions of a
// function differ only in those), inside every function's domain.
const double Points[] = {0.03125, 0.3, 0.7, 0.99, 1.0, 1.25, 2.5, 7.75};

TEST(LibmTest, EveryRealFunctionIsTheCLibrarysForItsType) {
  for (const Real1 &F : Unary) {
    std::string Expr = std::string(F.Name) + "(a)";
    if (std::strcmp(F.Name, "arccosh") == 0)
      Expr = "arccosh(a + 1)";
    bool Shift = std::strcmp(F.Name, "arccosh") == 0;
    Kernel K8 = compile(Expr, {{"a", DType::Float64}}, libm());
    Kernel K4 = compile(Expr, {{"a", DType::Float32}}, libm());
    std::vector<double> A8(std::begin(Points), std::end(Points));
    std::vector<float> A4(A8.begin(), A8.end());
    std::vector<double> O8(A8.size());
    std::vector<float> O4(A8.size());
    const void *In8[] = {A8.data()}, *In4[] = {A4.data()};
    K8.run((int64_t)A8.size(), O8.data(), In8);
    K4.run((int64_t)A4.size(), O4.data(), In4);
    for (size_t I = 0; I < A8.size(); ++I) {
      double W8 = F.F64(A8[I] + (Shift ? 1.0 : 0.0));
      float W4 = F.F32(A4[I] + (Shift ? 1.0f : 0.0f));
      EXPECT_EQ(std::memcmp(&O8[I], &W8, 8), 0)
          << Expr << " f8 at " << A8[I] << ": " << O8[I] << " vs " << W8;
      EXPECT_EQ(std::memcmp(&O4[I], &W4, 4), 0)
          << Expr << " f4 at " << A4[I] << ": " << O4[I] << " vs " << W4;
    }
  }
}

TEST(LibmTest, EveryRealBinaryFunctionIsTheCLibrarysForItsType) {
  for (const Real2 &F : Binary) {
    Kernel K8 = compile(F.Expr, {{"a", DType::Float64}, {"b", DType::Float64}},
                        libm());
    Kernel K4 = compile(F.Expr, {{"a", DType::Float32}, {"b", DType::Float32}},
                        libm());
    std::vector<double> A8(std::begin(Points), std::end(Points)), B8;
    for (size_t I = 0; I < A8.size(); ++I)
      B8.push_back(A8[A8.size() - 1 - I] * 1.5);
    std::vector<float> A4(A8.begin(), A8.end()), B4(B8.begin(), B8.end());
    std::vector<double> O8(A8.size());
    // Room for a float64 result of float32 inputs.
    std::vector<float> O4(2 * A8.size());
    const void *In8[] = {A8.data(), B8.data()}, *In4[] = {A4.data(), B4.data()};
    K8.run((int64_t)A8.size(), O8.data(), In8);
    K4.run((int64_t)A4.size(), O4.data(), In4);
    for (size_t I = 0; I < A8.size(); ++I) {
      double W8 = F.F64(A8[I], B8[I]);
      EXPECT_EQ(std::memcmp(&O8[I], &W8, 8), 0) << F.Expr << " f8 at " << I;
      if (F.F32) {
        float W4 = F.F32(A4[I], B4[I]);
        EXPECT_EQ(std::memcmp(&O4[I], &W4, 4), 0) << F.Expr << " f4 at " << I;
      } else {
        double W = F.F64(A4[I], B4[I]);
        EXPECT_EQ(std::memcmp((const double *)O4.data() + I, &W, 8), 0)
            << F.Expr << " f4 (in f8) at " << I;
      }
    }
  }
}

TEST(LibmTest, EveryComplexFunctionCompilesAndRuns) {
  const char *Exprs[] = {
      "sqrt(z)",   "log(z)",    "log1p(z)",   "log10(z)",  "log2(z)",
      "exp(z)",    "expm1(z)",  "sin(z)",     "cos(z)",    "tan(z)",
      "sinh(z)",   "cosh(z)",   "tanh(z)",    "arcsin(z)", "arccos(z)",
      "arctan(z)", "arcsinh(z)", "arccosh(z)", "arctanh(z)", "abs(z)",
      "z ** w",    "z ** 3",    "z ** 2.5"};
  Signature Sig = {{"z", DType::Complex128}, {"w", DType::Complex128}};
  std::vector<double> Z = {0.5, 0.25, -1.5, 2.0, 3.0, -0.75};
  std::vector<double> W = {1.5, 0.0, 0.5, -2.0, -3.0, 0.0};
  for (const char *Expr : Exprs) {
    Kernel K = compile(Expr, Sig, libm());
    bool Real = std::strcmp(Expr, "abs(z)") == 0;
    std::vector<double> Out(Z.size(), -1.0);
    const void *In[] = {Z.data(), W.data()};
    K.run(3, Out.data(), In);
    for (size_t I = 0; I < (Real ? 3 : Out.size()); ++I)
      EXPECT_TRUE(std::isfinite(Out[I])) << Expr << " at " << I;
  }
}

TEST(LibmTest, EveryRegisteredNameHasAnAddress) {
  std::set<std::string> Names;
  auto Helpers = runtime::libmHelpers();
  EXPECT_GT(Helpers.size(), 60u);
  for (const auto &[Name, Address] : Helpers) {
    EXPECT_NE(Address, nullptr) << Name;
    EXPECT_TRUE(Names.insert(Name).second) << "registered twice: " << Name;
    std::string N = Name;
    EXPECT_TRUE(N.rfind("nejit_libm_", 0) == 0 || N.rfind("nejit_ne_c_", 0) == 0)
        << N;
  }
  for (const char *N : {"nejit_libm_sin", "nejit_libm_sinf", "nejit_libm_powf",
                        "nejit_libm_nextafterf", "nejit_ne_c_pow"})
    EXPECT_TRUE(Names.count(N)) << N;
}

TEST(LibmTest, Float32CallsTheFloatFunction) {
  std::string IR = compile("exp(a) + sin(a)", {{"a", DType::Float32}}, libm())
                       .dis(Stage::LLVM);
  EXPECT_NE(IR.find("@nejit_libm_expf("), std::string::npos) << IR;
  EXPECT_NE(IR.find("@nejit_libm_sinf("), std::string::npos) << IR;
  EXPECT_EQ(IR.find("@nejit_libm_exp("), std::string::npos) << IR;
}

} // namespace
