//===- IR/IR.cpp - Opcode table, constants, printer, verifier -------------===//
/// \file
/// The printer is an API: lit tests and the JIT cache key depend on its exact
/// output, so it prints every field that changes the generated code.
//===----------------------------------------------------------------------===//
#include "IR/IR.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace nejit::ir {

const char *opcodeName(Opcode Op) {
  switch (Op) {
#define NEJIT_OP(Enum, Name, Arity)                                            \
  case Opcode::Enum:                                                           \
    return Name;
#include "IR/Ops.def"
  }
  return "?";
}

int opcodeArity(Opcode Op) {
  switch (Op) {
#define NEJIT_OP(Enum, Name, Arity)                                            \
  case Opcode::Enum:                                                           \
    return Arity;
#include "IR/Ops.def"
  }
  return 0;
}

bool isNumexprReduction(Opcode Op) {
  return Op == Opcode::Sum || Op == Opcode::Prod || Op == Opcode::Min ||
         Op == Opcode::Max;
}

bool isReduction(Opcode Op) {
  return isNumexprReduction(Op) || Op == Opcode::Mean || Op == Opcode::Var ||
         Op == Opcode::Std || Op == Opcode::Any || Op == Opcode::All;
}

Scalar Scalar::ofBool(bool V) {
  Scalar S;
  S.Type = DType::Bool;
  S.B = V;
  return S;
}
Scalar Scalar::ofInt(DType T, int64_t V) {
  Scalar S;
  S.Type = T;
  S.I = T == DType::Int32 ? (int64_t)(int32_t)V : V;
  return S;
}
Scalar Scalar::ofFloat(DType T, double V) {
  Scalar S;
  S.Type = T;
  S.F = T == DType::Float32 ? (double)(float)V : V;
  return S;
}
Scalar Scalar::ofComplex(std::complex<double> V) {
  Scalar S;
  S.Type = DType::Complex128;
  S.C = V;
  return S;
}
Scalar Scalar::ofBytes(std::string V) {
  Scalar S;
  S.Type = DType::Bytes;
  S.S = std::move(V);
  return S;
}

Scalar Scalar::castTo(DType T) const {
  if (T == Type)
    return *this;
  // Widen to the most general representation, then narrow to T.
  std::complex<double> V;
  switch (Type) {
  case DType::Bool:
    V = B ? 1.0 : 0.0;
    break;
  case DType::Int32:
  case DType::Int64:
    if (T == DType::Int32 || T == DType::Int64)
      return ofInt(T, I);
    if (T == DType::Bool)
      return ofBool(I != 0);
    V = (double)I;
    break;
  case DType::Float32:
  case DType::Float64:
    V = F;
    break;
  case DType::Complex128:
    V = C;
    break;
  case DType::Bytes:
    return *this;
  }
  switch (T) {
  case DType::Bool:
    return ofBool(V != 0.0);
  case DType::Int32:
  case DType::Int64:
    return ofInt(T, Type == DType::Bool ? (int64_t)B : (int64_t)V.real());
  case DType::Float32:
  case DType::Float64:
    return ofFloat(T, V.real());
  case DType::Complex128:
    return ofComplex(V);
  case DType::Bytes:
    break;
  }
  return *this;
}

static std::string formatDouble(double V, bool Single) {
  if (std::isnan(V)) {
    // Sign and payload too: the text is the cache key, and NaNs differing
    // in either are different constants.
    uint64_t Bits;
    std::memcpy(&Bits, &V, sizeof Bits);
    std::string S = (Bits >> 63) ? "-nan" : "nan";
    uint64_t Payload = Bits & 0x000fffffffffffffULL;
    if (Payload != 0x0008000000000000ULL) {
      char Buf[32];
      std::snprintf(Buf, sizeof Buf, "(0x%llx)", (unsigned long long)Payload);
      S += Buf;
    }
    return S;
  }
  if (std::isinf(V))
    return V > 0 ? "inf" : "-inf";
  // Shortest text that reads back to the same value.
  char Buf[64];
  for (int Prec = Single ? 6 : 15; Prec <= 17; ++Prec) {
    std::snprintf(Buf, sizeof Buf, "%.*g", Prec, V);
    if (Single ? (float)std::strtod(Buf, nullptr) == (float)V
               : std::strtod(Buf, nullptr) == V)
      break;
  }
  std::string S = Buf;
  if (S.find_first_of(".eni") == std::string::npos)
    S += ".0";
  return S;
}

