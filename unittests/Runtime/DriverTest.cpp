//===- unittests/Runtime/DriverTest.cpp - Run limits and cancellation -----===//
/// \file
/// Kernel::run on iteration spaces whose size or byte span overflows int64
/// (an error, never a wrapped count), and the cancellation flag the runtime
/// polls between kernel calls.
//===----------------------------------------------------------------------===//
#include "Runtime/Driver.h"
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

using namespace nejit;

namespace {

/// Expects Kernel::run to throw numpy's "iterator is too large".
template <typename F> void expectTooLarge(F Run) {
  try {
    Run();
    FAIL() << "no error";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Value);
    EXPECT_EQ(E.message(), "iterator is too large");
  }
}

TEST(DriverTest, ElementCountOverflowThrows) {
  Kernel K =
      compile("sum(a*b)", {{"a", DType::Float64}, {"b", DType::Float64}});
  double A = 1, B = 1, Out = -7;
  const int64_t Zero[2] = {0, 0};
  ArrayView In[] = {{&A, Zero}, {&B, Zero}};
  // (2**32 + 1) * 2**32 wrapped to 2**32 before; 2**32 * 2**32 to 0.
  for (int64_t First : {(int64_t(1) << 32) + 1, int64_t(1) << 32}) {
    const int64_t Shape[2] = {First, int64_t(1) << 32};
    expectTooLarge([&] { K.run(2, Shape, {&Out, Zero}, In); });
  }
  EXPECT_EQ(Out, -7); // nothing was written
}

TEST(DriverTest, ByteSpanOverflowThrows) {
  Kernel K = compile("a + 1", {{"a", DType::Float64}});
  double A[4] = {}, Out[4] = {};
  // Four elements 2**62 bytes apart: the count fits, the span does not.
  const int64_t Shape[1] = {4}, Huge[1] = {int64_t(1) << 62}, Eight[1] = {8};
  ArrayView In[] = {{A, Huge}};
  expectTooLarge([&] { K.run(1, Shape, {Out, Eight}, In); });
  ArrayView InOk[] = {{A, Eight}};
  const int64_t Negative[1] = {INT64_MIN};
  expectTooLarge([&] { K.run(1, Shape, {Out, Negative}, InOk); });
}

TEST(DriverTest, EmptyRunWithHugeExtentsIsEmpty) {
  Kernel K = compile("a * 2", {{"a", DType::Float64}});
  double A = 1, Out = -7;
  const int64_t Shape[3] = {int64_t(1) << 40, 0, int64_t(1) << 40};
  const int64_t Zero[3] = {0, 0, 0};
  ArrayView In[] = {{&A, Zero}};
  K.run(3, Shape, {&Out, Zero}, In);
  EXPECT_EQ(Out, -7);
}

TEST(DriverTest, CheckSpaceAcceptsLargeButAddressableSpaces) {
  runtime::RunRequest R;
  const int64_t Shape[2] = {int64_t(1) << 31, int64_t(1) << 31};
  const int64_t OutStrides[2] = {0, 0}, InStrides[2] = {0, 8};
  R.NDim = 2;
  R.Shape = Shape;
  R.Data = {nullptr, nullptr};
  R.Strides = {OutStrides, InStrides};
  R.ElemSizes = {8, 8};
  EXPECT_FALSE(llvm::errorToBool(runtime::checkSpace(R)));
  const int64_t Big[2] = {0, int64_t(1) << 33}; // (2**31 - 1) * 2**33
  R.Strides[1] = Big;
  EXPECT_TRUE(llvm::errorToBool(runtime::checkSpace(R)));
}

/// Runs with a flag that is already set: a run longer than one kernel call
/// stops before its first call, whatever the thread count.
TEST(DriverTest, SetCancelFlagStopsBeforeTheFirstCall) {
  Kernel Elementwise = compile("a * 2", {{"a", DType::Float64}});
  Kernel Sum = compile("sum(a)", {{"a", DType::Float64}});
  const int64_t N = 8 * runtime::CancelGrain;
  std::vector<double> A(N, 1.0), Out(N, -7.0);
  const int64_t Eight[1] = {8}, Zero[1] = {0};
  ArrayView In[] = {{A.data(), Eight}};
  std::atomic<bool> Cancel{true};
  int Prev = getNumThreads();
  for (int Threads : {1, 2}) {
    setNumThreads(std::min(Threads, maxThreads()));
    Elementwise.run(1, &N, {Out.data(), Eight}, In, &Cancel);
    for (int64_t I = 0; I < N; ++I)
      ASSERT_EQ(Out[I], -7.0) << I;
    double Total = -7;
    Sum.run(1, &N, {&Total, Zero}, In, &Cancel);
    EXPECT_EQ(Total, -7); // a cancelled total is not stored
  }
  Cancel = false;
  Elementwise.run(1, &N, {Out.data(), Eight}, In, &Cancel);
  for (int64_t I = 0; I < N; ++I)
    ASSERT_EQ(Out[I], 2.0) << I;
  double Total = 0;
  Sum.run(1, &N, {&Total, Zero}, In, &Cancel);
  EXPECT_EQ(Total, double(N));
  setNumThreads(Prev);
}

/// A run of minutes (2**36 elements of a broadcast scalar) cancelled from
/// another thread returns within a fraction of a second.
TEST(DriverTest, CancelFlagStopsALongRunSoon) {
  using Clock = std::chrono::steady_clock;
  Kernel K = compile("sum(sin(a) * cos(a))", {{"a", DType::Float64}});
  double A = 0.5, Out = -7;
  const int64_t N = int64_t(1) << 36, Zero[1] = {0};
  ArrayView In[] = {{&A, Zero}};
  std::atomic<bool> Cancel{false};
  // Compile this layout's variant first: compiling is not cancellable.
  const int64_t Small = 1000;
  K.run(1, &Small, {&Out, Zero}, In, &Cancel);
  Out = -7;
  Clock::time_point SetAt;
  std::thread Canceller([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    SetAt = Clock::now();
    Cancel = true;
  });
  K.run(1, &N, {&Out, Zero}, In, &Cancel);
  Clock::time_point Returned = Clock::now();
  Canceller.join();
  EXPECT_LT(std::chrono::duration<double>(Returned - SetAt).count(), 0.5);
  EXPECT_EQ(Out, -7);
}

} // namespace
