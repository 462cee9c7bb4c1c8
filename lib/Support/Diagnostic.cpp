//===- Support/Diagnostic.cpp ---------------------------------------------===//
/// \file
/// Positioned errors and their rendering. Source text is shown escaped
/// (control characters and malformed UTF-8 as \xNN, so that a NUL cannot cut
/// a C string short) and only a window of it around the column: an error in
/// a 2 MB literal is a few lines long.
//===----------------------------------------------------------------------===//
#include "Support/Diagnostic.h"
#include "Support/Unicode.h"

#include "llvm/Support/raw_ostream.h"

#include <vector>

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

namespace {

/// One character of source text as a message shows it.
struct Shown {
  std::string Text;
  bool Tab = false;
};

void appendHex(std::string &Out, const char *Prefix, uint32_t V, int Digits) {
  static const char Hex[] = "0123456789abcdef";
  Out += Prefix;
  for (int D = Digits - 1; D >= 0; --D)
    Out += Hex[(V >> (4 * D)) & 15];
}

/// The character at S[Pos] (advancing Pos past it), escaped unless it is
/// printable; a tab stays a tab when KeepTab (the caret line copies it).
Shown showChar(std::string_view S, size_t &Pos, bool KeepTab) {
  Shown Out;
  Utf8Char C = decodeUtf8(S, Pos);
  if (C.Length == 0) {
    appendHex(Out.Text, "\\x", (unsigned char)S[Pos], 2);
    ++Pos;
    return Out;
  }
  if (C.CodePoint == '\t' && KeepTab) {
    Out.Text = "\t";
    Out.Tab = true;
  } else if (C.CodePoint < 0x20 || C.CodePoint == 0x7F) {
    appendHex(Out.Text, "\\x", C.CodePoint, 2);
  } else if (C.CodePoint >= 0x80 && C.CodePoint < 0xA0) {
    appendHex(Out.Text, "\\u", C.CodePoint, 4);
  } else {
    Out.Text = std::string(S.substr(Pos, C.Length));
  }
  Pos += C.Length;
  return Out;
}

/// Display width of a shown character: escapes count their length, every
/// other character one column.
size_t widthOf(const Shown &C) {
  return C.Text.size() > 1 && C.Text[0] == '\\' ? C.Text.size() : 1;
}

/// Line L (1-based) of Expr; lines end at "\r\n", "\n" or "\r" as the
/// lexer counts them. nullopt past the last line.
std::optional<std::string_view> sourceLine(std::string_view Expr, int L) {
  size_t Start = 0;
  for (int Cur = 1; Cur < L; ++Cur) {
    size_t NL = Expr.find_first_of("\r\n", Start);
    if (NL == std::string_view::npos)
      return std::nullopt;
    Start =
        NL + (Expr[NL] == '\r' && NL + 1 < Expr.size() && Expr[NL + 1] == '\n'
                  ? 2
                  : 1);
  }
  size_t End = Expr.find_first_of("\r\n", Start);
  return Expr.substr(Start, End == std::string_view::npos ? End : End - Start);
}

/// How many display columns of the source line a diagnostic echoes.
constexpr size_t WindowWidth = 80;

} // namespace

std::string sourceFragment(std::string_view Text, size_t MaxChars) {
  std::string Out;
  size_t Chars = 0;
  for (size_t Pos = 0; Pos < Text.size(); ++Chars) {
    if (Chars == MaxChars) {
      Out += "...";
      break;
    }
    Out += showChar(Text, Pos, /*KeepTab=*/false).Text;
  }
  return Out;
}

static std::string withoutNul(const llvm::Twine &Msg) {
  std::string S = Msg.str();
  for (size_t I = S.find('\0'); I != std::string::npos; I = S.find('\0', I))
    S.replace(I, 1, "\\x00");
  return S;
}

llvm::Error makeError(ErrorKind Kind, SourceLoc Loc, const llvm::Twine &Msg) {
  return llvm::make_error<DiagnosticError>(Kind, Loc, withoutNul(Msg));
}

llvm::Error makeError(ErrorKind Kind, const llvm::Twine &Msg) {
  return llvm::make_error<DiagnosticError>(Kind, SourceLoc{0, 0},
                                           withoutNul(Msg));
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
  std::optional<std::string_view> Line = sourceLine(Expr, Loc.Line);
  if (!Line)
    return Out;
  std::vector<Shown> Chars;
  for (size_t Pos = 0; Pos < Line->size();)
    Chars.push_back(showChar(*Line, Pos, /*KeepTab=*/true));
  // The caret's character (one past the end for an error at end of line).
  size_t Caret =
      Loc.Column > 0 ? std::min<size_t>(Loc.Column - 1, Chars.size()) : 0;
  size_t Total = 0, CaretAt = 0;
  for (size_t I = 0; I < Chars.size(); ++I) {
    if (I == Caret)
      CaretAt = Total;
    Total += widthOf(Chars[I]);
  }
  if (Caret == Chars.size())
    CaretAt = Total;
  // A window of WindowWidth columns with the caret near its middle.
  size_t From = 0, To = Total + 1;
  if (Total > WindowWidth) {
    From = CaretAt > WindowWidth / 2 ? CaretAt - WindowWidth / 2 : 0;
    From = std::min(From, Total - WindowWidth);
    To = From + WindowWidth;
  }
  std::string Text, Pad;
  size_t Col = 0;
  bool CutLeft = false, CutRight = false;
  for (size_t I = 0; I < Chars.size(); ++I) {
    size_t W = widthOf(Chars[I]);
    if (Col < From) {
      CutLeft = true;
    } else if (Col + W > To) {
      CutRight = true;
      break;
    } else {
      Text += Chars[I].Text;
      if (I < Caret)
        Pad += Chars[I].Tab ? std::string("\t") : std::string(W, ' ');
    }
    Col += W;
  }
  Out += "\n";
  if (CutLeft) {
    Out += "...";
    Pad.insert(0, "   ");
  }
  Out += Text;
  if (CutRight)
    Out += "...";
  Out += "\n";
  Out += Pad;
  Out += "^";
  return Out;
}

} // namespace nejit