std::string Scalar::str() const {
  switch (Type) {
  case DType::Bool:
    return B ? "true" : "false";
  case DType::Int32:
  case DType::Int64:
    return std::to_string(I);
  case DType::Float32:
    return formatDouble(F, true);
  case DType::Float64:
    return formatDouble(F, false);
  case DType::Complex128:
    return "(" + formatDouble(C.real(), false) + (C.imag() < 0 ? "" : "+") +
           formatDouble(C.imag(), false) + "j)";
  case DType::Bytes: {
    std::string Out = "\"";
    for (unsigned char Ch : S) {
      if (Ch == '"' || Ch == '\\') {
        Out += '\\';
        Out += (char)Ch;
      } else if (Ch >= 32 && Ch < 127) {
        Out += (char)Ch;
      } else {
        char Buf[8];
        std::snprintf(Buf, sizeof Buf, "\\x%02x", Ch);
        Out += Buf;
      }
    }
    return Out + "\"";
  }
  }
  return "?";
}

bool Scalar::operator==(const Scalar &O) const {
  if (Type != O.Type)
    return false;
  switch (Type) {
  case DType::Bool:
    return B == O.B;
  case DType::Int32:
  case DType::Int64:
    return I == O.I;
  case DType::Float32:
  case DType::Float64:
    // Bitwise identity: 0.0 and -0.0 differ, NaN equals NaN.
    return std::memcmp(&F, &O.F, sizeof F) == 0;
  case DType::Complex128:
    return std::memcmp(&C, &O.C, sizeof C) == 0;
  case DType::Bytes:
    return S == O.S;
  }
  return false;
}

static std::string typeName(DType T, int64_t ItemSize) {
  if (T == DType::Bytes)
    return "S" + std::to_string(ItemSize);
  return dtypeName(T);
}

std::string print(const Function &F, const PrintOptions &Opts) {
  auto InputName = [&](int Index) {
    if (F.isParam(Index))
      return "param " + std::to_string(Index - F.numUserInputs());
    if (!Opts.Names)
      return "#" + std::to_string(Index);
    return F.Inputs[Index].Name;
  };
  std::string Out = "kernel(";
  for (size_t I = 0; I < F.Inputs.size(); ++I) {
    if (I)
      Out += ", ";
    Out += InputName((int)I) + ": " +
           typeName(F.Inputs[I].Type, F.Inputs[I].ItemSize);
  }
  Out += ")";
  if (!F.Outputs.empty()) {
    Out += " -> (";
    for (size_t K = 0; K < F.Outputs.size(); ++K) {
      const Inst &R = F.Insts[F.Outputs[K]];
      Out += (K ? ", " : "") + typeName(R.Type, R.ItemSize);
    }
    Out += ")";
  } else if (F.Result >= 0) {
    Out += " -> " + typeName(F.result().Type, F.result().ItemSize);
  }
  Out += " {\n";
  for (size_t I = 0; I < F.Insts.size(); ++I) {
    const Inst &In = F.Insts[I];
    bool Param = In.Op == Opcode::Input && F.isParam(In.InputIndex);
    Out += "  %" + std::to_string(I) + " = " +
           (Param ? "param" : opcodeName(In.Op)) + " " +
           typeName(In.Type, In.ItemSize);
    if (Param)
      Out += " " + std::to_string(In.InputIndex - F.numUserInputs());
    else if (In.Op == Opcode::Input)
      Out += " " + InputName(In.InputIndex);
    else if (In.Op == Opcode::Const)
      Out += " " + In.Value.str();
    for (size_t J = 0; J < In.Operands.size(); ++J)
      Out += (J ? ", %" : " %") + std::to_string(In.Operands[J]);
    if (isReduction(In.Op)) {
      Out += In.Axis ? ", axis=" + std::to_string(*In.Axis) : ", axis=none";
      if (In.KeepDims)
        Out += ", keepdims";
      if (In.Ddof)
        Out += ", ddof=" + std::to_string(In.Ddof);
    }
    Out += "\n";
  }
  if (F.Outputs.empty()) {
    Out += "  return %" + std::to_string(F.Result) + "\n}\n";
    return Out;
  }
  Out += "  return ";
  for (size_t K = 0; K < F.Outputs.size(); ++K) {
    Out += K ? ", " : "";
    if (Opts.Names && K < F.OutputNames.size() && !F.OutputNames[K].empty())
      Out += F.OutputNames[K] + ": ";
    Out += "%" + std::to_string(F.Outputs[K]);
  }
  return Out + "\n}\n";
}

