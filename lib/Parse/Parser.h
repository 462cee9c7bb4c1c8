//===- Parse/Parser.h - Expression text to AST ------------------*- C++ -*-===//
/// \file
/// An operator-precedence parser for the Python expression subset numexpr
/// accepts, with Python's precedence and associativity. It keeps its own
/// stacks (of pending operators and of open brackets) instead of recursing,
/// so 10,000 nested parentheses parse in any thread. nejit never hands the
/// text to a Python interpreter, so expressions cannot run code.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PARSE_PARSER_H
#define NEJIT_PARSE_PARSER_H

#include "Parse/AST.h"
#include "Support/Diagnostic.h"

#include <string_view>
#include <vector>

namespace nejit {

/// Parses a whole expression. More than MaxNesting open brackets, or a tree
/// taller than MaxNesting, is a positioned "nested too deeply" error.
Expected<AstPtr> parseExpression(std::string_view Text);

struct Token;
/// Parses one expression from tokens ending in an End token (a statement
/// of a program, see Parse/Program.h).
Expected<AstPtr> parseTokens(std::vector<Token> Tokens);

} // namespace nejit

#endif // NEJIT_PARSE_PARSER_H
