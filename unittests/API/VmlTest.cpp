//===- unittests/API/VmlTest.cpp - The VML backend through the C++ API ----===//
/// \file
/// Options::Backend: the block loop printed without MKL, a clear error when
/// MKL is missing, and (when MKL is installed in the checkout's .venv, as
/// scripts/setup.sh does) VML kernels that agree with Sleef's.
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <cmath>
#include <random>
#include <string>

using namespace nejit;

namespace {

const Signature F8 = {{"a", DType::Float64}};

Options withBackend(MathBackend B, Accuracy A = Accuracy::High) {
  Options O;
  O.Backend = B;
  O.Acc = A;
  return O;
}

/// MKL where setup.sh installs it; found before the first vmlStatus().
const VmlStatus &status() {
  static const VmlStatus S = [] {
#ifdef NEJIT_TEST_VENV
    addVmlSearchPrefix(NEJIT_TEST_VENV);
#endif
    return vmlStatus();
  }();
  return S;
}

TEST(VmlTest, DisPrintsTheBlockLoopWithoutLoadingMkl) {
  std::string IR = dis("2*sin(a) + 1", F8, Stage::LLVM,
                       withBackend(MathBackend::VML, Accuracy::Low));
  EXPECT_NE(IR.find("block.head:"), std::string::npos) << IR;
  // VML_LA | VML_ERRMODE_IGNORE.
  EXPECT_NE(IR.find("call void @vmdSin(i32 %block.len32"), std::string::npos);
  EXPECT_NE(IR.find("i64 257)"), std::string::npos);
  std::string Sleef =
      dis("2*sin(a) + 1", F8, Stage::LLVM, withBackend(MathBackend::Sleef));
  EXPECT_EQ(Sleef.find("vmdSin"), std::string::npos);
  EXPECT_NE(Sleef.find("Sleef_sin"), std::string::npos);
}

TEST(VmlTest, CompileWithoutMklIsAClearError) {
  if (status().Available)
    GTEST_SKIP() << "MKL is available: " << status().Version;
  try {
    compile("sin(a)", F8, withBackend(MathBackend::VML));
    FAIL() << "expected an error";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Runtime);
    EXPECT_NE(E.message().find("needs Intel MKL"), std::string::npos)
        << E.message();
  }
}

TEST(VmlTest, BlockLoopAgreesWithSleef) {
  if (!status().Available)
    GTEST_SKIP() << "MKL not available: " << status().Problem;
  Signature Sig = {{"a", DType::Float64}, {"b", DType::Float64}};
  const char *Expr = "exp(a / 3) * sin(b) + log1p(abs(a)) - a";
  Kernel V = compile(Expr, Sig, withBackend(MathBackend::VML));
  Kernel S = compile(Expr, Sig, withBackend(MathBackend::Sleef));
  EXPECT_NE(V.dis(Stage::LLVM).find("vmdExp"), std::string::npos);
  std::mt19937_64 G(7);
  std::uniform_real_distribution<double> D(-5, 5);
  for (size_t N : {1u, 1023u, 1024u, 1025u, 70001u}) {
    std::vector<double> A(N), B(N), OutV(N), OutS(N);
    for (size_t I = 0; I < N; ++I) {
      A[I] = D(G);
      B[I] = D(G);
    }
    const void *In[] = {A.data(), B.data()};
    V.run((int64_t)N, OutV.data(), In);
    S.run((int64_t)N, OutS.data(), In);
    for (size_t I = 0; I < N; ++I)
      ASSERT_NEAR(OutV[I], OutS[I], 1e-13 * (1 + std::fabs(OutS[I])))
          << "n=" << N << " i=" << I;
  }
}

} // namespace
