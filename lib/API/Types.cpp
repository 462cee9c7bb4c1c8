//===- API/Types.cpp - Public value types and errors ----------------------===//
/// \file
/// The public API's small value helpers: nejit::Error and the conversion
/// of internal (llvm::Error) failures into it, dtype names and sizes, and
/// stage names.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"

#include "llvm/Support/Error.h"

#include <cstring>

namespace nejit {

Error::Error(ErrorKind Kind, std::string Message, std::string Expr, int Line,
             int Column)
    : std::runtime_error(
          formatDiagnostic(Expr, SourceLoc{Line, Column}, Message)),
      Kind(Kind), Message(std::move(Message)), Expr(std::move(Expr)),
      Line(Line), Column(Column) {}

const char *dtypeName(DType T) {
  switch (T) {
  case DType::Bool:
    return "b1";
  case DType::Int32:
    return "i4";
  case DType::Int64:
    return "i8";
  case DType::Float32:
    return "f4";
  case DType::Float64:
    return "f8";
  case DType::Complex128:
    return "c16";
  case DType::Bytes:
    return "S";
  }
  return "?";
}

int64_t dtypeSize(DType T) {
  switch (T) {
  case DType::Bool:
    return 1;
  case DType::Int32:
  case DType::Float32:
    return 4;
  case DType::Int64:
  case DType::Float64:
    return 8;
  case DType::Complex128:
    return 16;
  case DType::Bytes:
    return 0;
  }
  return 0;
}

std::optional<DType> parseDType(std::string_view S, int64_t *ItemSize) {
  if (ItemSize)
    *ItemSize = 0;
  static const std::pair<const char *, DType> Names[] = {
      {"b1", DType::Bool},
      {"bool", DType::Bool},
      {"?", DType::Bool},
      {"i4", DType::Int32},
      {"int32", DType::Int32},
      {"int", DType::Int32},
      {"i8", DType::Int64},
      {"int64", DType::Int64},
      {"long", DType::Int64},
      {"f4", DType::Float32},
      {"float32", DType::Float32},
      {"float", DType::Float32},
      {"f8", DType::Float64},
      {"float64", DType::Float64},
      {"double", DType::Float64},
      {"c16", DType::Complex128},
      {"complex128", DType::Complex128},
      {"complex", DType::Complex128},
      {"S", DType::Bytes},
      {"bytes", DType::Bytes}};
  for (const auto &[Name, T] : Names)
    if (S == Name)
      return T;
  if (S.size() > 1 && S[0] == 'S') {
    int64_t N = 0;
    for (char C : S.substr(1)) {
      if (C < '0' || C > '9' || N > (int64_t)1 << 40)
        return std::nullopt;
      N = N * 10 + (C - '0');
    }
    if (ItemSize)
      *ItemSize = N;
    return DType::Bytes;
  }
  return std::nullopt;
}

std::optional<Stage> parseStage(std::string_view Name) {
  static const std::pair<const char *, Stage> Names[] = {
      {"ast", Stage::AST},
      {"ir", Stage::IR},
      {"opt-ir", Stage::OptIR},
      {"llvm", Stage::LLVM},
      {"opt-llvm", Stage::OptLLVM},
      {"asm", Stage::Asm},
      {"kernel-ir", Stage::KernelIR},
      {"plan", Stage::Plan}};
  for (const auto &[N, S] : Names)
    if (Name == N)
      return S;
  return std::nullopt;
}

namespace internal {

[[noreturn]] void throwError(llvm::Error E, std::string_view Expr) {
  ErrorKind Kind = ErrorKind::Runtime;
  std::string Message;
  SourceLoc Loc{0, 0};
  llvm::handleAllErrors(
      std::move(E),
      [&](const DiagnosticError &D) {
        Kind = D.Kind;
        Message = D.Message;
        Loc = D.Loc;
      },
      [&](const llvm::ErrorInfoBase &Other) { Message = Other.message(); });
  throw Error(Kind, Message, std::string(Expr), Loc.Line, Loc.Column);
}

} // namespace internal

} // namespace nejit
