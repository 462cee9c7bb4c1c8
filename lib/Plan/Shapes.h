//===- Plan/Shapes.h - numpy's shapes of a program's values ----*- C++ -*-===//
/// \file
/// The shape of every value of a program for given input shapes, by
/// numpy's rules: an elementwise operation broadcasts its operands (aligned
/// at the last dimension, a 1 stretches), a reduction removes its axis (or
/// every axis; keepdims leaves a 1 in place). An incompatible broadcast or
/// an axis out of bounds is an error positioned at the operation.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_PLAN_SHAPES_H
#define NEJIT_PLAN_SHAPES_H

#include "IR/IR.h"
#include "Support/Diagnostic.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"

#include <string>
#include <vector>

namespace nejit::plan {

using Shape = llvm::SmallVector<int64_t, 6>;

/// numpy's spelling: "(3,4)", "(5,)", "()".
std::string shapeString(llvm::ArrayRef<int64_t> S);

/// numpy's broadcast of A and B, or nullopt when they are incompatible.
std::optional<Shape> broadcastShapes(llvm::ArrayRef<int64_t> A,
                                     llvm::ArrayRef<int64_t> B);

/// Which dimensions of an operand of rank NDim the reduction I removes:
/// its axis counted from the end when negative, every dimension for none.
Expected<llvm::SmallVector<bool, 6>> reducedDims(const ir::Inst &I, int NDim);

/// The shape of every instruction of F for inputs of shapes InputShapes
/// (one per F.Inputs entry; an unused input's shape is ignored).
Expected<std::vector<Shape>> inferShapes(const ir::Function &F,
                                         llvm::ArrayRef<Shape> InputShapes);

} // namespace nejit::plan

#endif // NEJIT_PLAN_SHAPES_H
