//===- unittests/API/HostileInputTest.cpp - Deep, large and bad inputs ----===//
/// \file
/// Issue 10's front-end findings through the public API: deep expressions in
/// threads with small stacks (the right value or a positioned "nested too
/// deeply", never a crash), front-end time linear in the expression,
/// signatures and extents that used to crash or be accepted, and constants
/// beyond their type (ErrorKind::Overflow).
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <pthread.h>
#include <string>
#include <vector>

using namespace nejit;

namespace {

/// Runs Fn in a new thread with a stack of StackBytes.
void inThread(size_t StackBytes, std::function<void()> Fn) {
  pthread_attr_t Attr;
  ASSERT_EQ(pthread_attr_init(&Attr), 0);
  ASSERT_EQ(pthread_attr_setstacksize(&Attr, StackBytes), 0);
  pthread_t T;
  auto Run = [](void *P) -> void * {
    (*static_cast<std::function<void()> *>(P))();
    return nullptr;
  };
  ASSERT_EQ(pthread_create(&T, &Attr, Run, &Fn), 0);
  pthread_join(T, nullptr);
  pthread_attr_destroy(&Attr);
}

std::string repeat(const std::string &S, int N) {
  std::string Out;
  Out.reserve(S.size() * N);
  for (int I = 0; I < N; ++I)
    Out += S;
  return Out;
}

/// a + a + ... + a (N terms).
std::string flatSum(int N) { return "a" + repeat(" + a", N - 1); }
/// ((((a + a) + a) + a) ...): how pandas writes a long sum.
std::string leftNestedSum(int N) {
  return std::string(N - 1, '(') + "a" + repeat(" + a)", N - 1);
}
/// a + (a + (a + ...)).
std::string rightNestedSum(int N) {
  return repeat("a + (", N - 1) + "a" + std::string(N - 1, ')');
}

struct DeepCase {
  std::string Name, Expr;
  /// The value for a = X, when it compiles.
  std::function<double(double)> Value;
  /// Must compile in a 256 KiB thread (chains are iterative).
  bool MustCompile;
};

std::vector<DeepCase> deepCases() {
  return {
      {"flat sum 10000", flatSum(10000), [](double X) { return 10000 * X; },
       true},
      {"left-nested sum 10000", leftNestedSum(10000),
       [](double X) { return 10000 * X; }, true},
      {"parentheses 10000",
       std::string(10000, '(') + "a" + std::string(10000, ')'),
       [](double X) { return X; }, true},
      {"unary minus 10000", std::string(10000, '-') + "a",
       [](double X) { return X; }, true},
      {"nested sin 2000", repeat("sin(", 2000) + "a" + std::string(2000, ')'),
       [](double X) {
         for (int I = 0; I < 2000; ++I)
           X = std::sin(X);
         return X;
       },
       true},
      {"right-nested sum 10000", rightNestedSum(10000),
       [](double X) { return 10000 * X; }, false},
      {"nested where 3000",
       repeat("where(a > 0, ", 3000) + "a" + repeat(", a)", 3000),
       [](double X) { return X; }, false},
      {"power tower 2000", repeat("a ** ", 1999) + "a",
       [](double X) { return X == 1.0 ? 1.0 : NAN; }, false},
  };
}

/// Compiles and runs C in the calling thread; checks the value or the
/// error.
void compileAndCheck(const DeepCase &C) {
  const Signature Sig = {{"a", DType::Float64}};
  Kernel K;
  try {
    K = compile(C.Expr, Sig);
  } catch (const Error &E) {
    EXPECT_FALSE(C.MustCompile) << C.Name << ": " << E.message();
    EXPECT_EQ(E.kind(), ErrorKind::Syntax) << C.Name;
    EXPECT_NE(E.message().find("nested too deeply"), std::string::npos)
        << C.Name << ": " << E.message();
    EXPECT_GE(E.column(), 1) << C.Name;
    EXPECT_LT(std::string(E.what()).size(), 400u) << C.Name;
    std::printf("%s: nested too deeply at column %d\n", C.Name.c_str(),
                E.column());
    return;
  }
  std::vector<double> A = {1.0, 0.5, 0.25};
  std::vector<double> Out(A.size());
  const void *In[] = {A.data()};
  K.run((int64_t)A.size(), Out.data(), In);
  for (size_t I = 0; I < A.size(); ++I) {
    double Want = C.Value(A[I]);
    if (std::isnan(Want))
      continue;
    EXPECT_NEAR(Out[I], Want, 1e-9 * std::max(1.0, std::fabs(Want)))
        << C.Name << " at a=" << A[I];
  }
}

} // namespace

