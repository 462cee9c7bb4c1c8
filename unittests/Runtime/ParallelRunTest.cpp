//===- unittests/Runtime/ParallelRunTest.cpp - The OpenMP paths, checked --===//
/// \file
/// Runs that are large enough for the runtime to split them over threads
/// (more than runtime::SerialThreshold elements), compared with one thread
/// and with plain loops: element-wise with strided and broadcast operands,
/// full and axis reductions, and several caller threads that each run
/// parallel kernels at once. Small enough to be cheap under TSan, which
/// scripts/sanitizers.sh runs them with (and with libomp's Archer tool).
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <thread>
#include <vector>

using namespace nejit;

namespace {

/// Sets the thread count for one scope.
class ThreadCount {
public:
  explicit ThreadCount(int N)
      : Old(setNumThreads(std::max(1, std::min(N, maxThreads())))) {}
  ~ThreadCount() { setNumThreads(Old); }

private:
  int Old;
};

std::vector<double> ramp(size_t N, double Scale) {
  std::vector<double> V(N);
  for (size_t I = 0; I < N; ++I)
    V[I] = std::sin(double(I) * Scale) * 10.0;
  return V;
}

constexpr int64_t N = 200003; // several chunks, and a ragged end

TEST(ParallelRun, ElementwiseMatchesOneThreadAndALoop) {
  Kernel K = compile("2*a + 3*b - sqrt(abs(a))",
                     {{"a", DType::Float64}, {"b", DType::Float64}});
  std::vector<double> A = ramp(N, 0.001), B = ramp(N, 0.003);
  const void *In[] = {A.data(), B.data()};
  std::vector<double> One(N), Many(N);
  {
    ThreadCount T(1);
    K.run(N, One.data(), In);
  }
  {
    ThreadCount T(4);
    K.run(N, Many.data(), In);
  }
  for (int64_t I = 0; I < N; ++I) {
    ASSERT_EQ(Many[I], One[I]) << I;
    ASSERT_NEAR(One[I], 2 * A[I] + 3 * B[I] - std::sqrt(std::fabs(A[I])),
                1e-12 * (1 + std::fabs(One[I])))
        << I;
  }
}

TEST(ParallelRun, StridedAndBroadcastOperands) {
  // out[r][c] = a[r][2c] * x + b[c] over a 500 x 401 space.
  const int64_t Rows = 500, Cols = 401;
  Kernel K = compile(
      "a * x + b",
      {{"a", DType::Float64}, {"x", DType::Float64}, {"b", DType::Float64}});
  std::vector<double> A = ramp(size_t(Rows * Cols * 2), 0.01), X = {-1.5},
                      B = ramp(size_t(Cols), 0.5), Out(size_t(Rows * Cols));
  int64_t Shape[] = {Rows, Cols};
  int64_t OS[] = {Cols * 8, 8}, AS[] = {Cols * 16, 16}, XS[] = {0, 0},
          BS[] = {0, 8};
  ArrayView In[] = {{A.data(), AS}, {X.data(), XS}, {B.data(), BS}};
  ThreadCount T(4);
  K.run(2, Shape, {Out.data(), OS}, In);
  for (int64_t R = 0; R < Rows; ++R)
    for (int64_t C = 0; C < Cols; ++C)
      ASSERT_EQ(Out[R * Cols + C], A[R * Cols * 2 + 2 * C] * -1.5 + B[C])
          << R << "," << C;
}

TEST(ParallelRun, FullReductions) {
  std::vector<double> A = ramp(N, 0.0007);
  long double Sum = 0;
  double Min = INFINITY, Max = -INFINITY;
  for (double V : A) {
    Sum += V;
    Min = std::min(Min, V);
    Max = std::max(Max, V);
  }
  const void *In[] = {A.data()};
  ThreadCount T(4);
  double Out = 0, Again = 0;
  Kernel S = compile("sum(a)", {{"a", DType::Float64}});
  S.run(N, &Out, In);
  EXPECT_NEAR(Out, double(Sum), 1e-9 * (1 + std::fabs(double(Sum))));
  S.run(N, &Again, In);
  EXPECT_EQ(Again, Out) << "the same thread count gave another sum";
  compile("min(a)", {{"a", DType::Float64}}).run(N, &Out, In);
  EXPECT_EQ(Out, Min);
  compile("max(a)", {{"a", DType::Float64}}).run(N, &Out, In);
  EXPECT_EQ(Out, Max);
}

TEST(ParallelRun, AxisReductions) {
  const int64_t Rows = 400, Cols = 1001;
  std::vector<double> M = ramp(size_t(Rows * Cols), 0.013);
  int64_t Shape[] = {Rows, Cols}, MS[] = {Cols * 8, 8};
  ArrayView In[] = {{M.data(), MS}};
  ThreadCount T(4);

  std::vector<double> RowSums(static_cast<size_t>(Rows));
  int64_t RS[] = {8, 0};
  compile("sum(a, axis=1)", {{"a", DType::Float64}})
      .run(2, Shape, {RowSums.data(), RS}, In);
  for (int64_t R = 0; R < Rows; ++R) {
    double Want = 0;
    for (int64_t C = 0; C < Cols; ++C)
      Want += M[R * Cols + C];
    ASSERT_NEAR(RowSums[R], Want, 1e-9 * (1 + std::fabs(Want))) << R;
  }

  std::vector<double> ColMax(static_cast<size_t>(Cols));
  int64_t CS[] = {0, 8};
  compile("max(a, axis=0)", {{"a", DType::Float64}})
      .run(2, Shape, {ColMax.data(), CS}, In);
  for (int64_t C = 0; C < Cols; ++C) {
    double Want = -INFINITY;
    for (int64_t R = 0; R < Rows; ++R)
      Want = std::max(Want, M[R * Cols + C]);
    ASSERT_EQ(ColMax[C], Want) << C;
  }
}

TEST(ParallelRun, ConcurrentCallersEachRunInParallel) {
  // Four caller threads, each running parallel kernels (OpenMP teams of
  // two) on its own data; every result must equal the serial one.
  Kernel K = compile("where(a > b, a * b, a - b)",
                     {{"a", DType::Float64}, {"b", DType::Float64}});
  std::vector<double> A = ramp(N, 0.002), B = ramp(N, 0.0031);
  std::vector<double> Want(N);
  for (int64_t I = 0; I < N; ++I)
    Want[I] = A[I] > B[I] ? A[I] * B[I] : A[I] - B[I];
  ThreadCount T(2);
  std::vector<int> Bad(4, 0);
  std::vector<std::thread> Callers;
  for (int C = 0; C < 4; ++C)
    Callers.emplace_back([&, C] {
      std::vector<double> Out(N);
      const void *In[] = {A.data(), B.data()};
      for (int Rep = 0; Rep < 5; ++Rep) {
        std::fill(Out.begin(), Out.end(), -1.0);
        K.run(N, Out.data(), In);
        Bad[C] += Out != Want;
      }
    });
  for (std::thread &Th : Callers)
    Th.join();
  for (int C = 0; C < 4; ++C)
    EXPECT_EQ(Bad[C], 0) << "caller " << C;
}

} // namespace