static bool isInt(DType T) { return T == DType::Int32 || T == DType::Int64; }
static bool isFloat(DType T) {
  return T == DType::Float32 || T == DType::Float64;
}

std::string verify(const Function &F) {
  auto Err = [](size_t I, const std::string &Msg) {
    return "%" + std::to_string(I) + ": " + Msg;
  };
  if (F.Result < 0 || F.Result >= (int)F.Insts.size())
    return "no result instruction";
  if (!F.Outputs.empty()) {
    if (F.Outputs[0] != F.Result)
      return "the first output is not the result";
    for (int O : F.Outputs)
      if (O < 0 || O >= (int)F.Insts.size())
        return "an output is not an instruction";
    if (!F.OutputNames.empty() && F.OutputNames.size() != F.Outputs.size())
      return "outputs and output names differ in number";
  }
  if (F.NumParams < 0 || F.NumParams > (int)F.Inputs.size())
    return "more lifted constants than inputs";
  for (size_t I = 0; I < F.Insts.size(); ++I) {
    const Inst &In = F.Insts[I];
    int Arity = opcodeArity(In.Op);
    if ((int)In.Operands.size() != Arity)
      return Err(I, std::string(opcodeName(In.Op)) + " expects " +
                        std::to_string(Arity) + " operands");
    for (int Op : In.Operands)
      if (Op < 0 || Op >= (int)I)
        return Err(I, "operand does not precede its user");
    auto OpType = [&](int K) { return F.Insts[In.Operands[K]].Type; };
    switch (In.Op) {
    case Opcode::Input:
      if (In.InputIndex < 0 || In.InputIndex >= (int)F.Inputs.size() ||
          F.Inputs[In.InputIndex].Type != In.Type)
        return Err(I, "input does not match the signature");
      break;
    case Opcode::Const:
      if (In.Value.Type != In.Type)
        return Err(I, "constant value has the wrong type");
      break;
    case Opcode::Eq:
    case Opcode::Ne:
    case Opcode::Gt:
    case Opcode::Ge:
    case Opcode::Contains:
      if (In.Type != DType::Bool || OpType(0) != OpType(1))
        return Err(I, "comparison must take equal types and give bool");
      break;
    case Opcode::IsNan:
    case Opcode::IsFinite:
    case Opcode::IsInf:
    case Opcode::SignBit:
      if (In.Type != DType::Bool)
        return Err(I, "predicate must give bool");
      break;
    case Opcode::Where:
      if (OpType(0) != DType::Bool || OpType(1) != In.Type ||
          OpType(2) != In.Type)
        return Err(I, "where takes (bool, T, T) -> T");
      break;
    case Opcode::Cast:
      break;
    case Opcode::Real:
    case Opcode::Imag:
      if (OpType(0) != DType::Complex128 || In.Type != DType::Float64)
        return Err(I, "real/imag take c16 and give f8");
      break;
    case Opcode::Complex:
      if (OpType(0) != DType::Float64 || OpType(1) != DType::Float64 ||
          In.Type != DType::Complex128)
        return Err(I, "complex takes (f8, f8) and gives c16");
      break;
    case Opcode::Var:
    case Opcode::Std:
      if ((OpType(0) != DType::Float64 && OpType(0) != DType::Complex128) ||
          In.Type != DType::Float64)
        return Err(I, "var/std take f8 or c16 and give f8");
      break;
    case Opcode::Any:
    case Opcode::All:
      if (OpType(0) != DType::Bool || In.Type != DType::Bool)
        return Err(I, "any/all take b1 and give b1");
      break;
    case Opcode::Mean:
      if (!isFloat(In.Type) && In.Type != DType::Complex128)
        return Err(I, "mean gives a floating or complex type");
      if (OpType(0) != In.Type)
        return Err(I, "mean's operand must have the result type");
      break;
    case Opcode::Clip:
      if (In.Type == DType::Complex128 || In.Type == DType::Bytes)
        return Err(I, "clip takes real operands");
      for (size_t K = 0; K < 3; ++K)
        if (OpType(K) != In.Type)
          return Err(I, "clip operands must have the result type");
      break;
    case Opcode::Shl:
    case Opcode::Shr:
      if (!isInt(In.Type))
        return Err(I, "shifts need integers");
      [[fallthrough]];
    default:
      for (size_t K = 0; K < In.Operands.size(); ++K)
        if (OpType(K) != In.Type)
          return Err(I, std::string(opcodeName(In.Op)) +
                            " operands must have the result type");
      break;
    }
  }
  return "";
}

} // namespace nejit::ir
