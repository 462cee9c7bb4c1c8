//===- unittests/Parse/ParserFuzzTest.cpp - Robustness of the front end ---===//
/// \file
/// Random bytes, random token streams and pathological nesting through the
/// public API: every input either compiles or fails with a nejit::Error that
/// has a position (line and column >= 1) inside the expression. No crash, no
/// stack overflow, no other exception type.
//===----------------------------------------------------------------------===//
#include "nejit/nejit.h"

#include <gtest/gtest.h>

#include <chrono>
#include <random>
#include <string>
#include <vector>

using namespace nejit;

namespace {

const Signature Sig = {{"a", DType::Float64},    {"b", DType::Float32},
                       {"i", DType::Int32},      {"l", DType::Int64},
                       {"c", DType::Complex128}, {"m", DType::Bool},
                       {"s", DType::Bytes, 4}};

/// Counts line:column positions the way the lexer does: lines end at
/// "\n", "\r\n" or "\r"; columns count characters (UTF-8 lead bytes).
bool positionInside(const std::string &Expr, int Line, int Col) {
  int L = 1, C = 1;
  for (size_t I = 0; I < Expr.size(); ++I) {
    unsigned char Ch = (unsigned char)Expr[I];
    if (L == Line && C == Col && (Ch & 0xC0) != 0x80)
      return true;
    if (Ch == '\n' ||
        (Ch == '\r' && (I + 1 == Expr.size() || Expr[I + 1] != '\n'))) {
      ++L;
      C = 1;
    } else if ((Ch & 0xC0) != 0x80) {
      ++C;
    }
  }
  return L == Line && C == Col; // one past the end: "unexpected end"
}

struct Outcome {
  int Ok = 0, Failed = 0;
};

/// Runs one input through variableNames and dis(OptIR); checks the error
/// contract. Returns false (with a gtest failure) when it is broken.
void check(const std::string &Expr, Outcome &O, bool AlsoCompile = false) {
  auto Verify = [&](auto &&Fn) {
    try {
      Fn();
      return true;
    } catch (const Error &E) {
      EXPECT_GE(E.line(), 1) << "no position for: " << E.what();
      EXPECT_GE(E.column(), 1) << "no position for: " << E.what();
      EXPECT_TRUE(positionInside(Expr, E.line(), E.column()))
          << "position " << E.line() << ":" << E.column()
          << " outside the expression: " << E.what();
      EXPECT_FALSE(E.message().empty());
      return false;
    } catch (const std::exception &E) {
      ADD_FAILURE() << "non-nejit exception for '" << Expr << "': " << E.what();
      return false;
    }
  };
  bool Parsed = Verify([&] { (void)variableNames(Expr); });
  bool Typed = Verify([&] { (void)dis(Expr, Sig, Stage::OptIR); });
  if (Typed && !Parsed)
    ADD_FAILURE() << "typed but did not parse: " << Expr;
  if (Typed && AlsoCompile)
    Verify([&] { (void)compile(Expr, Sig); });
  (Typed ? O.Ok : O.Failed)++;
}

const char *const Tokens[] = {"a",
                              "b",
                              "i",
                              "l",
                              "c",
                              "m",
                              "s",
                              "x",
                              "0",
                              "1",
                              "2",
                              "3000000000",
                              "99999999999999999999999999999999999999999",
                              "2.5",
                              "1.",
                              ".5",
                              "1e-3",
                              "4.0e-9",
                              "1j",
                              "1.5j",
                              "0x1F",
                              "0o7",
                              "0b11",
                              "1_000",
                              "True",
                              "False",
                              "None",
                              "'ab'",
                              "\"cd\"",
                              "b'x'",
                              "+",
                              "-",
                              "*",
                              "/",
                              "//",
                              "%",
                              "**",
                              "~",
                              "&",
                              "|",
                              "^",
                              "<<",
                              ">>",
                              "<",
                              "<=",
                              "==",
                              "!=",
                              ">=",
                              ">",
                              "(",
                              ")",
                              "(",
                              ")",
                              ",",
                              ".",
                              ".real",
                              ".imag",
                              "=",
                              "axis",
                              "axis=",
                              "and",
                              "or",
                              "not",
                              "if",
                              "else",
                              "in",
                              "is",
                              "lambda",
                              ":",
                              ";",
                              "[",
                              "]",
                              "{",
                              "}",
                              "@",
                              "!",
                              "\\",
                              "sin(",
                              "where(",
                              "sum(",
                              "max(",
                              "arctan2(",
                              "contains(",
                              "abs(",
                              "complex(",
                              "copy(",
                              "ones_like(",
                              "sqrt(",
                              "round(",
                              "\n",
                              " ",
                              "\t"};

} // namespace

