//===- Parse/Lexer.cpp - Tokens of the expression language ----------------===//
/// \file
/// Python's literal syntax (ints in any base, floats, imaginary numbers,
/// quoted bytes with escapes, underscores in numbers), its operators, and its
/// rules for comments and line ends: eval input is one logical line, so a
/// line end outside brackets may only end the text.
//===----------------------------------------------------------------------===//
#include "Parse/Lexer.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "Support/Unicode.h"

#include "llvm/Support/Unicode.h"

#include <algorithm>

namespace nejit {

namespace {

struct CodePointRange {
  uint32_t Lo, Hi;
};

#include "Parse/UnicodeIdentifiers.inc"

template <size_t N>
bool inRanges(const CodePointRange (&Table)[N], uint32_t CP) {
  const CodePointRange *It = std::upper_bound(
      Table, Table + N, CP,
      [](uint32_t V, const CodePointRange &R) { return V < R.Lo; });
  return It != Table && CP <= (It - 1)->Hi;
}

bool isIdentStart(uint32_t CP) {
  if (CP < 0x80)
    return std::isalpha((int)CP) || CP == '_';
  return inRanges(IdentifierStart, CP);
}

bool isIdentContinue(uint32_t CP) {
  if (CP < 0x80)
    return std::isalnum((int)CP) || CP == '_';
  return inRanges(IdentifierContinue, CP);
}

class Lexer {
public:
  explicit Lexer(std::string_view Text) : Text(Text) {}

  Expected<std::vector<Token>> run() {
    std::vector<Token> Tokens;
    while (true) {
      SourceLoc LineEnd;
      if (auto E = skipSpace(LineEnd))
        return E;
      Token T;
      T.Loc = loc();
      if (Pos >= Text.size()) {
        // Trailing line ends are part of Python's eval input.
        while (!Tokens.empty() && Tokens.back().K == Token::Newline)
          Tokens.pop_back();
        Tokens.push_back(T);
        return Tokens;
      }
      if (LineEnd.Line > 0 && !Tokens.empty()) {
        Token NL;
        NL.K = Token::Newline;
        NL.Text = "newline";
        NL.Loc = LineEnd;
        Tokens.push_back(std::move(NL));
      }
      Utf8Char C = decodeUtf8(Text, Pos);
      if (C.Length > 0 && isIdentStart(C.CodePoint)) {
        // A string prefix (b'..', r'..', br'..') or an identifier.
        size_t Start = Pos;
        while (Pos < Text.size() && startsIdentContinue())
          advanceChar();
        std::string Word(Text.substr(Start, Pos - Start));
        if (Pos < Text.size() && (Text[Pos] == '\'' || Text[Pos] == '"') &&
            isStringPrefix(Word)) {
          bool Raw = Word.find_first_of("rR") != std::string::npos;
          if (auto E = lexString(T, Raw))
            return E;
          if (Word.find_first_of("fF") != std::string::npos &&
              T.Text.find_first_of("{}") != std::string::npos)
            return makeError(ErrorKind::Syntax, T.Loc,
                             "f-string replacement fields are not supported");
        } else {
          T.K = Token::Name;
          T.Text = std::move(Word);
        }
      } else if (std::isdigit((unsigned char)Text[Pos]) ||
                 (Text[Pos] == '.' && Pos + 1 < Text.size() &&
                  std::isdigit((unsigned char)Text[Pos + 1]))) {
        size_t Start = Pos;
        if (auto E = lexNumber(T))
          return E;
        T.Text = std::string(Text.substr(Start, Pos - Start)); // as written
      } else if (Text[Pos] == '\'' || Text[Pos] == '"') {
        if (auto E = lexString(T, /*Raw=*/false))
          return E;
      } else if (auto E = lexOperator(T)) {
        return E;
      }
      Tokens.push_back(std::move(T));
    }
  }

private:
  std::string_view Text;
  size_t Pos = 0;
  int Line = 1, Col = 1;
  int Brackets = 0; ///< open (, [ and {: line ends inside them are spaces

  SourceLoc loc() const { return {Line, Col}; }
  /// Python's line ends: "\n", "\r\n" and a lone "\r".
  bool atLineEnd() const {
    return Pos < Text.size() && (Text[Pos] == '\n' || Text[Pos] == '\r');
  }
  void advance() {
    unsigned char C = (unsigned char)Text[Pos];
    if (C == '\n' ||
        (C == '\r' && (Pos + 1 == Text.size() || Text[Pos + 1] != '\n'))) {
      ++Line;
      Col = 1;
    } else if ((C & 0xC0) != 0x80) {
      ++Col; // columns count characters, not UTF-8 continuation bytes
    }
    ++Pos;
  }
  void advanceChar() {
    Utf8Char C = decodeUtf8(Text, Pos);
    for (unsigned I = 0; I < std::max(1u, C.Length); ++I)
      advance();
  }
  void skipLineEnd() {
    if (Text[Pos] == '\r' && Pos + 1 < Text.size() && Text[Pos + 1] == '\n')
      advance();
    advance();
  }
  bool startsIdentContinue() const {
    Utf8Char C = decodeUtf8(Text, Pos);
    return C.Length > 0 && isIdentContinue(C.CodePoint);
  }

