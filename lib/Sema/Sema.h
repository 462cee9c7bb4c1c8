//===- Sema/Sema.h - AST to typed IR with numexpr's rules -------*- C++ -*-===//
/// \file
/// Types an expression exactly as numexpr 2.14.2 does (its kinds, not
/// numpy's): Python-semantics folding of constant operands, numexpr's
/// rewrites that depend on the optimization level (power expansion, division
/// by a constant), then the search for a typed operation with upcast operands
/// (NumexprSignatures.def), inserting casts.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SEMA_SEMA_H
#define NEJIT_SEMA_SEMA_H

#include "IR/IR.h"
#include "Parse/AST.h"
#include "Parse/Program.h"
#include "Support/Diagnostic.h"

namespace nejit {

Expected<ir::Function> buildIR(const AstNode &Root, const Signature &Sig,
                               Optimization Opt);

/// A program's IR: each statement built as an expression in which the
/// names assigned before stand for their values (temporaries, inlined).
/// Ending in a bare expression it has that one result; ending in an
/// assignment every assigned name is an output (Outputs, OutputNames, in
/// order of first assignment, each with its last value).
Expected<ir::Function> buildProgramIR(const ProgramAst &P, const Signature &Sig,
                                      Optimization Opt);

/// The variables a program reads before assigning them, in order of first
/// appearance.
std::vector<std::string> collectProgramInputNames(const ProgramAst &P);

/// Variable names of a parsed expression in order of first appearance
/// (function names and keyword names excluded).
std::vector<std::string> collectVariableNames(const AstNode &Root);

/// numexpr's getExprNames: the variables still referenced after the
/// expression is built with every variable typed float64 (constant folding
/// and a constant where() condition can drop some), in order of first
/// appearance. Errors of that building step are numexpr's errors too.
Expected<std::vector<std::string>> usedVariableNames(const AstNode &Root,
                                                     Optimization Opt);

} // namespace nejit

#endif // NEJIT_SEMA_SEMA_H
