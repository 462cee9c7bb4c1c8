//===- unittests/Runtime/ReduceChunkerTest.cpp - The reduction chunker ----===//
/// \file
/// The chunker with a kernel written here (a float sum, whose bits show
/// every change of order): its blocks cover a space exactly once and depend
/// on the shape only, a fold gives the same bits for every thread count and
/// equals the blocks' sums joined pairwise, and a row accumulation applies
/// the reduced positions in order.
//===----------------------------------------------------------------------===//
#include "Runtime/ReduceChunker.h"
#include "Runtime/Threads.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

using namespace nejit::runtime;

namespace {

/// A serial sum kernel: ptrs[0] is the accumulator (a double) when its
/// stride is 0, else an array updated elementwise; ptrs[1] the input.
void sumKernel(const void *, int64_t N, char *const *P, const int64_t *S) {
  if (S[0] == 0) {
    double Acc;
    std::memcpy(&Acc, P[0], sizeof Acc);
    for (int64_t I = 0; I < N; ++I) {
      double X;
      std::memcpy(&X, P[1] + I * S[1], sizeof X);
      Acc += X;
    }
    std::memcpy(P[0], &Acc, sizeof Acc);
    return;
  }
  for (int64_t I = 0; I < N; ++I) {
    double A, X;
    std::memcpy(&A, P[0] + I * S[0], sizeof A);
    std::memcpy(&X, P[1] + I * S[1], sizeof X);
    A += X;
    std::memcpy(P[0] + I * S[0], &A, sizeof A);
  }
}

/// A 1-operand-pair space: Lines lines of Line elements, input rows
/// RowStride elements apart, accumulator stride 0.
Space lineSpace(int64_t Lines, int64_t Line, int64_t RowStride) {
  Space S;
  S.Strides.resize(2);
  if (Lines > 1) {
    S.Shape.push_back(Lines);
    S.Strides[0].push_back(0);
    S.Strides[1].push_back(RowStride * 8);
  }
  S.Shape.push_back(Line);
  S.Strides[0].push_back(0);
  S.Strides[1].push_back(8);
  return S;
}

std::vector<double> values(size_t N) {
  std::vector<double> V(N);
  for (size_t I = 0; I < N; ++I)
    V[I] = std::sin(double(I) * 0.37) * std::exp(double(I % 29) - 14.0);
  return V;
}

/// Folds Red over In with the chunker on Threads threads.
double fold(const Space &Red, std::vector<double> &In, int Threads) {
  int Old = setNumThreads(std::min(Threads, maxThreads()));
  char *Data[] = {nullptr, reinterpret_cast<char *>(In.data())};
  auto Identity = [](char *S) { std::memset(S, 0, 16); };
  auto Bind = [](char *S, char **P) { P[0] = S; };
  auto Combine = [](char *A, const char *B) {
    double X, Y;
    std::memcpy(&X, A, 8);
    std::memcpy(&Y, B, 8);
    X += Y;
    std::memcpy(A, &X, 8);
  };
  FoldTask Task{Red,      Data, KernelRef(sumKernel, nullptr),
                16,       Identity, Bind,
                Combine,  nullptr};
  alignas(16) char Out[16];
  int64_t Base[2] = {0, 0};
  foldBlocks(Task, Base, Out, /*Parallel=*/true);
  setNumThreads(Old);
  double R;
  std::memcpy(&R, Out, 8);
  return R;
}

TEST(ReduceChunker, BlocksCoverTheSpaceOnceInOrder) {
  for (auto [Lines, Line] : {std::pair<int64_t, int64_t>{1, 1},
                             {1, 4095},
                             {1, 4096},
                             {1, 100003},
                             {7, 9000},
                             {1000, 3},
                             {333, 4097}}) {
    Space Red = lineSpace(Lines, Line, Line);
    BlockPlan Plan(Red);
    std::vector<int> Seen(size_t(Lines * Line), 0);
    int64_t Last = -1;
    for (int64_t B = 0; B < Plan.count(); ++B) {
      BlockPlan::Extent X = Plan.extent(B);
      ASSERT_LE((X.EndLine - X.FirstLine) * (X.End - X.Begin),
                Plan.blockLength());
      for (int64_t L = X.FirstLine; L < X.EndLine; ++L)
        for (int64_t I = X.Begin; I < X.End; ++I) {
          int64_t Flat = L * Line + I;
          ++Seen[size_t(Flat)];
          ASSERT_GT(Flat, Last) << "blocks out of order";
          Last = Flat;
        }
    }
    for (int C : Seen)
      ASSERT_EQ(C, 1) << Lines << "x" << Line;
  }
}

TEST(ReduceChunker, FoldIsTheSameForEveryThreadCount) {
  for (auto [Lines, Line] : {std::pair<int64_t, int64_t>{1, 1000003},
                             {3, 250001},
                             {50000, 7}}) {
    std::vector<double> In = values(size_t(Lines * Line));
    Space Red = lineSpace(Lines, Line, Line);
    double One = fold(Red, In, 1);
    for (int T : {2, 3, 7})
      EXPECT_EQ(fold(Red, In, T), One) << Lines << "x" << Line << " " << T;
  }
}

TEST(ReduceChunker, FoldJoinsTheBlocksPairwise) {
  // The reference: each block summed in order, then (0+1)+(2+3)... .
  const int64_t N = 5 * ReduceBlock + 123; // 6 blocks: an odd one out
  std::vector<double> In = values(size_t(N));
  std::vector<double> Sums;
  for (int64_t B = 0; B < N; B += ReduceBlock) {
    double S = 0;
    for (int64_t I = B; I < std::min(N, B + ReduceBlock); ++I)
      S += In[size_t(I)];
    Sums.push_back(S);
  }
  double Expect = ((Sums[0] + Sums[1]) + (Sums[2] + Sums[3])) +
                  (Sums[4] + Sums[5]);
  EXPECT_EQ(fold(lineSpace(1, N, N), In, 2), Expect);
}

TEST(ReduceChunker, JoinPairwiseOrder) {
  // States are strings: the join's shape shows in the text.
  std::vector<std::string> S = {"a", "b", "c", "d", "e", "f", "g"};
  std::vector<std::string *> Ptrs;
  std::vector<char> Bytes(S.size() * sizeof(void *));
  for (size_t I = 0; I < S.size(); ++I) {
    std::string *P = &S[I];
    std::memcpy(Bytes.data() + I * sizeof(void *), &P, sizeof P);
  }
  joinPairwise(Bytes.data(), int64_t(S.size()), sizeof(void *),
               [](char *A, const char *B) {
                 std::string *X, *Y;
                 std::memcpy(&X, A, sizeof X);
                 std::memcpy(&Y, B, sizeof Y);
                 *X = "(" + *X + *Y + ")";
               });
  EXPECT_EQ(S[0], "(((ab)(cd))((ef)g))");
}

TEST(ReduceChunker, RowAccumulationKeepsTheReducedOrder) {
  // out[j] = sum over r of x[r][j], for 40000 rows of 3 columns (fewer rows
  // than threads: column chunks) and 3 rows of 70001 columns.
  for (auto [Rows, Cols] :
       {std::pair<int64_t, int64_t>{40000, 3}, {3, 70001}}) {
    std::vector<double> In = values(size_t(Rows * Cols));
    std::vector<double> Expect(size_t(Cols), 0.0);
    for (int64_t R = 0; R < Rows; ++R)
      for (int64_t C = 0; C < Cols; ++C)
        Expect[size_t(C)] += In[size_t(R * Cols + C)];
    Space Out, Red;
    Out.Strides.resize(2);
    Red.Strides.resize(2);
    Out.Shape = {Cols};
    Out.Strides[0] = {8};
    Out.Strides[1] = {8};
    Red.Shape = {Rows, 1};
    Red.Strides[0] = {0, 0};
    Red.Strides[1] = {Cols * 8, 0};
    for (int T : {1, 2, 7}) {
      int Old = setNumThreads(std::min(T, maxThreads()));
      std::vector<double> Got(size_t(Cols), 0.0);
      char *Data[] = {reinterpret_cast<char *>(Got.data()),
                      reinterpret_cast<char *>(In.data())};
      accumulateRows({Out, Red, Data, KernelRef(sumKernel, nullptr)});
      setNumThreads(Old);
      for (int64_t C = 0; C < Cols; ++C)
        ASSERT_EQ(Got[size_t(C)], Expect[size_t(C)]) << T << " " << C;
    }
  }
}

} // namespace