TEST(HostileInput, DeepExpressionsInSmallThreads) {
  // Python threads may run with 256 KiB stacks (threading.stack_size), the
  // main thread with `ulimit -s 1024`. Every run compiles afresh (LLVM
  // too): no kernel cache in memory, none on disk.
  setenv("NEJIT_CACHE", "0", 1);
  for (size_t Stack : {256u * 1024, 1024u * 1024})
    for (const DeepCase &C : deepCases()) {
      clearCache();
      std::printf("stack %zu KiB: ", Stack / 1024);
      inThread(Stack, [&] {
        compileAndCheck(C);
        std::printf("%s: done\n", C.Name.c_str());
      });
    }
}

TEST(HostileInput, FrontEndTimeIsLinear) {
  // The front end (parse, Sema, passes, IR printing) over a 40,000-term sum
  // against a 10,000-term one: 4x the work, quadratic would be 16x.
  // The fastest of five runs: the machine is shared, and interference only
  // ever adds time.
  auto Time = [](const std::string &Expr) {
    double Best = 1e9;
    for (int Rep = 0; Rep < 5; ++Rep) {
      auto Start = std::chrono::steady_clock::now();
      (void)dis(Expr, {{"a", DType::Float64}}, Stage::OptIR);
      Best = std::min(Best, std::chrono::duration<double>(
                                std::chrono::steady_clock::now() - Start)
                                .count());
    }
    return Best;
  };
  for (auto Make : {flatSum, leftNestedSum}) {
    double T10 = Time(Make(10000)), T40 = Time(Make(40000));
    std::printf("front end: 10,000 terms %.1f ms, 40,000 terms %.1f ms\n",
                T10 * 1e3, T40 * 1e3);
    EXPECT_LT(T40, 8 * T10 + 0.05);
  }
}

TEST(HostileInput, InvalidDTypeInSignatureIsAnError) {
  for (unsigned V : {7u, 99u, 255u}) {
    Signature Sig = {{"a", static_cast<DType>(V)}};
    try {
      (void)compile("a + 1", Sig);
      ADD_FAILURE() << "DType " << V << " accepted";
    } catch (const Error &E) {
      EXPECT_EQ(E.kind(), ErrorKind::Value);
      EXPECT_NE(E.message().find("invalid dtype"), std::string::npos)
          << E.message();
    }
    EXPECT_THROW((void)dis("a", Sig, Stage::LLVM), Error);
  }
}

TEST(HostileInput, DuplicateNamesInSignatureAreAnError) {
  Signature Sig = {
      {"a", DType::Float64}, {"b", DType::Int32}, {"a", DType::Int64}};
  try {
    (void)compile("a + b", Sig);
    ADD_FAILURE() << "duplicate names accepted";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Value);
    EXPECT_NE(E.message().find("duplicate name 'a'"), std::string::npos)
        << E.message();
  }
}

TEST(HostileInput, NegativeExtentsAreRejectedBeforeAnyWrite) {
  Kernel K = compile("a * 2", {{"a", DType::Float64}});
  std::vector<double> A(4, 1.0), Out(4, -7.0);
  const void *In[] = {A.data()};
  EXPECT_THROW(K.run(-1, Out.data(), In), Error);
  int64_t Shape[2] = {2, -2};
  int64_t Strides[2] = {16, 8};
  ArrayView OutV{Out.data(), Strides}, InV{A.data(), Strides};
  try {
    K.run(2, Shape, OutV, &InV);
    ADD_FAILURE() << "negative extent accepted";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Value);
    EXPECT_NE(E.message().find("negative extent"), std::string::npos);
  }
  for (double V : Out)
    EXPECT_EQ(V, -7.0);
}

TEST(HostileInput, ConstantsBeyondTheirTypeAreOverflowErrors) {
  const Signature Sig = {{"a", DType::Float64}, {"i", DType::Int64}};
  for (const char *Expr :
       {"99999999999999999999999999999999999999999", "2**64", "i + 2**63",
        "2**200", "2.5 ** 5000", "-(-2**127)"}) {
    try {
      (void)compile(Expr, Sig);
      ADD_FAILURE() << Expr << " accepted";
    } catch (const Error &E) {
      EXPECT_EQ(E.kind(), ErrorKind::Overflow) << Expr << ": " << E.what();
    }
  }
  // As numexpr: an int beyond int64 converts to a floating kind.
  Kernel K = compile("a + 2**64", Sig);
  std::vector<double> A = {1.0, -2.0}, Out(2);
  std::vector<int64_t> I = {0, 0};
  const void *In[] = {A.data(), I.data()};
  K.run(2, Out.data(), In);
  EXPECT_EQ(Out[0], 18446744073709551616.0 + 1.0);
  EXPECT_EQ(Out[1], 18446744073709551616.0 - 2.0);
}
