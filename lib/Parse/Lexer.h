//===- Parse/Lexer.h - Tokens of the expression language -------*- C++ -*-===//
/// \file
/// Splits expression text into Python-compatible tokens: Python's literals,
/// operators, comments, line joining and identifiers (non-ASCII ones by
/// Python's XID tables).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PARSE_LEXER_H
#define NEJIT_PARSE_LEXER_H

#include "Parse/AST.h"
#include "Support/Diagnostic.h"

#include <string>
#include <string_view>
#include <vector>

namespace nejit {

struct Token {
  /// Newline: a line end outside brackets that more tokens follow (Python's
  /// eval input is one logical line; blank and trailing lines are dropped).
  enum Kind { End, Name, Int, Float, Imag, String, Op, Newline };
  Kind K = End;
  std::string Text;      ///< identifier, operator spelling, string bytes, or a
                         ///< number as written
  __int128 IntValue = 0; ///< Int: the value (Python ints are unbounded;
                         ///< nejit keeps 127 bits and flags more)
  bool IntOverflow = false;
  double FloatValue = 0;
  SourceLoc Loc;
};

/// Tokenizes Text; Python's literal and operator syntax. Fails with a
/// positioned Syntax diagnostic. Columns count characters.
Expected<std::vector<Token>> lex(std::string_view Text);

} // namespace nejit

#endif // NEJIT_PARSE_LEXER_H
