//===- IR/IR.h - nejit's typed IR -------------------------------*- C++ -*-===//
/// \file
/// A kernel body as a list of typed SSA instructions in dependency order
/// (operands always precede their users). One deterministic printer renders
/// it for lit tests, debugging and the JIT cache key.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_IR_IR_H
#define NEJIT_IR_IR_H

#include "Parse/AST.h"
#include "nejit/nejit.h"

#include <complex>
#include <optional>
#include <string>
#include <vector>

namespace nejit::ir {

enum class Opcode : uint8_t {
#define NEJIT_OP(Enum, Name, Arity) Enum,
#include "IR/Ops.def"
};

const char *opcodeName(Opcode Op);
int opcodeArity(Opcode Op);
bool isReduction(Opcode Op);
/// numexpr's reductions (sum, prod, min, max): the ones a kernel of one
/// outermost reduction folds into its output element (the legacy ABI).
bool isNumexprReduction(Opcode Op);

/// A constant of one of nejit's types.
struct Scalar {
  DType Type = DType::Float64;
  bool B = false;
  int64_t I = 0;
  double F = 0; ///< Float32 constants hold the float32 value, widened
  std::complex<double> C;
  std::string S; ///< Bytes

  static Scalar ofBool(bool V);
  static Scalar ofInt(DType T, int64_t V);
  static Scalar ofFloat(DType T, double V);
  static Scalar ofComplex(std::complex<double> V);
  static Scalar ofBytes(std::string V);
  /// Converts to T as numexpr's casts do (bool->int, int->float, ...).
  Scalar castTo(DType T) const;
  /// Printed form: "true", "3", "2.5", "(1+2j)", "\"abc\"".
  std::string str() const;
  bool operator==(const Scalar &O) const;
};

struct Inst {
  Opcode Op;
  DType Type;
  int64_t ItemSize = 0;      ///< Bytes results/inputs: width in bytes
  std::vector<int> Operands; ///< indices of earlier instructions
  int InputIndex = -1;       ///< Input: position in the signature
  Scalar Value;              ///< Const
  std::optional<int> Axis;   ///< reductions: nullopt = all axes; may be
                             ///< negative (numpy's, from the end)
  bool KeepDims = false;     ///< reductions: numpy's keepdims=True
  int Ddof = 0;              ///< var/std: numpy's ddof=
  SourceLoc Loc;             ///< where it was written (line 0 = synthesized)
};

/// A whole kernel: its signature, its instructions, and which is the result.
///
/// A program (several statements) or a pass of an execution plan may have
/// several outputs: Outputs lists them in order (Outputs[0] == Result) and
/// OutputNames names them (a program's assigned variables). A function
/// with Outputs set follows the multi-output kernel ABI (CodeGen.h); with
/// Outputs empty it has the one output Result.
struct Function {
  Signature Inputs;
  std::vector<Inst> Insts;
  int Result = -1;
  std::vector<int> Outputs;
  std::vector<std::string> OutputNames;
  /// The last NumParams inputs are constants lifted out of the body by
  /// transforms::liftConstants: run-time operands the caller supplies
  /// (broadcast), not part of the user's signature.
  int NumParams = 0;

  /// Inputs the user's signature has (the rest are lifted constants).
  int numUserInputs() const { return (int)Inputs.size() - NumParams; }
  bool isParam(int InputIndex) const { return InputIndex >= numUserInputs(); }

  const Inst &result() const { return Insts[Result]; }
  /// Every output: Outputs, or {Result}.
  std::vector<int> outputs() const {
    return Outputs.empty() ? std::vector<int>{Result} : Outputs;
  }
  /// Rewrites Result and Outputs through an instruction renumbering.
  template <typename Fn> void remapOutputs(Fn &&NewId) {
    Result = NewId(Result);
    for (int &O : Outputs)
      O = NewId(O);
  }
  int add(Inst I) {
    Insts.push_back(std::move(I));
    return (int)Insts.size() - 1;
  }
};

struct PrintOptions {
  /// Print inputs by name (lit tests, debugging). Without names they are
  /// printed by position ("#0"), so that the text identifies the kernel's
  /// structure whatever its variables are called: the JIT cache key.
  bool Names = true;
};

/// Deterministic text form. Lifted constants print as "param K: TYPE" in
/// the header and "%3 = param f8 K" in the body.
std::string print(const Function &F, const PrintOptions &Opts = {});

/// Checks structural invariants (operand order, operand types per opcode,
/// outputs). Returns an empty string when valid,
/// else a description of the first problem.
std::string verify(const Function &F);

} // namespace nejit::ir

#endif // NEJIT_IR_IR_H
