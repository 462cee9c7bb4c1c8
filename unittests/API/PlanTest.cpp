//===- unittests/API/PlanTest.cpp - Plans and programs through the C++ API ===//
/// \file
/// What only the C++ API shows of nejit's extensions: programs with several
/// outputs, Kernel::outputs/outputShapes/run(outputs, inputs) with inputs of
/// their own shapes, the original run() on a plan, and the reduce passes'
/// independence from the thread count; checked against plain loops.
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include "gtest/gtest.h"

#include <cmath>
#include <numeric>
#include <random>

using namespace nejit;

namespace {

std::vector<double> randomDoubles(size_t N, unsigned Seed) {
  std::mt19937_64 G(Seed);
  std::normal_distribution<double> D(1.0, 2.0);
  std::vector<double> V(N);
  for (double &X : V)
    X = D(G);
  return V;
}

/// A contiguous view of V with Shape.
struct View {
  std::vector<int64_t> Shape, Strides;
  NdArray A;
  View(void *Data, std::vector<int64_t> S, int64_t Elem = 8)
      : Shape(std::move(S)) {
    Strides.assign(Shape.size(), Elem);
    for (int D = (int)Shape.size() - 2; D >= 0; --D)
      Strides[D] = Strides[D + 1] * Shape[D + 1];
    A = {Data, (int)Shape.size(), Shape.data(), Strides.data()};
  }
};

const Signature AB = {{"a", DType::Float64}, {"b", DType::Float64}};

TEST(PlanTest, TwoOutputsInOnePass) {
  Kernel K = compile("x = a + b; y = a * b", AB);
  EXPECT_TRUE(K.isPlan());
  EXPECT_EQ(K.passes(), 1);
  auto Outs = K.outputs();
  ASSERT_EQ(Outs.size(), 2u);
  EXPECT_EQ(Outs[0].Name, "x");
  EXPECT_EQ(Outs[1].Name, "y");
  for (size_t N : {0u, 1u, 9u, 100003u}) {
    auto A = randomDoubles(N, 1), B = randomDoubles(N, 2);
    std::vector<double> X(N, -1), Y(N, -1);
    View VA(A.data(), {(int64_t)N}), VB(B.data(), {(int64_t)N});
    View VX(X.data(), {(int64_t)N}), VY(Y.data(), {(int64_t)N});
    NdArray Ins[] = {VA.A, VB.A}, Res[] = {VX.A, VY.A};
    K.run(Res, Ins);
    for (size_t I = 0; I < N; ++I) {
      ASSERT_EQ(X[I], A[I] + B[I]);
      ASSERT_EQ(Y[I], A[I] * B[I]);
    }
  }
}

TEST(PlanTest, StandardizationIsTwoPasses) {
  Kernel K = compile("(a - mean(a)) / std(a)", {{"a", DType::Float64}});
  EXPECT_EQ(K.passes(), 2);
  EXPECT_NE(K.dis(Stage::Plan).find("2 passes over memory"), std::string::npos);
  size_t N = 50001;
  auto A = randomDoubles(N, 3);
  double Mean = std::accumulate(A.begin(), A.end(), 0.0) / N, M2 = 0;
  for (double X : A)
    M2 += (X - Mean) * (X - Mean);
  double Std = std::sqrt(M2 / N);
  std::vector<double> Out(N);
  // The original run(): every input of the iteration shape.
  int64_t Shape[] = {(int64_t)N}, Stride[] = {8};
  ArrayView In{A.data(), Stride};
  K.run(1, Shape, ArrayView{Out.data(), Stride}, &In);
  for (size_t I = 0; I < N; ++I)
    ASSERT_NEAR(Out[I], (A[I] - Mean) / Std, 1e-12);
}

TEST(PlanTest, InputsKeepTheirShapes) {
  // v (4,) against sum(m, axis=0) (4,): the result is (4,), not (3,4).
  Kernel K = compile("v + sum(m, axis=0)",
                     {{"v", DType::Float64}, {"m", DType::Float64}});
  auto Shapes = K.outputShapes({{4}, {3, 4}});
  ASSERT_EQ(Shapes.size(), 1u);
  EXPECT_EQ(Shapes[0], (std::vector<int64_t>{4}));
  std::vector<double> V{1, 2, 3, 4}, M(12), Out(4);
  std::iota(M.begin(), M.end(), 0.0);
  View VV(V.data(), {4}), VM(M.data(), {3, 4}), VO(Out.data(), {4});
  NdArray Ins[] = {VV.A, VM.A};
  K.run(&VO.A, Ins);
  for (int J = 0; J < 4; ++J)
    EXPECT_EQ(Out[J], V[J] + (M[J] + M[4 + J] + M[8 + J]));
  // keepdims broadcasts against the rows.
  Kernel C =
      compile("m - mean(m, axis=1, keepdims=True)", {{"m", DType::Float64}});
  std::vector<double> R(12);
  View VR(R.data(), {3, 4});
  C.run(&VR.A, &VM.A);
  for (int I = 0; I < 3; ++I)
    for (int J = 0; J < 4; ++J)
      EXPECT_EQ(R[I * 4 + J], M[I * 4 + J] - (M[I * 4] + 1.5));
}

TEST(PlanTest, BroadcastErrorsCarryTheColumn) {
  Kernel K = compile("m - mean(m, axis=1)", {{"m", DType::Float64}});
  try {
    K.outputShapes({{5, 4}});
    FAIL();
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Value);
    EXPECT_EQ(E.column(), 3);
    EXPECT_NE(E.message().find("(5,4) (5,)"), std::string::npos);
  }
  // A wrong output shape is refused before anything is written.
  std::vector<double> M(6, 1.0), Out(3, 7.0);
  Kernel S = compile("m - mean(m)", {{"m", DType::Float64}});
  View VM(M.data(), {6}), VO(Out.data(), {3});
  EXPECT_THROW(S.run(&VO.A, &VM.A), Error);
  EXPECT_EQ(Out, std::vector<double>(3, 7.0));
}