  /// Skips spaces, comments, line joins and -- inside brackets -- line
  /// ends. LineEnd is set to the first line end outside brackets, if any.
  llvm::Error skipSpace(SourceLoc &LineEnd) {
    LineEnd = SourceLoc{0, 0};
    while (Pos < Text.size()) {
      char C = Text[Pos];
      if (C == ' ' || C == '\t' || C == '\f') {
        advance();
      } else if (C == '#') {
        while (Pos < Text.size() && !atLineEnd())
          advance();
      } else if (atLineEnd()) {
        if (Brackets == 0 && LineEnd.Line == 0)
          LineEnd = loc();
        skipLineEnd();
      } else if (C == '\\') {
        SourceLoc At = loc();
        advance();
        if (!atLineEnd())
          return makeError(ErrorKind::Syntax, At,
                           "unexpected character after line continuation "
                           "character");
        skipLineEnd(); // explicit line joining
        if (Pos >= Text.size())
          return makeError(ErrorKind::Syntax, At,
                           "unexpected end of expression after line "
                           "continuation");
      } else {
        break;
      }
    }
    return llvm::Error::success();
  }

  static bool isStringPrefix(const std::string &W) {
    std::string L;
    for (char C : W)
      L += (char)std::tolower((unsigned char)C);
    // f-strings without replacement fields are plain strings.
    return L == "b" || L == "r" || L == "br" || L == "rb" || L == "u" ||
           L == "f" || L == "fr" || L == "rf";
  }

  llvm::Error lexString(Token &T, bool Raw) {
    SourceLoc Start = T.Loc;
    char Quote = Text[Pos];
    advance();
    std::string Value;
    while (true) {
      if (Pos >= Text.size() || atLineEnd())
        return makeError(ErrorKind::Syntax, Start,
                         "unterminated string literal");
      char C = Text[Pos];
      if (C == Quote) {
        advance();
        break;
      }
      if (C == '\\' && !Raw && Pos + 1 < Text.size()) {
        advance();
        char E = Text[Pos];
        advance();
        switch (E) {
        case 'n':
          Value += '\n';
          break;
        case 't':
          Value += '\t';
          break;
        case 'r':
          Value += '\r';
          break;
        case '0':
          Value += '\0';
          break;
        case 'a':
          Value += '\a';
          break;
        case 'b':
          Value += '\b';
          break;
        case 'f':
          Value += '\f';
          break;
        case 'v':
          Value += '\v';
          break;
        case '\\':
          Value += '\\';
          break;
        case '\'':
          Value += '\'';
          break;
        case '"':
          Value += '"';
          break;
        case '\n':
          break;
        case '\r': // an escaped "\r\n" joins lines too
          if (Pos < Text.size() && Text[Pos] == '\n')
            advance();
          break;
        case 'x': {
          if (Pos + 2 > Text.size() ||
              !std::isxdigit((unsigned char)Text[Pos]) ||
              !std::isxdigit((unsigned char)Text[Pos + 1]))
            return makeError(ErrorKind::Syntax, loc(),
                             "invalid \\x escape in string literal");
          Value += (char)std::strtol(std::string(Text.substr(Pos, 2)).c_str(),
                                     nullptr, 16);
          advance();
          advance();
          break;
        }
        default:
          Value += '\\';
          Value += E;
        }
        continue;
      }
      Value += C;
      advance();
    }
    T.K = Token::String;
    T.Text = std::move(Value);
    return llvm::Error::success();
  }

