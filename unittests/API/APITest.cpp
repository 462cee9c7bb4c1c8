//===- unittests/API/APITest.cpp - The public C++ API end to end ----------===//
/// \file
/// compile() through the real pipeline (parse, Sema, passes, CodeGen, ORC,
/// OpenMP runtime) checked against plain C++ loops.
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <cmath>
#include <complex>
#include <cstring>
#include <numeric>
#include <random>
#include <thread>

using namespace nejit;

namespace {

std::vector<double> randomDoubles(size_t N, unsigned Seed, double Lo = -10,
                                  double Hi = 10) {
  std::mt19937_64 G(Seed);
  std::uniform_real_distribution<double> D(Lo, Hi);
  std::vector<double> V(N);
  for (double &X : V)
    X = D(G);
  return V;
}

TEST(APITest, LinearCombinationMatchesLoop) {
  Kernel K =
      compile("2*a + 3*b", {{"a", DType::Float64}, {"b", DType::Float64}});
  EXPECT_EQ(K.resultType(), DType::Float64);
  // Sizes around the vector width and the parallel threshold.
  for (size_t N : {0u, 1u, 7u, 8u, 9u, 1000u, 100003u}) {
    auto A = randomDoubles(N, 1), B = randomDoubles(N, 2);
    std::vector<double> Out(N, -1);
    const void *In[] = {A.data(), B.data()};
    K.run((int64_t)N, Out.data(), In);
    for (size_t I = 0; I < N; ++I)
      ASSERT_EQ(Out[I], 2 * A[I] + 3 * B[I]) << "N=" << N << " i=" << I;
  }
}

TEST(APITest, UnaryMinusParenthesesDivision) {
  Kernel K = compile("-(a - b) / (b + 0.5)",
                     {{"a", DType::Float64}, {"b", DType::Float64}});
  auto A = randomDoubles(1001, 3), B = randomDoubles(1001, 4, 0, 1);
  std::vector<double> Out(A.size());
  const void *In[] = {A.data(), B.data()};
  K.run((int64_t)A.size(), Out.data(), In);
  for (size_t I = 0; I < A.size(); ++I)
    ASSERT_EQ(Out[I], -(A[I] - B[I]) / (B[I] + 0.5));
}

TEST(APITest, TranscendentalsWithinOneUlpOfLibm) {
  Kernel K = compile("sin(a)**2 + cos(a)**2", {{"a", DType::Float64}});
  auto A = randomDoubles(4099, 5);
  std::vector<double> Out(A.size());
  const void *In[] = {A.data()};
  K.run((int64_t)A.size(), Out.data(), In);
  for (size_t I = 0; I < A.size(); ++I)
    ASSERT_NEAR(Out[I], 1.0, 4e-16) << A[I];
}

TEST(APITest, ResultTypesFollowNumexpr) {
  auto Type = [](const char *E, Signature S) {
    return compile(E, S).resultType();
  };
  EXPECT_EQ(Type("a + b", {{"a", DType::Int32}, {"b", DType::Float32}}),
            DType::Float32);
  EXPECT_EQ(Type("a * 2.0", {{"a", DType::Float32}}), DType::Float64);
  EXPECT_EQ(Type("a * 2", {{"a", DType::Float32}}), DType::Float32);
  EXPECT_EQ(Type("a / b", {{"a", DType::Int32}, {"b", DType::Int32}}),
            DType::Float64);
  EXPECT_EQ(Type("a ** 2.0", {{"a", DType::Int32}}), DType::Int32);
  EXPECT_EQ(Type("abs(a)", {{"a", DType::Int32}}), DType::Float64);
  EXPECT_EQ(Type("a > 1", {{"a", DType::Int64}}), DType::Bool);
  EXPECT_EQ(Type("a + 1j", {{"a", DType::Float32}}), DType::Complex128);
}

TEST(APITest, IntegerSemantics) {
  Kernel K = compile("a // b + a % b * 1000",
                     {{"a", DType::Int32}, {"b", DType::Int32}});
  std::vector<int32_t> A = {7, -7, 7, -7, 5, INT32_MIN, 3};
  std::vector<int32_t> B = {2, 2, -2, -2, 0, -1, 0};
  std::vector<int32_t> Out(A.size());
  const void *In[] = {A.data(), B.data()};
  K.run((int64_t)A.size(), Out.data(), In);
  auto PyFloorDiv = [](int64_t X, int64_t Y) -> int64_t {
    if (Y == 0)
      return 0;
    int64_t Q = X / Y;
    if ((X % Y != 0) && ((X < 0) != (Y < 0)))
      --Q;
    return Q;
  };
  auto PyMod = [](int64_t X, int64_t Y) -> int64_t {
    return Y == 0 ? 0 : ((X % Y) + Y) % Y;
  };
  for (size_t I = 0; I < A.size(); ++I)
    EXPECT_EQ(Out[I],
              (int32_t)(PyFloorDiv(A[I], B[I]) + PyMod(A[I], B[I]) * 1000))
        << A[I] << " " << B[I];
}

TEST(APITest, BroadcastAndStridedOperands) {
  Kernel K = compile(
      "a * x + b",
      {{"a", DType::Float64}, {"x", DType::Float64}, {"b", DType::Float64}});
  const int64_t Rows = 3, Cols = 5;
  std::vector<double> A(Rows * Cols * 2), X = {2.5}, B(Cols);
  std::iota(A.begin(), A.end(), 0.0);
  std::iota(B.begin(), B.end(), 100.0);
  std::vector<double> Out(Rows * Cols);
  int64_t Shape[] = {Rows, Cols};
  int64_t OutStrides[] = {Cols * 8, 8};
  int64_t AStrides[] = {Cols * 16, 16}; // every other element
  int64_t XStrides[] = {0, 0};          // a scalar
  int64_t BStrides[] = {0, 8};          // a row broadcast down
  ArrayView In[] = {
      {A.data(), AStrides}, {X.data(), XStrides}, {B.data(), BStrides}};
  K.run(2, Shape, {Out.data(), OutStrides}, In);
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t C = 0; C < Cols; ++C)
      EXPECT_EQ(Out[R * Cols + C], A[R * Cols * 2 + 2 * C] * 2.5 + B[C]);
}

