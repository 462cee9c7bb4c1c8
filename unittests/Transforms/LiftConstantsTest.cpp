//===- unittests/Transforms/LiftConstantsTest.cpp - Constants as operands -===//
/// \file
/// Lifting constants out of kernels (transforms::liftConstants) and names
/// out of the cache key must change which kernels are shared, never a
/// result: every expression here is compiled with lifting on and off and the
/// outputs are compared byte for byte, over literals of every dtype (edge
/// values, NaN, infinities, signed zeros, subnormals) and inputs holding the
/// same kinds of values. Then the sharing itself, through cacheStats().
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "JIT/Engine.h"
#include "Transforms/Passes.h"
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <chrono>
#include <cinttypes>
#include <cmath>
#include <complex>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <unistd.h>
#include <vector>

using namespace nejit;

namespace {

constexpr int64_t N = 45; // vector iterations and a scalar tail at any width

/// Every input, one array per dtype (two of float64).
struct Inputs {
  std::vector<double> A, B;
  std::vector<float> F;
  std::vector<int32_t> I;
  std::vector<int64_t> K;
  std::vector<std::complex<double>> Z;
  std::vector<uint8_t> M;

  static Signature signature() {
    return {{"a", DType::Float64}, {"b", DType::Float64},
            {"f", DType::Float32}, {"i", DType::Int32},
            {"k", DType::Int64},   {"z", DType::Complex128},
            {"m", DType::Bool}};
  }
  std::vector<const void *> pointers() const {
    return {A.data(), B.data(), F.data(), I.data(),
            K.data(), Z.data(), M.data()};
  }
};

double inf() { return std::numeric_limits<double>::infinity(); }

Inputs makeInputs() {
  const double Nan = std::numeric_limits<double>::quiet_NaN();
  const std::vector<double> Special = {0.0,
                                       -0.0,
                                       1.0,
                                       -1.0,
                                       inf(),
                                       -inf(),
                                       Nan,
                                       -Nan,
                                       5e-324,
                                       -5e-324,
                                       1e-310,
                                       2.2250738585072014e-308,
                                       1.7976931348623157e308,
                                       -1e300,
                                       0.5,
                                       2.0,
                                       3.0,
                                       -7.25,
                                       1e-40,
                                       3.4e38,
                                       1e39,
                                       100.0,
                                       -0.1};
  std::mt19937_64 G(20261201);
  std::uniform_real_distribution<double> Mant(-1, 1);
  std::uniform_int_distribution<int> Exp(-30, 30);
  auto Fill = [&](size_t Shift) {
    std::vector<double> V(N);
    for (int64_t J = 0; J < N; ++J)
      V[J] = J < (int64_t)Special.size() ? Special[(J + Shift) % Special.size()]
                                         : Mant(G) * std::pow(10.0, Exp(G));
    return V;
  };
  Inputs In;
  In.A = Fill(0);
  In.B = Fill(7);
  for (double X : Fill(3))
    In.F.push_back((float)X);
  const std::vector<int64_t> Ints = {0,  1,  -1, 2,  -2, 3,  7,  -7,
                                     31, 32, 33, 63, 64, 65, -64};
  std::uniform_int_distribution<int64_t> Any;
  for (int64_t J = 0; J < N; ++J) {
    int64_t V = J < (int64_t)Ints.size() ? Ints[J] : Any(G) >> (J % 60);
    In.I.push_back(J == 20 ? INT32_MAX : J == 21 ? INT32_MIN : (int32_t)V);
    In.K.push_back(J == 20   ? INT64_MAX
                   : J == 21 ? INT64_MIN
                   : J == 22 ? (int64_t)1 << 32
                             : V);
    In.M.push_back((uint8_t)(Any(G) & 1));
  }
  std::vector<double> Re = Fill(11), Im = Fill(5);
  for (int64_t J = 0; J < N; ++J)
    In.Z.push_back({Re[J], Im[J]});
  return In;
}

/// Literal spellings nejit's parser reads as the values wanted.
const std::vector<std::string> FloatLits = {"0.0",
                                            "(-0.0)",
                                            "1.0",
                                            "(-1.0)",
                                            "2.0",
                                            "0.5",
                                            "(-2.0)",
                                            "3.0",
                                            "0.1",
                                            "1.5",
                                            "(-3.75)",
                                            "1e-300",
                                            "5e-324",
                                            "1.7976931348623157e308",
                                            "3.4028234663852886e38",
                                            "1e-40",
                                            "1e400",
                                            "(-1e400)",
                                            "(1e400 - 1e400)",
                                            "(-(1e400 - 1e400))",
                                            "2.5",
                                            "0.3333333333333333",
                                            "49.0",
                                            "50.0",
                                            "51.0",
                                            "(-49.0)",
                                            "100.0"};
const std::vector<std::string> IntLits = {"0",
                                          "1",
                                          "(-1)",
                                          "2",
                                          "(-2)",
                                          "3",
                                          "7",
                                          "(-7)",
                                          "31",
                                          "32",
                                          "33",
                                          "63",
                                          "64",
                                          "65",
                                          "100",
                                          "2147483647",
                                          "(-2147483648)",
                                          "2147483648",
                                          "(-2147483649)",
                                          "9223372036854775807",
                                          "(-9223372036854775807 - 1)",
                                          "4294967296"};
const std::vector<std::string> ComplexLits = {
    "0j",          "1j",         "(-1j)",
    "(1+0j)",      "(-1+0j)",    "(1.5+2.5j)",
    "(-0.0-0.0j)", "(1e400+1j)", "((1e400 - 1e400)+1j)",
    "(2+1e-320j)", "(0.25-4j)"};
const std::vector<std::string> BoolLits = {"True", "False"};

std::string randomFloat(std::mt19937_64 &G) {
  std::uniform_real_distribution<double> Mant(-10, 10);
  std::uniform_int_distribution<int> Exp(-12, 12);
  char Buf[64];
  std::snprintf(Buf, sizeof Buf, "(%.17g)", Mant(G) * std::pow(10.0, Exp(G)));
  return Buf;
}
std::string randomInt(std::mt19937_64 &G) {
  std::uniform_int_distribution<int64_t> Any;
  int64_t V = Any(G) >> std::uniform_int_distribution<int>(1, 62)(G);
  return "(" + std::to_string(V) + ")";
}
std::string randomComplex(std::mt19937_64 &G) {
  return "(" + randomFloat(G) + "+" + randomFloat(G) + "*1j)";
}

/// Templates: {F} float, {I} int, {C} complex, {B} bool literals. The
/// first placeholder runs through a third of its list (a different third
/// for each template; all of it with NEJIT_EXHAUSTIVE_TESTS=1, about 80 s)
/// plus random values, the others take random entries of theirs.
const std::vector<std::string> Templates = {
    // float64
    "a * {F}", "{F} * a + b", "a + {F}", "a - {F}", "{F} - a", "a / {F}",
    "{F} / a", "a // {F}", "a % {F}", "{F} % a", "a ** {F}", "{F} ** a",
    "-a * {F}", "-(a * {F})", "a * {F} + b * {F}", "a * {F} - {F}",
    "where(a > {F}, a, {F})", "where(a < b, {F}, {F})", "a > {F}", "a >= {F}",
    "a == {F}", "a != {F}", "{F} < a", "maximum(a, {F})", "minimum({F}, a)",
    "copysign(a, {F})", "copysign({F}, a)", "arctan2(a, {F})", "hypot({F}, a)",
    "fmod(a, {F})", "nextafter(a, {F})", "sin(a * {F})", "exp(a + {F})",
    "log(a * {F})", "sqrt(abs(a) + {F})", "sum(a * {F})", "prod(a * {F})",
    "max(a + {F})", "min(a * {F})", "abs(a - {F})", "floor(a * {F})",
    "sign(a - {F})", "sinh(a * {F})", "log1p(a + {F})", "arcsinh(b * {F})",
    // float32 (numexpr keeps float32 for float literals)
    "f * {F}", "f - {F}", "f / {F}", "{F} / f", "f ** {F}",
    "where(f > {F}, f, {F})", "sum(f * {F})", "f * {F} + a", "f > {F}",
    "maximum(f, {F})", "exp(f * {F})",
    // ints and floats mixed
    "i * {F}", "k + {F}", "i / {F}", "{F} / i", "i > {F}", "k < {F}",
    // int32
    "i + {I}", "i * {I}", "i - {I}", "{I} - i", "i // {I}", "i % {I}",
    "{I} % i", "i / {I}", "{I} / i", "i ** {I}", "{I} ** i", "i & {I}",
    "i | {I}", "i ^ {I}", "i << {I}", "{I} << i", "i >> {I}", "{I} >> i",
    "where(i > {I}, i, {I})", "i == {I}", "i >= {I}", "abs(i - {I})",
    "sum(i * {I})", "prod(i + {I})", "max(i * {I})", "maximum(i, {I})",
    // int64
    "k + {I}", "k * {I}", "k // {I}", "k % {I}", "{I} - k", "k ** {I}",
    "{I} ** k", "k << {I}", "{I} >> k", "where(k < {I}, {I}, k)",
    "sum(k * {I})", "-k * {I}",
    // ints with floats and complex
    "a * {I}", "a + {I}", "f * {I}", "i * {I} + k", "z * {I}",
    // complex
    "z * {C}", "z + {C}", "z - {C}", "{C} - z", "z / {C}", "{C} / z",
    "exp(z * {C})", "z == {C}", "z != {C}", "abs(z - {C})", "real(z * {C})",
    "imag({C} * z + z)", "where(a > 0, z, {C})", "sum(z * {C})",
    "prod(z + {C})", "a * {C}", "sqrt(z * {C})", "conj(z) * {C}", "z * {F}",
    "z + {F}",
    // bool
    "m & {B}", "m | {B}", "where(m, a, {F})", "where({B}, a, b)",
    "where(m, {I}, i)", "where(m, z, {C})", "m != {B}",
    // next to sign operations (LLVM moves those into constants)
    "-a * {F} + b", "(-a + {F}) * {F}", "{F} - (-a)", "-a - {F}", "-(a / {F})",
    "{F} / -a", "where(m, -a, {F})", "-z * {C}", "conj(z) + {C}", "-a % {F}",
    "a * {F} * -b", "-a // {F}", "copysign(a, {F}) * {F}", "abs(a) * {F} - {F}",
    "-f * {F}", "-(a * {F} * {F})", "z * {C} - {C}",
    // selections of constants (LLVM folds arithmetic into them)
    "where(m, {F}, {F}) * {F}", "where(a > 0, {F}, {F}) + b",
    "where(m, {C}, {C}) * z", "where(i > 3, {I}, {I}) * {I}",
    // several kinds at once
    "a * {F} + i * {I} - z * {C}", "where(m & (a > {F}), {F}, b * {F})",
    "(a * {F} + {F}) * (b - {F}) / {F}"};

/// One template's instantiations.
std::vector<std::string> instantiate(const std::string &T, size_t Index,
                                     std::mt19937_64 &G) {
  const char *Env = std::getenv("NEJIT_EXHAUSTIVE_TESTS");
  bool All = Env && std::string(Env) == "1";
  std::vector<std::string> Out;
  size_t First = T.find('{');
  char Kind = T[First + 1];
  const std::vector<std::string> &Pool = Kind == 'F'   ? FloatLits
                                         : Kind == 'I' ? IntLits
                                         : Kind == 'C' ? ComplexLits
                                                       : BoolLits;
  auto Random = [&](char K) {
    auto Pick = [&](const std::vector<std::string> &P) {
      return P[std::uniform_int_distribution<size_t>(0, P.size() - 1)(G)];
    };
    bool FromPool = std::uniform_int_distribution<int>(0, 1)(G);
    switch (K) {
    case 'F':
      return FromPool ? Pick(FloatLits) : randomFloat(G);
    case 'I':
      return FromPool ? Pick(IntLits) : randomInt(G);
    case 'C':
      return FromPool ? Pick(ComplexLits) : randomComplex(G);
    default:
      return Pick(BoolLits);
    }
  };
  std::vector<std::string> Firsts;
  for (size_t P = 0; P < Pool.size(); ++P)
    if (All || Kind == 'B' || (P + Index) % 3 == 0)
      Firsts.push_back(Pool[P]);
  for (int R = 0; R < (All ? 4 : 2) && Kind != 'B'; ++R)
    Firsts.push_back(Kind == 'F'   ? randomFloat(G)
                     : Kind == 'I' ? randomInt(G)
                                   : randomComplex(G));
  for (const std::string &Lit : Firsts) {
    std::string E;
    bool Seen = false;
    for (size_t P = 0; P < T.size(); ++P) {
      if (T[P] == '{' && P + 2 < T.size() && T[P + 2] == '}') {
        E += Seen ? Random(T[P + 1]) : Lit;
        Seen = true;
        P += 2;
        continue;
      }
      E += T[P];
    }
    Out.push_back(E);
  }
  return Out;
}

/// The output bytes of Expr over In (or the error text), with lifting on
/// or off.
std::string evaluate(const std::string &Expr, const Inputs &In, bool Lift) {
  internal::setLiftConstantsForTesting(Lift);
  try {
    Kernel K = compile(Expr, Inputs::signature());
    int64_t Size = K.resultItemSize();
    int64_t Count = K.reduction() == Reduction::None ? N : 1;
    std::string Out((size_t)(Size * Count), '\xa5');
    auto Ptrs = In.pointers();
    K.run(N, Out.data(), Ptrs.data());
    return std::string(1, (char)K.resultType()) + Out;
  } catch (const Error &E) {
    return std::string("error: ") + E.what();
  }
}

/// Where two evaluate() results differ (npos if they agree), by the one
/// rule docs/accuracy.md states for every pair of paths (lifted and inlined
/// constants, interpreter and JIT, thread counts): the same bits, except
/// that any NaN equals any NaN. Which NaN an operation returns (its sign and
/// payload) is left open by IEEE 754 and by LLVM, whose instruction
/// selection differs with the vector width.
size_t firstDifference(const std::string &X, const std::string &Y) {
  if (X.size() != Y.size() || X.empty() || X[0] != Y[0]) {
    size_t At = 0;
    while (At < X.size() && At < Y.size() && X[At] == Y[At])
      ++At;
    return At;
  }
  DType T = (DType)X[0];
  bool Float = T == DType::Float32 || T == DType::Float64 ||
               T == DType::Complex128;
  size_t Part = T == DType::Float32 ? 4 : 8;
  for (size_t At = 1; At < X.size(); At += Float ? Part : 1) {
    if (!Float) {
      if (X[At] != Y[At])
        return At;
      continue;
    }
    if (std::memcmp(&X[At], &Y[At], Part) == 0)
      continue;
    bool BothNaN;
    if (Part == 4) {
      float A, B;
      std::memcpy(&A, &X[At], 4);
      std::memcpy(&B, &Y[At], 4);
      BothNaN = std::isnan(A) && std::isnan(B);
    } else {
      double A, B;
      std::memcpy(&A, &X[At], 8);
      std::memcpy(&B, &Y[At], 8);
      BothNaN = std::isnan(A) && std::isnan(B);
    }
    if (!BothNaN)
      return At;
  }
  return std::string::npos;
}

std::string hex(const std::string &Bytes, size_t Begin, size_t Len) {
  std::string Out;
  char Buf[4];
  for (size_t J = Begin; J < Begin + Len && J < Bytes.size(); ++J) {
    std::snprintf(Buf, sizeof Buf, "%02x", (unsigned char)Bytes[J]);
    Out += Buf;
  }
  return Out;
}

/// A process-unique NEJIT_CACHE_KEY_SALT, so that sharing is measured
/// against kernels no earlier test (or run, through the disk cache)
/// compiled.
std::string uniqueSalt(const char *Test) {
  static int Count = 0;
  return std::string(Test) + " " + std::to_string(getpid()) + " " +
         std::to_string(
             std::chrono::steady_clock::now().time_since_epoch().count()) +
         " " + std::to_string(++Count);
}

class LiftConstants : public ::testing::Test {
protected:
  void SetUp() override {
    SavedDir = jit::cacheDir();
    jit::setCacheDirForTesting(""); // thousands of one-off kernels
    // These tests compare JIT code with lifting on and off and count its
    // compiles: the interpreter tier would answer instead under auto.
    SavedTier = setTier(Tier::Jit);
  }
  void TearDown() override {
    setTier(SavedTier);
    internal::setLiftConstantsForTesting(true);
    unsetenv("NEJIT_CACHE_KEY_SALT");
    jit::setCacheDirForTesting(SavedDir);
  }
  std::string SavedDir;
  Tier SavedTier = Tier::Auto;
};

TEST_F(LiftConstants, ResultsAreBitIdenticalToInlinedConstants) {
  Inputs In = makeInputs();
  const char *Seed = std::getenv("NEJIT_TEST_SEED"); // to explore further
  std::mt19937_64 G(Seed ? std::strtoull(Seed, nullptr, 10) : 42);
  int Compared = 0, Errors = 0, Mismatches = 0;
  for (size_t T = 0; T < Templates.size(); ++T)
    for (const std::string &E : instantiate(Templates[T], T, G)) {
      std::string Inline = evaluate(E, In, false);
      std::string Lifted = evaluate(E, In, true);
      if (Inline.rfind("error: ", 0) == 0) {
        ++Errors;
        EXPECT_EQ(Lifted, Inline) << E;
        continue;
      }
      ++Compared;
      size_t At = firstDifference(Inline, Lifted);
      if (At == std::string::npos)
        continue;
      ++Mismatches;
      ADD_FAILURE() << E << ": results differ at byte " << At << ": inline "
                    << hex(Inline, At, 16) << " lifted " << hex(Lifted, At, 16);
      if (Mismatches > 40)
        return;
    }
  // Most instantiations are valid; a broken template list would show here.
  EXPECT_GT(Compared, 1200);
  EXPECT_LT(Errors, Compared / 4);
}

/// The kernel behind an expression, as its cache key names it.
std::string keyIR(const std::string &Expr, const Signature &Sig) {
  return dis(Expr, Sig, Stage::KernelIR);
}

TEST_F(LiftConstants, ConstantsAndNamesLeaveTheKey) {
  Signature AB = {{"a", DType::Float64}, {"b", DType::Float64}};
  Signature XY = {{"x", DType::Float64}, {"y", DType::Float64}};
  std::string K1 = keyIR("a*2.5 + b - 17", AB);
  EXPECT_EQ(K1, "kernel(#0: f8, #1: f8, param 0: f8, param 1: f8) -> f8 {\n"
                "  %0 = input f8 #0\n"
                "  %1 = param f8 0\n"
                "  %2 = mul f8 %0, %1\n"
                "  %3 = input f8 #1\n"
                "  %4 = add f8 %2, %3\n"
                "  %5 = param f8 1\n"
                "  %6 = sub f8 %4, %5\n"
                "  return %6\n"
                "}\n"
                "param 0 = 2.5\n"
                "param 1 = 17.0\n");
  // Only the parameter values differ.
  std::string K2 = keyIR("x*0.125 + y - 3", XY);
  EXPECT_EQ(K1.substr(0, K1.find("param 0 =")),
            K2.substr(0, K2.find("param 0 =")));
  // Values that shape the code stay: integer divisors, shift counts and
  // exponents, booleans, byte strings, NaN, constants a negation reaches.
  Signature IK = {{"i", DType::Int32}, {"s", DType::Bytes, 4}};
  auto Has = [](const std::string &Text, const char *Part) {
    return Text.find(Part) != std::string::npos;
  };
  EXPECT_TRUE(Has(keyIR("i // 7", IK), "const i4 7"));
  EXPECT_TRUE(Has(keyIR("i % 7", IK), "const i4 7"));
  EXPECT_TRUE(Has(keyIR("i << 3", IK), "const i4 3"));
  EXPECT_TRUE(Has(keyIR("i >> 3", IK), "const i4 3"));
  EXPECT_TRUE(Has(keyIR("(i > 7) ^ True", IK), "const b1 true"));
  EXPECT_TRUE(Has(keyIR("s == b'abc'", IK), "const S3 \"abc\""));
  EXPECT_TRUE(Has(keyIR("a + (1e400 - 1e400)", AB), "const f8 -nan"));
  EXPECT_TRUE(Has(keyIR("-a * 2.5", AB), "const f8 2.5"));
  EXPECT_TRUE(Has(keyIR("maximum(a, 0.0)", AB), "const f8 0.0"));
  // ... and the others go: the dividend, the shifted value, the factor.
  EXPECT_TRUE(Has(keyIR("7 % i", IK), "param i4 0"));
  EXPECT_TRUE(Has(keyIR("7 << i", IK), "param i4 0"));
  EXPECT_TRUE(Has(keyIR("i * 7 + 1", IK), "param i4 1"));
  EXPECT_TRUE(Has(keyIR("a * -1.5 + 1.0", AB), "param f8 1"));
  // At most 32 parameters; further literals stay inline (and the result
  // stays the same).
  std::string Long = "a";
  for (int K = 0; K < 40; ++K)
    Long += " + b*" + std::to_string(K + 3) + ".25";
  std::string LongKey = keyIR(Long, AB);
  EXPECT_TRUE(Has(LongKey, "param 31: f8"));
  EXPECT_FALSE(Has(LongKey, "param 32"));
  EXPECT_TRUE(Has(LongKey, "const f8 42.25"));
  Inputs In = makeInputs();
  std::string Inline = evaluate(Long, In, false);
  EXPECT_EQ(evaluate(Long, In, true), Inline);
  EXPECT_EQ(Inline.rfind("error", 0), std::string::npos) << Inline;
  // The stages before CodeGen keep their constants.
  EXPECT_NE(dis("a*2.5 + b", AB, Stage::OptIR).find("const f8 2.5"),
            std::string::npos);
}

TEST_F(LiftConstants, ConstantDifferingExpressionsShareOneKernel) {
  setenv("NEJIT_CACHE_KEY_SALT", uniqueSalt("share").c_str(), 1);
  Signature AB = {{"a", DType::Float64}, {"b", DType::Float64}};
  std::vector<double> A(100), B(100);
  for (int J = 0; J < 100; ++J) {
    A[J] = 0.37 * J - 11;
    B[J] = 5 - 0.11 * J;
  }
  const void *In[2] = {A.data(), B.data()};
  CacheStats Before = cacheStats();
  std::vector<std::vector<double>> Shared;
  for (int C = 0; C < 20; ++C) {
    std::string E = "where(a > " + std::to_string(C) + ".5, a * " +
                    std::to_string(C + 3) + ".25, b - " + std::to_string(C) +
                    ".75)";
    std::vector<double> Out(100);
    compile(E, AB).run(100, Out.data(), In);
    Shared.push_back(Out);
  }
  CacheStats After = cacheStats();
  EXPECT_EQ(After.Compiles + After.DiskHits,
            Before.Compiles + Before.DiskHits + 1);
  // The same expressions compiled one kernel each, constants inline.
  internal::setLiftConstantsForTesting(false);
  for (int C = 0; C < 20; ++C) {
    std::string E = "where(a > " + std::to_string(C) + ".5, a * " +
                    std::to_string(C + 3) + ".25, b - " + std::to_string(C) +
                    ".75)";
    std::vector<double> Out(100);
    compile(E, AB).run(100, Out.data(), In);
    EXPECT_EQ(std::memcmp(Out.data(), Shared[C].data(), 800), 0) << E;
  }
  EXPECT_EQ(cacheStats().Compiles + cacheStats().DiskHits,
            After.Compiles + After.DiskHits + 20);
}

TEST_F(LiftConstants, RenamedExpressionsShareOneKernel) {
  setenv("NEJIT_CACHE_KEY_SALT", uniqueSalt("rename").c_str(), 1);
  std::vector<float> X(50), Y(50);
  for (int J = 0; J < 50; ++J) {
    X[J] = 0.5f * J;
    Y[J] = 3.0f - J;
  }
  const void *In[2] = {X.data(), Y.data()};
  CacheStats Before = cacheStats();
  std::vector<float> First;
  for (int R = 0; R < 50; ++R) {
    std::string P = "Series_" + std::to_string(R) + "_0x7f" +
                    std::to_string(1000003 * R) + "a";
    std::string Q = "Series_" + std::to_string(R + 1) + "_0x7f" +
                    std::to_string(1000003 * R) + "a";
    Signature Sig = {{P, DType::Float32}, {Q, DType::Float32}};
    std::vector<float> Out(50);
    // An integer literal with float32 arrays is a float32 constant.
    Kernel K = compile(
        "sqrt(" + P + "**2 + " + Q + "**2) * " + std::to_string(R + 3), Sig);
    ASSERT_EQ(K.resultType(), DType::Float32);
    K.run(50, Out.data(), In);
    std::vector<float> Want(50);
    for (int J = 0; J < 50; ++J)
      Want[J] = std::sqrt(X[J] * X[J] + Y[J] * Y[J]) * (float)(R + 3);
    EXPECT_EQ(std::memcmp(Out.data(), Want.data(), 200), 0) << R;
  }
  CacheStats After = cacheStats();
  EXPECT_EQ(After.Compiles + After.DiskHits,
            Before.Compiles + Before.DiskHits + 1);
}

TEST_F(LiftConstants, BroadcastAndStridedOperandsWithParameters) {
  // A 2-D run whose second input is broadcast along rows and whose first is
  // a strided view: the parameters ride along with stride 0 in every
  // dimension.
  Signature AB = {{"a", DType::Float64}, {"b", DType::Float64}};
  std::vector<double> A(2 * 6 * 7), B(7);
  for (size_t J = 0; J < A.size(); ++J)
    A[J] = 0.25 * (double)J - 9;
  for (size_t J = 0; J < B.size(); ++J)
    B[J] = 1.5 * (double)J - 2;
  int64_t Shape[2] = {6, 7};
  int64_t AStr[2] = {2 * 7 * 8, 2 * 8}, BStr[2] = {0, 8}, OStr[2] = {7 * 8, 8};
  for (bool Lift : {false, true}) {
    internal::setLiftConstantsForTesting(Lift);
    for (const char *E : {"a * 2.75 - b * 0.5 + 4", "sum(a * 3.5 + b)"}) {
      Kernel K = compile(E, AB);
      bool Reduce = K.reduction() != Reduction::None;
      std::vector<double> Out(Reduce ? 1 : 42, -1);
      int64_t RStr[2] = {0, 0};
      ArrayView Views[2] = {{A.data(), AStr}, {B.data(), BStr}};
      K.run(2, Shape, {Out.data(), Reduce ? RStr : OStr}, Views);
      double Sum = 0;
      for (int R = 0; R < 6; ++R)
        for (int C = 0; C < 7; ++C) {
          double X = A[R * 14 + 2 * C], Y = B[C];
          double V = Reduce ? X * 3.5 + Y : X * 2.75 - Y * 0.5 + 4;
          if (Reduce)
            Sum += V;
          else
            EXPECT_EQ(Out[R * 7 + C], V) << E;
        }
      if (Reduce)
        EXPECT_DOUBLE_EQ(Out[0], Sum) << E;
    }
  }
}

} // namespace
