//===- Sema/SemaInternal.h - Sema's private interfaces ----------*- C++ -*-===//
/// \file
/// What the parts of Sema share: numexpr's kinded expression nodes (ENode),
/// constant folding of operators and functions, numexpr's function table and
/// its opcode-signature search. Not included outside lib/Sema.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SEMA_SEMAINTERNAL_H
#define NEJIT_SEMA_SEMAINTERNAL_H

#include "IR/IR.h"
#include "Sema/PyScalar.h"
#include "Support/Diagnostic.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace nejit {
namespace sema {

//===----------------------------------------------------------------------===//
// Kinded expression nodes (numexpr's ExpressionNode tree)
//===----------------------------------------------------------------------===//

struct ENode;
using ENodePtr = std::shared_ptr<ENode>;

struct ENode {
  enum Kind { Var, Const, Op, Raw } K;
  std::string Name; ///< numexpr opcode/function name for Op
  DType Type = DType::Float64;
  PyConst Value;               ///< Const
  int VarIndex = -1;           ///< Var
  std::optional<int> Axis;     ///< Raw (reduction axis)
  bool AxisNotInteger = false; ///< Raw: a non-integer axis (numexpr fails late)
  bool KeepDims = false;       ///< Raw: keepdims=True
  int Ddof = 0;                ///< Raw: ddof= of var/std
  std::vector<ENodePtr> Kids;
  SourceLoc Loc;

  ENode() = default;
  /// Frees the nodes only this one holds without recursion (a 10,000-term
  /// sum is a chain 10,000 deep).
  ~ENode();
  ENode(const ENode &) = delete;
  ENode &operator=(const ENode &) = delete;
};

ENodePtr makeConst(PyConst V, SourceLoc Loc);

int kindRank(DType T);

/// numexpr's commonKind: the highest kind wins; strings mix only with strings.
Expected<DType> commonKind(const std::vector<ENodePtr> &Nodes, SourceLoc Loc);

/// An operation node of numexpr's common kind of Kids (or of Kind).
Expected<ENodePtr> makeOp(std::string Name, std::vector<ENodePtr> Kids,
                          SourceLoc Loc, std::optional<DType> Kind = {});

//===----------------------------------------------------------------------===//
// Folding with Python semantics
//===----------------------------------------------------------------------===//

/// Folds a binary operator on two constants as Python (or, with a numpy
/// scalar operand, numpy) computes it.
Expected<PyConst> foldBinary(const std::string &Op, const PyConst &A,
                             const PyConst &B, SourceLoc Loc);

/// Python's x.real / x.imag on a constant (also what numpy.real/imag do with
/// a scalar): ints and bools give ints, numpy scalars keep their type.
Expected<PyConst> pyRealImag(const PyConst &P, bool Imag, SourceLoc Loc,
                             bool ForFunction);

//===----------------------------------------------------------------------===//
// The function table (numexpr's `functions` dict)
//===----------------------------------------------------------------------===//

struct FunctionInfo {
  const char *Name;   ///< as written in expressions
  const char *OpName; ///< numexpr's node name (numpy's __name__)
  int Arity;
  std::optional<DType> MinKind, MaxKind;
  bool KeepsIntegers; ///< copy, ones_like, round, sign keep integer kinds
};

const FunctionInfo *lookupFunction(const std::string &Name);

/// Folds a function of constants as numexpr does: by calling the numpy
/// function (or Python's complex()) on Python or numpy scalars, which gives
/// a numpy scalar of the type numpy's loop selection picks.
Expected<PyConst> foldFunction(const FunctionInfo &Fn,
                               const std::vector<PyConst> &Args, SourceLoc Loc);

//===----------------------------------------------------------------------===//
// numexpr's signature search
//===----------------------------------------------------------------------===//

char typecode(DType T);

DType typeOfCode(char C);

/// The first upcast of the operand typecodes Base for which numexpr has a
/// typed operation Name returning Ret (NumexprSignatures.def), in numexpr's
/// search order.
std::optional<std::string> findSignature(const std::string &Name, char Ret,
                                         const std::string &Base);

std::optional<ir::Opcode> opcodeFor(const std::string &Name);

//===----------------------------------------------------------------------===//
// Beyond numexpr: the reductions and functions numexpr does not have
//===----------------------------------------------------------------------===//

/// sum, prod, min, max (numexpr's) and mean, std, var, any, all (nejit's).
bool isReductionName(const std::string &Name);

/// The kind of a reduction of an operand of kind Arg: numexpr's where
/// numexpr has the reduction (sum of int32 is int32), numpy's where it does
/// not (sum of bool is int64, mean of an integer float64, var of complex
/// float64, any/all bool). nullopt when the reduction is not defined there
/// (then numexpr's own error applies or Sema reports it).
std::optional<DType> reductionKind(const std::string &Name, DType Arg);

} // namespace sema
} // namespace nejit

#endif // NEJIT_SEMA_SEMAINTERNAL_H
