//===- Support/Diagnostic.cpp ---------------------------------------------===//
/// \file
/// Positioned errors and their rendering.
//===----------------------------------------------------------------------===//
#include "Support/Diagnostic.h"

#include "llvm/Support/raw_ostream.h"

namespace nejit {

char DiagnosticError::ID = 0;

void DiagnosticError::log(llvm::raw_ostream &OS) const {
  if (Loc.Line > 0)
    OS << Loc.Line << ":" << Loc.Column << ": ";
  OS << Message;
}

std::error_code DiagnosticError::convertToErrorCode() const {
  return llvm::inconvertibleErrorCode();
}

llvm::Error makeError(ErrorKind Kind, SourceLoc Loc, const llvm::Twine &Msg) {
  return llvm::make_error<DiagnosticError>(Kind, Loc, Msg.str());
}

llvm::Error makeError(ErrorKind Kind, const llvm::Twine &Msg) {
  return llvm::make_error<DiagnosticError>(Kind, SourceLoc{0, 0}, Msg.str());
}

std::string formatDiagnostic(std::string_view Expr, SourceLoc Loc,
                             std::string_view Message) {
  std::string Out;
  if (Loc.Line <= 0) {
    Out = "<expr>: error: ";
    Out += Message;
    return Out;
  }
  Out = "<expr>:" + std::to_string(Loc.Line) + ":" +
        std::to_string(Loc.Column) + ": error: ";
  Out += Message;
  // Show the line the error is on and a caret under its column.
  size_t Start = 0;
  for (int L = 1; L < Loc.Line && Start != std::string_view::npos; ++L) {
    Start = Expr.find('\n', Start);
    if (Start != std::string_view::npos)
      ++Start;
  }
  if (Start == std::string_view::npos)
    return Out;
  size_t End = Expr.find('\n', Start);
  std::string_view Line =
      Expr.substr(Start, End == std::string_view::npos ? std::string_view::npos
                                                       : End - Start);
  Out += "\n";
  Out += Line;
  Out += "\n";
  for (int C = 1; C < Loc.Column; ++C)
    Out += (C - 1 < (int)Line.size() && Line[C - 1] == '\t') ? '\t' : ' ';
  Out += "^";
  return Out;
}

} // namespace nejit
