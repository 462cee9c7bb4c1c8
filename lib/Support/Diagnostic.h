//===- Support/Diagnostic.h - Positioned errors inside lib/ -----*- C++ -*-===//
/// \file
/// Inside lib/ every failure is an llvm::Error carrying a DiagnosticError:
/// an ErrorKind (which the Python binding maps to numexpr's exception types),
/// a lower-case message, and a position. API/ converts it to nejit::Error
/// once, at the boundary.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SUPPORT_DIAGNOSTIC_H
#define NEJIT_SUPPORT_DIAGNOSTIC_H

#include "Parse/AST.h"
#include "nejit/nejit.h"

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"

namespace nejit {

using llvm::Expected;

class DiagnosticError : public llvm::ErrorInfo<DiagnosticError> {
public:
  static char ID;
  DiagnosticError(ErrorKind Kind, SourceLoc Loc, std::string Message)
      : Kind(Kind), Loc(Loc), Message(std::move(Message)) {}
  void log(llvm::raw_ostream &OS) const override;
  std::error_code convertToErrorCode() const override;

  ErrorKind Kind;
  SourceLoc Loc; ///< Line 0: no position
  std::string Message;
};

/// A positioned error of the given kind.
llvm::Error makeError(ErrorKind Kind, SourceLoc Loc, const llvm::Twine &Msg);
/// An error with no position in the expression.
llvm::Error makeError(ErrorKind Kind, const llvm::Twine &Msg);

/// Renders `<expr>:L:C: error: msg`, then the expression and a caret line.
std::string formatDiagnostic(std::string_view Expr, SourceLoc Loc,
                             std::string_view Message);

} // namespace nejit

#endif // NEJIT_SUPPORT_DIAGNOSTIC_H