TEST(ParserFuzz, RandomBytes) {
  std::mt19937 Rng(12345);
  Outcome O;
  for (int N = 0; N < 10000; ++N) {
    std::string S;
    int Len = (int)(Rng() % 24);
    for (int K = 0; K < Len; ++K)
      S += (char)(Rng() % 256);
    check(S, O);
  }
  EXPECT_GT(O.Failed, 0);
}

TEST(ParserFuzz, RandomPrintable) {
  std::mt19937 Rng(777);
  const std::string Alphabet = "abilcms0123456789.eEjJ+-*/%&|^~<>=!()',\" _xo";
  Outcome O;
  for (int N = 0; N < 4000; ++N) {
    std::string S;
    int Len = 1 + (int)(Rng() % 16);
    for (int K = 0; K < Len; ++K)
      S += Alphabet[Rng() % Alphabet.size()];
    check(S, O);
  }
  EXPECT_GT(O.Ok, 0);
  EXPECT_GT(O.Failed, 0);
}

TEST(ParserFuzz, RandomTokenStreams) {
  std::mt19937 Rng(4242);
  const size_t NTok = sizeof(Tokens) / sizeof(Tokens[0]);
  Outcome O;
  auto Start = std::chrono::steady_clock::now();
  for (int N = 0; N < 20000; ++N) {
    std::string S;
    int Len = 1 + (int)(Rng() % 12);
    for (int K = 0; K < Len; ++K) {
      S += Tokens[Rng() % NTok];
      if (Rng() % 3 == 0)
        S += ' ';
    }
    // A few successes also go through code generation.
    check(S, O, /*AlsoCompile=*/N % 50 == 0);
  }
  EXPECT_GT(O.Ok, 0);
  EXPECT_GT(O.Failed, 0);
  EXPECT_LT(std::chrono::steady_clock::now() - Start, std::chrono::seconds(20));
}

TEST(ParserFuzz, DeepParenthesesParseWithoutRecursion) {
  // pandas writes long sums as nested parentheses: 10,000 levels are fine;
  // more than MaxNesting (100,000) open brackets is a positioned error.
  for (int Depth : {1000, 10000}) {
    std::string S(Depth, '(');
    S += "a";
    S += std::string(Depth, ')');
    EXPECT_EQ(dis(S, Sig, Stage::OptIR), dis("a", Sig, Stage::OptIR)) << Depth;
    EXPECT_EQ(variableNames(S), std::vector<std::string>{"a"});
  }
  std::string S(100001, '(');
  S += "a";
  S += std::string(100001, ')');
  try {
    (void)dis(S, Sig, Stage::OptIR);
    ADD_FAILURE() << "100,001 open parentheses accepted";
  } catch (const Error &E) {
    EXPECT_EQ(E.kind(), ErrorKind::Syntax);
    EXPECT_EQ(E.line(), 1);
    EXPECT_EQ(E.column(), 100001);
    EXPECT_NE(E.message().find("nested too deeply"), std::string::npos)
        << E.message();
    // The diagnostic echoes a window of the line, not 200,003 characters.
    EXPECT_LT(std::string(E.what()).size(), 400u);
  }
  EXPECT_THROW((void)variableNames(S), Error);
}

TEST(ParserFuzz, DeepUnaryCallsAndPowers) {
  const std::pair<std::string, std::string> Shapes[] = {
      {"-", ""},   {"~", ""},           {"not ", ""}, {"sin(", ")"},
      {"a**", ""}, {"where(m,", ",a)"}, {"(a+", ")"}, {"a.real", ""}};
  for (const auto &[Open, Close] : Shapes) {
    std::string S;
    for (int K = 0; K < 20000; ++K)
      S += Open;
    S += "a";
    for (int K = 0; K < 20000; ++K)
      S += Close;
    try {
      (void)dis(S, Sig, Stage::OptIR);
    } catch (const Error &E) {
      EXPECT_GE(E.line(), 1) << Open;
      EXPECT_GE(E.column(), 1) << Open;
    }
  }
}

TEST(ParserFuzz, LongFlatChains) {
  // a+a+...+a builds a left-leaning tree as tall as the chain; every walk
  // over it is iterative, so only a tree taller than MaxNesting is refused.
  for (int Terms : {500, 5000, 10000, 100001}) {
    std::string S = "a";
    for (int K = 1; K < Terms; ++K)
      S += "+a";
    try {
      std::string IR = dis(S, Sig, Stage::OptIR);
      EXPECT_LE(Terms, 100000);
      EXPECT_NE(IR.find("add f8"), std::string::npos);
    } catch (const Error &E) {
      EXPECT_GT(Terms, 100000);
      EXPECT_EQ(E.kind(), ErrorKind::Syntax);
      EXPECT_NE(E.message().find("nested too deeply"), std::string::npos);
    }
  }
}
