//===- API/PlanRunner.h - Running a kernel's execution plan -----*- C++ -*-===//
/// \file
/// A kernel whose program is not one loop of the original ABI (reductions
/// inside expressions, several outputs) runs its plan (Plan/Plan.h): the
/// shapes of every value for the inputs at hand, the reduce passes in order
/// into temporary arrays of reduced values, then the elementwise pass into
/// the outputs. Each pass is compiled per layout variant as any kernel is.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_API_PLANRUNNER_H
#define NEJIT_API_PLANRUNNER_H

#include "IR/IR.h"
#include "JIT/Target.h"
#include "Plan/Plan.h"
#include "Plan/Shapes.h"
#include "Support/Diagnostic.h"
#include "nejit/nejit.h"

#include <map>
#include <memory>
#include <mutex>

namespace nejit::internal {

/// The compiled kernels of one pass, per subset of its outputs (a pass
/// whose outputs have different shapes at run time is split).
struct PassKernels;

class PlanRunner {
public:
  PlanRunner(std::string Expr, ir::Function Program, const Options &Opts);
  ~PlanRunner();

  const plan::Plan &plan() const { return Plan; }
  const std::vector<OutputInfo> &outputs() const { return Outputs; }

  /// The shape of every output for inputs of these shapes.
  Expected<std::vector<plan::Shape>>
  outputShapes(llvm::ArrayRef<plan::Shape> InputShapes) const;

  /// Runs every pass; Outputs must have outputShapes()' shapes. With
  /// Cancel, stops between kernel calls once it is true.
  llvm::Error run(const NdArray *Outs, const NdArray *Ins,
                  const std::atomic<bool> *Cancel = nullptr) const;

  /// LLVM IR or assembly of every pass (in its folded/contiguous form).
  std::string disPasses(Stage S, const jit::HostTarget &T) const;

private:
  std::string Expr;
  ir::Function Program;
  Options Opts;
  plan::Plan Plan;
  std::vector<OutputInfo> Outputs;
  std::vector<std::unique_ptr<PassKernels>> Kernels; ///< per pass

  struct Buffers;
  llvm::Error runReduce(size_t PassIndex, const std::vector<plan::Shape> &S,
                        const NdArray *Ins, Buffers &Buf,
                        const std::atomic<bool> *Cancel) const;
  llvm::Error runElementwise(size_t PassIndex,
                             const std::vector<plan::Shape> &S,
                             const NdArray *Outs, const NdArray *Ins,
                             Buffers &Buf,
                             const std::atomic<bool> *Cancel) const;
};

} // namespace nejit::internal

#endif // NEJIT_API_PLANRUNNER_H
