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

#include <optional>
#include <string_view>

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

/// Text from the expression made safe to quote in a message: control
/// characters and malformed UTF-8 escaped as \xNN, at most MaxChars
/// characters (then "...").
std::string sourceFragment(std::string_view Text, size_t MaxChars = 60);

/// A positioned error of the given kind.
llvm::Error makeError(ErrorKind Kind, SourceLoc Loc, const llvm::Twine &Msg);
/// An error with no position in the expression.
llvm::Error makeError(ErrorKind Kind, const llvm::Twine &Msg);

/// Renders `<expr>:L:C: error: msg`, then the line the error is on (a window
/// of about 80 columns around C, with "..." where it is cut) and a caret
/// line. Columns count characters (UTF-8 code points), not bytes.
std::string formatDiagnostic(std::string_view Expr, SourceLoc Loc,
                             std::string_view Message);

} // namespace nejit

#endif // NEJIT_SUPPORT_DIAGNOSTIC_H
