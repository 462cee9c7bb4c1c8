//===- Parse/Program.cpp - Programs of several statements -----------------===//
/// \file
/// The text is lexed once; statements end at `;` outside brackets and at the
/// lexer's Newline tokens, and each statement's tokens go to the expression
/// parser.
//===----------------------------------------------------------------------===//
#include "Parse/Program.h"
#include "Parse/Lexer.h"
#include "Parse/Parser.h"

namespace nejit {

namespace {

bool isKeywordName(const std::string &S) {
  static const char *const Words[] = {
      "True", "False", "None",  "and",    "or",    "not",   "in",
      "is",   "if",    "else",  "lambda", "for",   "while", "def",
      "del",  "pass",  "class", "return", "yield", "import"};
  for (const char *W : Words)
    if (S == W)
      return true;
  return false;
}

bool isOp(const Token &T, const char *S) {
  return T.K == Token::Op && T.Text == S;
}

Expected<Statement> parseStatement(std::vector<Token> Toks, Token End) {
  Statement S;
  size_t Begin = 0;
  if (Toks.size() >= 2 && Toks[0].K == Token::Name && isOp(Toks[1], "=")) {
    if (isKeywordName(Toks[0].Text))
      return makeError(ErrorKind::Syntax, Toks[0].Loc,
                       "cannot assign to '" + Toks[0].Text + "'");
    S.Target = Toks[0].Text;
    S.TargetLoc = Toks[0].Loc;
    Begin = 2;
  } else if (Toks.size() >= 3 && Toks[0].K == Token::Name &&
             Toks[1].K == Token::Op && isOp(Toks[2], "=") &&
             Toks[2].Loc.Line == Toks[1].Loc.Line &&
             Toks[2].Loc.Column ==
                 Toks[1].Loc.Column + (int)Toks[1].Text.size()) {
    return makeError(ErrorKind::Syntax, Toks[1].Loc,
                     "augmented assignment ('" + Toks[1].Text +
                         "=') is not supported");
  }
  std::vector<Token> Expr(Toks.begin() + Begin, Toks.end());
  if (Expr.empty())
    return makeError(ErrorKind::Syntax, End.Loc,
                     S.Target.empty() ? "empty statement"
                                      : "expected an expression after '='");
  End.K = Token::End;
  End.Text.clear();
  Expr.push_back(End);
  auto V = parseTokens(std::move(Expr));
  if (!V)
    return V.takeError();
  S.Value = std::move(*V);
  return S;
}

} // namespace

Expected<ProgramAst> parseProgram(std::string_view Text) {
  auto Lexed = lex(Text);
  if (!Lexed)
    return Lexed.takeError();
  std::vector<Token> &Toks = *Lexed;
  // Statements end at `;` outside brackets and at the lexer's Newline
  // tokens (line ends outside brackets that no backslash joins).
  std::vector<std::pair<size_t, size_t>> Ranges; // [begin, end) tokens
  bool Statements = false, LastIsSemicolon = false;
  int Depth = 0;
  size_t Begin = 0;
  for (size_t I = 0; I + 1 < Toks.size(); ++I) {
    const Token &T = Toks[I];
    if (isOp(T, "(") || isOp(T, "[") || isOp(T, "{"))
      ++Depth;
    else if ((isOp(T, ")") || isOp(T, "]") || isOp(T, "}")) && Depth > 0)
      --Depth;
    bool Ends = T.K == Token::Newline || (Depth == 0 && isOp(T, ";"));
    // Without an assignment or a `;` the text is one expression (whose
    // line ends are errors, as in Python's eval input).
    if (Depth == 0 && (isOp(T, "=") || isOp(T, ";")))
      Statements = true;
    if (!Ends)
      continue;
    Ranges.push_back({Begin, I});
    LastIsSemicolon = isOp(T, ";");
    Begin = I + 1;
  }
  ProgramAst P;
  if (!Statements) {
    // An expression: parsed as one, errors included.
    auto E = parseExpression(Text);
    if (!E)
      return E.takeError();
    P.Statements.push_back({"", SourceLoc{}, std::move(*E)});
    return P;
  }
  // A last `;` ends the last statement (Python allows it).
  if (Begin + 1 < Toks.size() || !LastIsSemicolon)
    Ranges.push_back({Begin, Toks.size() - 1});
  for (auto [B, E] : Ranges) {
    std::vector<Token> Part(Toks.begin() + B, Toks.begin() + E);
    const Token &Stop = Toks[E]; // the `;`, the newline or the end
    auto S = parseStatement(std::move(Part), Stop);
    if (!S)
      return S.takeError();
    if (!P.Statements.empty() && P.Statements.back().Target.empty())
      return makeError(ErrorKind::Syntax, P.Statements.back().Value->Loc,
                       "only the last statement may be a bare expression "
                       "(the program's result)");
    P.Statements.push_back(std::move(*S));
  }
  return P;
}

std::string printProgram(const ProgramAst &P) {
  if (P.isExpression())
    return printAst(*P.Statements[0].Value);
  std::string Out;
  for (const Statement &S : P.Statements) {
    Out += S.Target.empty() ? "result =\n" : S.Target + " =\n";
    std::string Tree = printAst(*S.Value);
    size_t Pos = 0;
    while (Pos < Tree.size()) {
      size_t End = Tree.find('\n', Pos);
      if (End == std::string::npos)
        End = Tree.size();
      Out += "  " + Tree.substr(Pos, End - Pos) + "\n";
      Pos = End + 1;
    }
  }
  return Out;
}

} // namespace nejit