  llvm::Error lexNumber(Token &T) {
    size_t Start = Pos;
    auto Digits = [&](auto IsDigit) {
      while (Pos < Text.size() && (IsDigit((unsigned char)Text[Pos]) ||
                                   (Text[Pos] == '_' && Pos + 1 < Text.size() &&
                                    IsDigit((unsigned char)Text[Pos + 1]))))
        advance();
    };
    auto IsDec = [](unsigned char C) { return std::isdigit(C) != 0; };
    // Based integers: 0x.., 0o.., 0b..
    if (Text[Pos] == '0' && Pos + 1 < Text.size() &&
        std::strchr("xXoObB", Text[Pos + 1])) {
      char B = (char)std::tolower((unsigned char)Text[Pos + 1]);
      int Base = B == 'x' ? 16 : B == 'o' ? 8 : 2;
      advance();
      advance();
      size_t DStart = Pos;
      Digits([Base](unsigned char C) {
        return Base == 16 ? std::isxdigit(C) != 0
                          : (C >= '0' && C < '0' + Base);
      });
      if (Pos == DStart)
        return makeError(ErrorKind::Syntax, T.Loc, "invalid number literal");
      return finishInt(T, Text.substr(DStart, Pos - DStart), Base);
    }
    bool IsFloat = false;
    Digits(IsDec);
    if (Pos < Text.size() && Text[Pos] == '.') {
      IsFloat = true;
      advance();
      Digits(IsDec);
    }
    if (Pos < Text.size() && (Text[Pos] == 'e' || Text[Pos] == 'E')) {
      size_t Save = Pos;
      int SaveCol = Col;
      advance();
      if (Pos < Text.size() && (Text[Pos] == '+' || Text[Pos] == '-'))
        advance();
      if (Pos < Text.size() && std::isdigit((unsigned char)Text[Pos])) {
        IsFloat = true;
        Digits(IsDec);
      } else {
        Pos = Save;
        Col = SaveCol;
        return makeError(ErrorKind::Syntax, T.Loc, "invalid number literal");
      }
    }
    std::string Spelling;
    for (char C : Text.substr(Start, Pos - Start))
      if (C != '_')
        Spelling += C;
    if (Pos < Text.size() && (Text[Pos] == 'j' || Text[Pos] == 'J')) {
      advance();
      T.K = Token::Imag;
      T.FloatValue = std::strtod(Spelling.c_str(), nullptr);
      T.Text = Spelling + "j";
    } else if (IsFloat) {
      T.K = Token::Float;
      T.FloatValue = std::strtod(Spelling.c_str(), nullptr);
      T.Text = Spelling;
    } else {
      // Python 3 rejects leading zeros in non-zero decimal integers.
      if (Spelling.size() > 1 && Spelling[0] == '0' &&
          Spelling.find_first_not_of('0') != std::string::npos)
        return makeError(ErrorKind::Syntax, T.Loc,
                         "leading zeros in decimal integer literals are not "
                         "permitted");
      if (auto E = finishInt(T, Spelling, 10))
        return E;
    }
    if (Pos < Text.size() && startsIdentContinue())
      return makeError(ErrorKind::Syntax, loc(), "invalid number literal");
    return llvm::Error::success();
  }

  llvm::Error finishInt(Token &T, std::string_view Digits, int Base) {
    T.K = Token::Int;
    unsigned __int128 V = 0;
    const unsigned __int128 Max = ~(unsigned __int128)0 >> 1;
    for (char C : Digits) {
      if (C == '_')
        continue;
      int D = std::isdigit((unsigned char)C)
                  ? C - '0'
                  : std::tolower((unsigned char)C) - 'a' + 10;
      if (V > (Max - D) / Base) {
        T.IntOverflow = true;
        V = 0;
        break;
      }
      V = V * Base + D;
    }
    T.IntValue = (__int128)V;
    if (Pos < Text.size() && startsIdentContinue())
      return makeError(ErrorKind::Syntax, loc(), "invalid number literal");
    return llvm::Error::success();
  }

  llvm::Error lexOperator(Token &T) {
    // '[' and '{' count so that line ends inside them are spaces (Python's
    // implicit line joining), though only '(' and '{' parse.
    static const char *const Ops[] = {
        "**", "//", "<<", ">>", "<=", ">=", "==", "!=", "->", "+", "-",
        "*",  "/",  "%",  "&",  "|",  "^",  "~",  "<",  ">",  "(", ")",
        ",",  ".",  "=",  "[",  "]",  ":",  ";",  "@",  "{",  "}", "!"};
    for (const char *Op : Ops) {
      size_t N = std::strlen(Op);
      if (Text.substr(Pos, N) == Op) {
        T.K = Token::Op;
        T.Text = Op;
        for (size_t I = 0; I < N; ++I)
          advance();
        if (N == 1 && std::strchr("([{", *Op))
          ++Brackets;
        else if (N == 1 && std::strchr(")]}", *Op) && Brackets > 0)
          --Brackets;
        return llvm::Error::success();
      }
    }
    return invalidCharacter(T.Loc);
  }

  /// At least four upper-case hex digits, as U+ notation writes them
  /// (llvm::utohexstr pads a zero to one digit too many).
  static std::string codePointHex(uint32_t CP) {
    char Buf[16];
    std::snprintf(Buf, sizeof Buf, "%04X", (unsigned)CP);
    return Buf;
  }

  /// Python's messages: printable characters are quoted, others named by
  /// code point.
  llvm::Error invalidCharacter(SourceLoc Loc) {
    Utf8Char C = decodeUtf8(Text, Pos);
    std::string Msg;
    if (C.Length == 0) {
      Msg = "invalid UTF-8 byte " + sourceFragment(Text.substr(Pos, 1));
    } else if (C.CodePoint < 0x20 || C.CodePoint == 0x7F ||
               (C.CodePoint >= 0x80 &&
                !llvm::sys::unicode::isPrintable((int)C.CodePoint))) {
      Msg = "invalid non-printable character U+" + codePointHex(C.CodePoint);
    } else {
      Msg =
          "invalid character '" + std::string(Text.substr(Pos, C.Length)) + "'";
      if (C.CodePoint >= 0x80)
        Msg += " (U+" + codePointHex(C.CodePoint) + ")";
    }
    return makeError(ErrorKind::Syntax, Loc, Msg);
  }
};

} // namespace

Expected<std::vector<Token>> lex(std::string_view Text) {
  return Lexer(Text).run();
}

} // namespace nejit
