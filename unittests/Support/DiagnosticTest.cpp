//===- unittests/Support/DiagnosticTest.cpp - Diagnostics and the stack ---===//
/// \file
/// How errors show source text (escaped, windowed, cut) and how recursion
/// measures the stack it has left, in threads with small stacks.
//===----------------------------------------------------------------------===//
#include "Support/Diagnostic.h"
#include "Support/Stack.h"

#include <gtest/gtest.h>

#include <functional>
#include <pthread.h>

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

/// Lines of S.
std::vector<std::string> lines(const std::string &S) {
  std::vector<std::string> Out(1);
  for (char C : S)
    if (C == '\n')
      Out.emplace_back();
    else
      Out.back() += C;
  return Out;
}

} // namespace

TEST(Diagnostic, NulIsEscapedAndKeepsTheRestOfTheLine) {
  std::string Expr("a\0+ b", 5);
  auto L = lines(formatDiagnostic(Expr, {1, 2}, "bad"));
  ASSERT_EQ(L.size(), 3u);
  EXPECT_EQ(L[0], "<expr>:1:2: error: bad");
  EXPECT_EQ(L[1], "a\\x00+ b");
  EXPECT_EQ(L[2], " ^");
  // An error after the NUL: the caret accounts for the escape's width.
  L = lines(formatDiagnostic(Expr, {1, 5}, "bad"));
  EXPECT_EQ(L[2], "       ^");
}

TEST(Diagnostic, MalformedUtf8IsEscapedValidUtf8Kept) {
  auto L = lines(formatDiagnostic("μ + \xff + x", {1, 7}, "bad"));
  EXPECT_EQ(L[1], "μ + \\xff + x");
  EXPECT_EQ(L[2], "         ^"); // under x: μ is one column, \xff four
  EXPECT_EQ(sourceFragment("a\x01\xc3"), "a\\x01\\xc3");
}

TEST(Diagnostic, LongLinesShowAWindowAroundTheColumn) {
  std::string Expr(100000, 'a');
  Expr[50000] = '?';
  std::string D = formatDiagnostic(Expr, {1, 50001}, "bad");
  EXPECT_LT(D.size(), 300u);
  auto L = lines(D);
  ASSERT_EQ(L.size(), 3u);
  EXPECT_EQ(L[1].substr(0, 3), "...");
  EXPECT_EQ(L[1].substr(L[1].size() - 3), "...");
  size_t Caret = L[2].find('^');
  ASSERT_NE(Caret, std::string::npos);
  EXPECT_EQ(L[1][Caret], '?');
  // Near the start and the end of the line only one side is cut.
  L = lines(formatDiagnostic(Expr, {1, 3}, "bad"));
  EXPECT_NE(L[1].substr(0, 3), "...");
  EXPECT_EQ(L[2], "  ^");
  L = lines(formatDiagnostic(Expr, {1, 100001}, "bad"));
  EXPECT_EQ(L[1].substr(0, 3), "...");
  EXPECT_EQ(L[1].back(), 'a');
  EXPECT_EQ(L[2].size(), L[1].size() + 1);
}

TEST(Diagnostic, LinesEndAsTheLexerCountsThem) {
  // "\r\n", "\n" and a lone "\r" each end a line.
  std::string Expr = "a\r\nb\rc\nd";
  EXPECT_EQ(lines(formatDiagnostic(Expr, {3, 1}, "x"))[1], "c");
  EXPECT_EQ(lines(formatDiagnostic(Expr, {4, 1}, "x"))[1], "d");
  EXPECT_EQ(lines(formatDiagnostic(Expr, {2, 2}, "x"))[2], " ^");
}

TEST(Diagnostic, FragmentsAreCut) {
  std::string Long(1000000, '7');
  std::string F = sourceFragment(Long);
  EXPECT_EQ(F, std::string(60, '7') + "...");
  EXPECT_EQ(sourceFragment("μμμ", 2), "μμ...");
  // A message with a NUL keeps it escaped rather than ending early.
  std::string WithNul("a\0b", 3);
  llvm::Error E = makeError(ErrorKind::Syntax, {1, 1}, WithNul);
  llvm::handleAllErrors(std::move(E), [](const DiagnosticError &D) {
    EXPECT_EQ(D.Message, "a\\x00b");
  });
}

TEST(Stack, RemainingStackIsMeasuredInSmallThreads) {
  std::optional<size_t> Main = remainingStack();
  ASSERT_TRUE(Main.has_value());
  EXPECT_GT(*Main, 64u * 1024);
  inThread(256 * 1024, [] {
    std::optional<size_t> Left = remainingStack();
    ASSERT_TRUE(Left.has_value());
    EXPECT_LE(*Left, 256u * 1024);
    EXPECT_GT(*Left, 128u * 1024);
  });
}

namespace {
/// Recurses until the limit refuses; records the depth reached and the
/// stack left there.
void recurse(RecursionLimit &Limit, unsigned Depth, unsigned &Reached,
             size_t &LeftAtStop) {
  RecursionLimit::Level L(Limit);
  if (!L) {
    Reached = Depth;
    LeftAtStop = remainingStack().value_or(0);
    return;
  }
  volatile char Frame[512]; // a fat frame, as the tree walks have
  Frame[Depth % 512] = (char)Depth;
  recurse(Limit, Depth + 1, Reached, LeftAtStop);
  Frame[0] = Frame[Depth % 512];
}
} // namespace

TEST(Stack, RecursionStopsBeforeTheStackEnds) {
  for (size_t Bytes : {256u * 1024, 512u * 1024, 1024u * 1024}) {
    unsigned Reached = 0;
    size_t Left = 0;
    inThread(Bytes, [&] {
      RecursionLimit Limit;
      recurse(Limit, 0, Reached, Left);
    });
    // Refused just below the reserve, after using most of the stack.
    EXPECT_LT(Left, StackReserve) << Bytes;
    EXPECT_GT(Left, StackReserve - 4096) << Bytes;
    EXPECT_GT(Reached, (Bytes - StackReserve) / 4096) << Bytes;
  }
}
