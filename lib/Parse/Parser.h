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

namespace nejit {

/// Parses a whole expression. Nesting deeper than MaxDepth is an error, not
/// a stack overflow.
Expected<AstPtr> parseExpression(std::string_view Text);

constexpr int MaxParseDepth = 400;

} // namespace nejit

#endif // NEJIT_PARSE_PARSER_H
