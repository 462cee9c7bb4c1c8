//===- CodeGen/VectorMath.cpp - The Sleef table ---------------------------===//
/// \file
/// Accuracy tiers Sleef 3.5 provides per function (checked against the
/// symbols libsleef.so.3 exports): u05/u10 are "high", u35 "low"; a function
/// with one tier uses it for every mode.
//===----------------------------------------------------------------------===//
#include "CodeGen/VectorMath.h"

#include "llvm/ADT/StringRef.h"

namespace nejit::codegen {

namespace {
struct Entry {
  const char *Name;
  const char *High; ///< suffix for Accuracy::High ("" = no suffix)
  const char *Low;  ///< suffix for Low/Fast
};

const Entry Table[] = {
    {"sin", "u10", "u35"},    {"cos", "u10", "u35"},   {"tan", "u10", "u35"},
    {"sincos", "u10", "u35"}, {"asin", "u10", "u35"},  {"acos", "u10", "u35"},
    {"atan", "u10", "u35"},   {"atan2", "u10", "u35"}, {"sinh", "u10", "u35"},
    {"cosh", "u10", "u35"},   {"tanh", "u10", "u35"},  {"asinh", "u10", "u10"},
    {"acosh", "u10", "u10"},  {"atanh", "u10", "u10"}, {"log", "u10", "u35"},
    {"log10", "u10", "u10"},  {"log1p", "u10", "u10"}, {"log2", "u10", "u35"},
    {"exp", "u10", "u10"},    {"expm1", "u10", "u10"}, {"pow", "u10", "u10"},
    {"hypot", "u05", "u35"},  {"fmod", "", ""},        {"nextafter", "", ""},
};
} // namespace

llvm::StringRef sleefBaseName(ir::Opcode Op) {
  using ir::Opcode;
  switch (Op) {
  case Opcode::Sin:
    return "sin";
  case Opcode::Cos:
    return "cos";
  case Opcode::Tan:
    return "tan";
  case Opcode::Arcsin:
    return "asin";
  case Opcode::Arccos:
    return "acos";
  case Opcode::Arctan:
    return "atan";
  case Opcode::Arctan2:
    return "atan2";
  case Opcode::Sinh:
    return "sinh";
  case Opcode::Cosh:
    return "cosh";
  case Opcode::Tanh:
    return "tanh";
  case Opcode::Arcsinh:
    return "asinh";
  case Opcode::Arccosh:
    return "acosh";
  case Opcode::Arctanh:
    return "atanh";
  case Opcode::Log:
    return "log";
  case Opcode::Log10:
    return "log10";
  case Opcode::Log1p:
    return "log1p";
  case Opcode::Log2:
    return "log2";
  case Opcode::Exp:
    return "exp";
  case Opcode::Expm1:
    return "expm1";
  case Opcode::Pow:
    return "pow";
  case Opcode::Hypot:
    return "hypot";
  case Opcode::Fmod:
    return "fmod";
  case Opcode::Nextafter:
    return "nextafter";
  default:
    return "";
  }
}

std::optional<std::string> sleefFunction(llvm::StringRef Op, DType Type,
                                         unsigned Width, const IsaInfo &Isa,
                                         Accuracy Acc) {
  if (Type != DType::Float32 && Type != DType::Float64)
    return std::nullopt;
  const Entry *E = nullptr;
  for (const Entry &Candidate : Table)
    if (Op == Candidate.Name)
      E = &Candidate;
  if (!E)
    return std::nullopt;
  bool Single = Type == DType::Float32;
  std::string Suffix = Acc == Accuracy::High ? E->High : E->Low;
  std::string Name = "Sleef_" + std::string(E->Name);
  if (Width == 1) {
    // Scalar: Sleef_sin_u10 / Sleef_sinf_u10 / Sleef_fmod / Sleef_fmodf.
    if (Single)
      Name += "f";
    if (!Suffix.empty())
      Name += "_" + Suffix;
    return Name;
  }
  unsigned Bits = Width * (Single ? 32 : 64);
  std::string IsaName;
  if (Bits == 512 && Isa.HasAVX512F)
    IsaName = "avx512f";
  else if (Bits == 256 && Isa.HasAVX2)
    IsaName = "avx2";
  else if (Bits == 128 && Isa.HasAVX2)
    IsaName = "avx2128";
  else if (Bits == 128 && Isa.HasSSE41)
    IsaName = "sse4";
  else
    return std::nullopt;
  Name += (Single ? "f" : "d") + std::to_string(Width) + "_" + Suffix + IsaName;
  return Name;
}

} // namespace nejit::codegen