TEST(APITest, Reductions) {
  auto A = randomDoubles(100001, 7);
  double Sum = 0, Min = INFINITY;
  for (double X : A) {
    Sum += X;
    Min = std::min(Min, X);
  }
  double Out = 0;
  const void *In[] = {A.data()};
  compile("sum(a)", {{"a", DType::Float64}}).run((int64_t)A.size(), &Out, In);
  EXPECT_NEAR(Out, Sum, 1e-9 * std::fabs(Sum) + 1e-9);
  compile("min(a)", {{"a", DType::Float64}}).run((int64_t)A.size(), &Out, In);
  EXPECT_EQ(Out, Min);

  // Axis 1 of a 2x3 int32 array; sum(int32) stays int32 as in numexpr.
  Kernel K = compile("sum(a, axis=1)", {{"a", DType::Int32}});
  EXPECT_EQ(K.resultType(), DType::Int32);
  std::vector<int32_t> M = {1, 2, 3, 4, 5, 6}, R(2);
  int64_t Shape[] = {2, 3}, MS[] = {12, 4}, RS[] = {4, 0};
  ArrayView MV[] = {{M.data(), MS}};
  K.run(2, Shape, {R.data(), RS}, MV);
  EXPECT_EQ(R[0], 6);
  EXPECT_EQ(R[1], 15);
}

TEST(APITest, ComplexArithmetic) {
  Kernel K = compile("a * b - a / b",
                     {{"a", DType::Complex128}, {"b", DType::Complex128}});
  std::vector<std::complex<double>> A = {{1, 2}, {3, -4}, {0.5, 0.25}},
                                    B = {{2, 1}, {-1, 1}, {4, -3}}, Out(3);
  const void *In[] = {A.data(), B.data()};
  K.run(3, Out.data(), In);
  for (size_t I = 0; I < A.size(); ++I) {
    std::complex<double> E = A[I] * B[I] - A[I] / B[I];
    EXPECT_NEAR(Out[I].real(), E.real(), 1e-14);
    EXPECT_NEAR(Out[I].imag(), E.imag(), 1e-14);
  }
}

