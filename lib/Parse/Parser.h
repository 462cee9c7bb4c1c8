//===- Parse/Parser.h - Expression text to AST ------------------*- C++ -*-===//
/// \file
/// A recursive-descent parser for the Python expression subset numexpr
/// accepts, with Python's precedence and associativity. nejit never hands
/// the text to a Python interpreter, so expressions cannot run code.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PARSE_PARSER_H
#define NEJIT_PARSE_PARSER_H

#include "Parse/AST.h"
#include "Support/Diagnostic.h"

#include <string_view>
#include <vector>

namespace nejit {

/// Parses a whole expression. Nesting deeper than MaxDepth is an error, not
/// a stack overflow.
Expected<AstPtr> parseExpression(std::string_view Text);

struct Token;
/// Parses one expression from tokens ending in an End token (a statement
/// of a program, see Parse/Program.h).
Expected<AstPtr> parseTokens(std::vector<Token> Tokens);

constexpr int MaxParseDepth = 400;

} // namespace nejit

#endif // NEJIT_PARSE_PARSER_H
