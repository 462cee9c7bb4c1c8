//===- Sema/NumexprSignatures.cpp - numexpr's opcode signatures -----------===//
/// \file
/// numexpr's table of typed operations (NumexprSignatures.def) and its
/// search for the first signature the operand types can be upcast to; the
/// IR opcode of each operation name (IR/Ops.def).
//===----------------------------------------------------------------------===//
#include "Sema/SemaInternal.h"

#include <string_view>
#include <unordered_map>

namespace nejit {
namespace sema {

namespace {

struct SigEntry {
  bool IsFunc;
  const char *Name;
  const char *Sig;
};

const SigEntry SigTable[] = {
#define NEJIT_SIG(List, Name, Sig)                                             \
  {std::string_view(#List) == "FUNC", Name, Sig},
#include "Sema/NumexprSignatures.def"
};

} // namespace

char typecode(DType T) {
  switch (T) {
  case DType::Bool:
    return 'b';
  case DType::Int32:
    return 'i';
  case DType::Int64:
    return 'l';
  case DType::Float32:
    return 'f';
  case DType::Float64:
    return 'd';
  case DType::Complex128:
    return 'c';
  case DType::Bytes:
    return 's';
  }
  return '?';
}

DType typeOfCode(char C) {
  switch (C) {
  case 'b':
    return DType::Bool;
  case 'i':
    return DType::Int32;
  case 'l':
    return DType::Int64;
  case 'f':
    return DType::Float32;
  case 'd':
    return DType::Float64;
  case 'c':
    return DType::Complex128;
  default:
    return DType::Bytes;
  }
}

/// Every upcast of Base, in numexpr's order (first operand varies slowest).
static void sigPerms(const std::string &Base, size_t Pos, std::string &Cur,
                     std::vector<std::string> &Out) {
  static const std::string Codes = "bilfdc";
  if (Pos == Base.size()) {
    Out.push_back(Cur);
    return;
  }
  size_t Start = Codes.find(Base[Pos]);
  if (Start == std::string::npos) {
    // Strings are never cast; numexpr stops permuting at anything else.
    if (Base[Pos] == 's') {
      Cur.push_back('s');
      sigPerms(Base, Pos + 1, Cur, Out);
      Cur.pop_back();
    } else {
      Out.push_back(Cur + Base.substr(Pos));
    }
    return;
  }
  for (size_t I = Start; I < Codes.size(); ++I) {
    Cur.push_back(Codes[I]);
    sigPerms(Base, Pos + 1, Cur, Out);
    Cur.pop_back();
  }
}

/// The table's entries of each operation name, in table order: the search
/// ran over the whole table per upcast (about a third of the front end's
/// time for an expression of many calls).
static const std::vector<const SigEntry *> &entriesOf(const std::string &Name) {
  static const auto *ByName = [] {
    auto *M =
        new std::unordered_map<std::string_view, std::vector<const SigEntry *>>;
    for (const SigEntry &E : SigTable)
      (*M)[E.Name].push_back(&E);
    return M;
  }();
  static const std::vector<const SigEntry *> None;
  auto It = ByName->find(Name);
  return It == ByName->end() ? None : It->second;
}

std::optional<std::string> findSignature(const std::string &Name, char Ret,
                                         const std::string &Base) {
  const std::vector<const SigEntry *> &Entries = entriesOf(Name);
  if (Entries.empty())
    return std::nullopt;
  std::vector<std::string> Perms;
  std::string Cur;
  sigPerms(Base, 0, Cur, Perms);
  for (bool Funcs : {false, true})
    for (const std::string &P : Perms)
      for (const SigEntry *E : Entries)
        if (E->IsFunc == Funcs && E->Sig[0] == Ret && P == E->Sig + 1)
          return P;
  return std::nullopt;
}

std::optional<ir::Opcode> opcodeFor(const std::string &Name) {
#define NEJIT_OP(Enum, OpName, Arity)                                          \
  if (Name == OpName)                                                          \
    return ir::Opcode::Enum;
#include "IR/Ops.def"
  return std::nullopt;
}

} // namespace sema
} // namespace nejit