TEST(APITest, ErrorsCarryKindAndColumn) {
  try {
    compile("2*a + sine(b)", {{"a", DType::Float64}, {"b", DType::Float64}});
    FAIL() << "no error";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Type);
    EXPECT_EQ(E.column(), 7);
    EXPECT_NE(std::string(E.what()).find("unknown function 'sine'"),
              std::string::npos);
  }
  EXPECT_THROW(compile("a +", {{"a", DType::Float64}}), Error);
  try {
    compile("a + c", {{"a", DType::Float64}});
    FAIL();
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Key);
    EXPECT_EQ(E.column(), 5);
  }
  try {
    compile("a + mean(s)", {{"a", DType::Float64}, {"s", DType::Bytes, 4}});
    FAIL();
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Type);
    EXPECT_EQ(E.column(), 5);
  }
}

TEST(APITest, ConcurrentCompileAndRun) {
  std::vector<std::thread> Threads;
  std::vector<int> Ok(8, 0);
  for (int T = 0; T < 8; ++T)
    Threads.emplace_back([T, &Ok] {
      Kernel K =
          compile("a * 3 - " + std::to_string(T % 3), {{"a", DType::Float64}});
      std::vector<double> A(5000, 1.5), Out(5000);
      const void *In[] = {A.data()};
      K.run(5000, Out.data(), In);
      Ok[T] = Out[4999] == 4.5 - (T % 3);
    });
  for (auto &T : Threads)
    T.join();
  for (int T = 0; T < 8; ++T)
    EXPECT_TRUE(Ok[T]) << T;
}

TEST(APITest, VariableNamesInOrder) {
  EXPECT_EQ(variableNames("where(x > 0, log(y), x) + sum(z)"),
            (std::vector<std::string>{"x", "y", "z"}));
}

} // namespace

namespace {

// Outputs past Runtime's StreamingThreshold are written with non-temporal
// stores after a scalar peel; check every element at misaligned starts and
// for several result types, against the same kernel on a small array.
template <typename T>
void checkLargeOutput(const char *Expr, DType In, size_t Offset) {
  const size_t N = (24u << 20) / sizeof(T) + 13; // > 16 MiB of output
  std::vector<double> Src(N + 64);
  for (size_t I = 0; I < Src.size(); ++I)
    Src[I] = std::sin((double)I) * 100;
  std::vector<float> SrcF(Src.begin(), Src.end());
  const void *Data = In == DType::Float64 ? (const void *)Src.data()
                                          : (const void *)SrcF.data();
  Kernel K = compile(Expr, {{"a", In}});
  // Out starts Offset elements into an aligned buffer.
  std::vector<T> Big(N + 64), Small(N);
  const void *Inputs[] = {Data};
  K.run((int64_t)N, Big.data() + Offset, Inputs);
  // Reference: the same kernel in small (cache-resident, plain) pieces.
  const size_t Piece = 4096;
  for (size_t I = 0; I < N; I += Piece) {
    size_t Len = std::min(Piece, N - I);
    const void *PieceIn[] = {In == DType::Float64
                                 ? (const void *)(Src.data() + I)
                                 : (const void *)(SrcF.data() + I)};
    K.run((int64_t)Len, Small.data() + I, PieceIn);
  }
  for (size_t I = 0; I < N; ++I)
    ASSERT_EQ(std::memcmp(&Big[Offset + I], &Small[I], sizeof(T)), 0)
        << Expr << " offset " << Offset << " at " << I;
}

TEST(APITest, LargeOutputsStreamCorrectly) {
  for (size_t Offset : {0u, 1u, 3u, 7u}) {
    checkLargeOutput<double>("2*a + 1", DType::Float64, Offset);
    checkLargeOutput<float>("a * 3", DType::Float32, Offset);
    checkLargeOutput<std::complex<double>>("a + 1j", DType::Float64, Offset);
    checkLargeOutput<int32_t>("where(a > 0, 1, -1)", DType::Float32, Offset);
  }
}

} // namespace

namespace {

TEST(APITest, UsedVariableNamesFollowNumexpr) {
  EXPECT_EQ(usedVariableNames("where(2 > 1, a, b) + c"),
            (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(variableNames("where(2 > 1, a, b) + c"),
            (std::vector<std::string>{"a", "b", "c"}));
  // An unbound name that the program never reads is not an error...
  EXPECT_EQ(compile("where(0 > 0, x, 1.5)", {}).resultType(), DType::Float64);
  // ...one it reads is, at its position.
  try {
    compile("a + x", {{"a", DType::Float64}});
    FAIL();
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Key);
    EXPECT_EQ(E.column(), 5);
  }
}

} // namespace