TEST(PlanTest, OneLoopKernelsRunWithShapesToo) {
  Kernel K = compile("sum(m * 2, axis=1)", {{"m", DType::Float64}});
  EXPECT_FALSE(K.isPlan());
  std::vector<double> M(6), Out(2);
  std::iota(M.begin(), M.end(), 1.0);
  View VM(M.data(), {2, 3}), VO(Out.data(), {2});
  K.run(&VO.A, &VM.A);
  EXPECT_EQ(Out[0], 12.0);
  EXPECT_EQ(Out[1], 30.0);
  Kernel E = compile("a + b", AB);
  std::vector<double> A{1, 2, 3}, B{10}, R(3);
  View VA(A.data(), {3}), VB(B.data(), {1}), VR(R.data(), {3});
  NdArray Ins[] = {VA.A, VB.A};
  E.run(&VR.A, Ins);
  EXPECT_EQ(R, (std::vector<double>{11, 12, 13}));
}

TEST(PlanTest, ReducePassesIgnoreTheThreadCount) {
  Kernel K = compile("x = sum(a) + 0; y = var(a, ddof=1) + 0; z = max(a) + 0",
                     {{"a", DType::Float64}});
  size_t N = 1000003;
  auto A = randomDoubles(N, 4);
  View VA(A.data(), {(int64_t)N});
  double R1[3], R2[3];
  auto Run = [&](double *R) {
    View X(&R[0], {}), Y(&R[1], {}), Z(&R[2], {});
    NdArray Res[] = {X.A, Y.A, Z.A};
    K.run(Res, &VA.A);
  };
  int Old = setNumThreads(1);
  Run(R1);
  setNumThreads(std::min(2, maxThreads()));
  Run(R2);
  setNumThreads(Old);
  for (int K2 = 0; K2 < 3; ++K2)
    EXPECT_EQ(R1[K2], R2[K2]);
  double Sum = 0;
  for (double X : A)
    Sum += X;
  EXPECT_NEAR(R1[0], Sum, 1e-9 * std::fabs(Sum));
  EXPECT_EQ(R1[2], *std::max_element(A.begin(), A.end()));
}

TEST(PlanTest, ProgramErrorsArePositioned) {
  try {
    compile("x = a\ny = a + sine(b)", AB);
    FAIL();
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Type);
    EXPECT_EQ(E.line(), 2);
    EXPECT_EQ(E.column(), 9);
  }
  EXPECT_EQ(variableNames("t = a * 2; u = t + b; u - t"),
            (std::vector<std::string>{"a", "b"}));
}

} // namespace
