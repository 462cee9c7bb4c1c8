//===- Parse/Program.h - Programs of several statements ---------*- C++ -*-===//
/// \file
/// nejit's own language beyond numexpr's: a program is statements separated
/// by `;` or newlines (inside brackets a newline continues the statement, as
/// in Python), each `name = expression`, and the last may be a bare
/// expression (the program's one result).
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PARSE_PROGRAM_H
#define NEJIT_PARSE_PROGRAM_H

#include "Parse/AST.h"
#include "Support/Diagnostic.h"

#include <string_view>

namespace nejit {

struct Statement {
  std::string Target; ///< empty: a bare expression
  SourceLoc TargetLoc;
  AstPtr Value;
};

struct ProgramAst {
  std::vector<Statement> Statements;
  /// One bare expression: the text is an expression and parsed exactly as
  /// parseExpression parses it.
  bool isExpression() const {
    return Statements.size() == 1 && Statements[0].Target.empty();
  }
};

/// Parses a program; a text without statement separators or assignments
/// is handed to parseExpression whole (same tree, same errors).
Expected<ProgramAst> parseProgram(std::string_view Text);

/// Each statement's target (or "result") and its tree, for --emit=ast.
std::string printProgram(const ProgramAst &P);

} // namespace nejit

#endif // NEJIT_PARSE_PROGRAM_H
