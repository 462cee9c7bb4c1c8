//===- API/PlanRunner.cpp - Running a kernel's execution plan -------------===//
/// \file
/// Per run: numpy's shape of every value (errors before anything is
/// written), one contiguous temporary per reduced value, the reduce passes
/// (Runtime/ReducePass) and the elementwise pass (Runtime/Driver), then the
/// outputs that are reduced values copied out. Reductions of one pass whose
/// operands turn out to have different shapes or axes, and outputs of
/// different shapes, run as separate kernels (the pass restricted to them).
//===----------------------------------------------------------------------===//
#include "API/PlanRunner.h"
#include "API/Internal.h"

#include "CodeGen/CodeGen.h"
#include "Runtime/Driver.h"
#include "Runtime/ReducePass.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/Support/raw_ostream.h"

#include <cstring>

namespace nejit::internal {

struct PassKernels {
  std::mutex Mutex;
  /// Key: the output indices kept ("" for all of them).
  std::map<std::string, std::shared_ptr<const PassKernel>> BySubset;
};

/// The temporaries of one run: every reduced value as a contiguous array.
struct PlanRunner::Buffers {
  struct Array {
    std::vector<double> Storage; ///< 8-byte aligned, complex needs 16
    plan::Shape Shape;
    plan::Shape Strides;
    char *data() { return reinterpret_cast<char *>(Storage.data()); }
  };
  std::vector<Array> Values;
};

PlanRunner::PlanRunner(std::string E, ir::Function P, const Options &O)
    : Expr(std::move(E)), Program(std::move(P)), Opts(O),
      Plan(plan::buildPlan(Program)), Outputs(outputInfos(Program)) {
  // Every pass compiled now (its LLVM module built), so that code
  // generation errors surface at compile().
  for (size_t K = 0; K < Plan.Passes.size(); ++K) {
    Kernels.push_back(std::make_unique<PassKernels>());
    Kernels.back()->BySubset[""] =
        makePassKernel(Expr, Plan.Passes[K].Body, Opts);
  }
}

PlanRunner::~PlanRunner() = default;

namespace {

plan::Shape shapeOf(const NdArray &A) {
  return plan::Shape(A.Shape, A.Shape + A.NDim);
}

/// A's strides for reading it broadcast to shape To (numpy's alignment at
/// the last dimension; stretched dimensions get stride 0).
plan::Shape broadcastStrides(llvm::ArrayRef<int64_t> Shape,
                             llvm::ArrayRef<int64_t> Strides,
                             llvm::ArrayRef<int64_t> To) {
  plan::Shape Out(To.size(), 0);
  size_t Lead = To.size() - Shape.size();
  for (size_t D = 0; D < Shape.size(); ++D)
    Out[Lead + D] = Shape[D] == 1 && To[Lead + D] != 1 ? 0 : Strides[D];
  return Out;
}

plan::Shape contiguousStrides(llvm::ArrayRef<int64_t> Shape, int64_t Elem) {
  plan::Shape S(Shape.size());
  int64_t Step = Elem;
  for (int D = (int)Shape.size() - 1; D >= 0; --D) {
    S[D] = Step;
    Step *= Shape[D];
  }
  return S;
}

int64_t elements(llvm::ArrayRef<int64_t> Shape) {
  int64_t N = 1;
  for (int64_t E : Shape)
    N *= E;
  return N;
}

/// Groups the indices 0..N-1 by Key, in order of first appearance.
template <typename KeyFn>
std::vector<std::vector<int>> groupBy(size_t N, KeyFn Key) {
  std::vector<std::vector<int>> Groups;
  std::vector<decltype(Key(0))> Keys;
  for (size_t I = 0; I < N; ++I) {
    auto K = Key((int)I);
    size_t G = 0;
    while (G < Keys.size() && !(Keys[G] == K))
      ++G;
    if (G == Keys.size()) {
      Keys.push_back(K);
      Groups.emplace_back();
    }
    Groups[G].push_back((int)I);
  }
  return Groups;
}

/// The pass's kernel for the outputs Keep (all of them: the pass itself).
std::shared_ptr<const PassKernel>
kernelFor(PassKernels &PK, const plan::Pass &P, const std::vector<int> &Keep,
          const std::string &Expr, const Options &Opts) {
  std::string Key;
  if (Keep.size() != P.Body.Outputs.size())
    for (int K : Keep)
      Key += std::to_string(K) + ",";
  std::lock_guard<std::mutex> Lock(PK.Mutex);
  auto &Slot = PK.BySubset[Key];
  if (!Slot)
    Slot = makePassKernel(
        Expr, Key.empty() ? P.Body : plan::restrictOutputs(P.Body, Keep), Opts);
  return Slot;
}

} // namespace

Expected<std::vector<plan::Shape>>
PlanRunner::outputShapes(llvm::ArrayRef<plan::Shape> InputShapes) const {
  auto S = plan::inferShapes(Program, InputShapes);
  if (!S)
    return S.takeError();
  std::vector<plan::Shape> Out;
  for (int O : Program.outputs())
    Out.push_back((*S)[O]);
  return Out;
}

llvm::Error PlanRunner::runReduce(size_t PassIndex,
                                  const std::vector<plan::Shape> &S,
                                  const NdArray *Ins, Buffers &Buf,
                                  const std::atomic<bool> *Cancel) const {
  const plan::Pass &P = Plan.Passes[PassIndex];
  const ir::Function &Body = P.Body;
  // Reductions over the same operand shape and axes share one loop.
  struct Key {
    plan::Shape Shape;
    llvm::SmallVector<bool, 6> Reduced;
    bool operator==(const Key &O) const {
      return Shape == O.Shape && Reduced == O.Reduced;
    }
  };
  std::vector<Key> Keys;
  for (int Out : Body.Outputs) {
    const ir::Inst &I = Program.Insts[P.Origin[Out]];
    Key K{S[I.Operands[0]], {}};
    auto R = plan::reducedDims(I, (int)K.Shape.size());
    if (!R)
      return R.takeError();
    K.Reduced = *R;
    Keys.push_back(std::move(K));
  }
  auto Groups = groupBy(Keys.size(), [&](int I) { return Keys[I]; });
  for (const std::vector<int> &Group : Groups) {
    auto K = kernelFor(*Kernels[PassIndex], P, Group, Expr, Opts);
    const ir::Function &F = passKernelIR(*K);
    const Key &G = Keys[Group[0]];
    runtime::ReduceRequest R;
    R.NDim = (int)G.Shape.size();
    R.Shape = G.Shape.data();
    R.Reduced = G.Reduced;
    R.NumOperands = codegen::numOperands(F);
    R.Cancel = Cancel;
    std::vector<plan::Shape> Strides(F.Inputs.size());
    for (size_t In = 0; In < F.Inputs.size(); ++In) {
      const Arg &A = F.Inputs[In];
      int64_t Size = A.Type == DType::Bytes ? A.ItemSize : dtypeSize(A.Type);
      if (F.isParam((int)In)) { // a lifted constant: broadcast
        Strides[In].assign(G.Shape.size(), 0);
        R.InputData.push_back(
            const_cast<char *>(passParam(*K, In - F.numUserInputs())));
        R.InputStrides.push_back(Strides[In].data());
        R.InputSizes.push_back(Size);
        continue;
      }
      const plan::Source &Src = P.Sources[In];
      if (Src.K == plan::Source::Input) {
        const NdArray &V = Ins[Src.Index];
        Strides[In] = broadcastStrides(
            shapeOf(V), {V.Strides, V.Strides + V.NDim}, G.Shape);
        R.InputData.push_back(static_cast<char *>(V.Data));
      } else {
        Buffers::Array &V = Buf.Values[Src.Index];
        Strides[In] = broadcastStrides(V.Shape, V.Strides, G.Shape);
        R.InputData.push_back(V.data());
      }
      R.InputStrides.push_back(Strides[In].data());
      R.InputSizes.push_back(Size);
    }
    std::vector<codegen::OutputSlot> Slots = codegen::outputSlots(F);
    for (size_t O = 0; O < Slots.size(); ++O) {
      runtime::ReduceOutput Out;
      Out.Kind = runtime::stateKind(F, F.Insts[Slots[O].Inst]);
      Out.Operands = Slots[O].Operands;
      // The reduced value this output computes.
      int Slot = Group[O];
      for (size_t V = 0; V < Plan.Values.size(); ++V)
        if (Plan.Values[V].Pass == (int)PassIndex &&
            Plan.Values[V].Slot == Slot)
          Out.Result = Buf.Values[V].data();
      R.Outputs.push_back(std::move(Out));
    }
    if (auto E =
            runtime::runReducePass(R, [&](const codegen::KernelSpec &Spec) {
              return passVariant(*K, Spec);
            }))
      return E;
  }
  return llvm::Error::success();
}

llvm::Error PlanRunner::runElementwise(size_t PassIndex,
                                       const std::vector<plan::Shape> &S,
                                       const NdArray *Outs, const NdArray *Ins,
                                       Buffers &Buf,
                                       const std::atomic<bool> *Cancel) const {
  const plan::Pass &P = Plan.Passes[PassIndex];
  // Outputs of one shape share one loop.
  auto Groups = groupBy(P.Body.Outputs.size(),
                        [&](int O) { return S[P.Origin[P.Body.Outputs[O]]]; });
  for (const std::vector<int> &Group : Groups) {
    auto K = kernelFor(*Kernels[PassIndex], P, Group, Expr, Opts);
    const ir::Function &F = passKernelIR(*K);
    plan::Shape Shape = S[P.Origin[P.Body.Outputs[Group[0]]]];
    std::vector<codegen::OutputSlot> Slots = codegen::outputSlots(F);
    unsigned NOps = codegen::numOperands(F);
    std::vector<plan::Shape> Strides(NOps);
    runtime::RunRequest R;
    R.NDim = (int)Shape.size();
    R.Shape = Shape.data();
    R.Data.assign(NOps, nullptr);
    R.Strides.assign(NOps, nullptr);
    R.ElemSizes.assign(NOps, 0);
    for (size_t O = 0; O < Slots.size(); ++O) {
      const NdArray &V = Outs[P.Writes[Group[O]]];
      unsigned Op = Slots[O].Operands[0];
      const ir::Inst &I = F.Insts[Slots[O].Inst];
      Strides[Op].assign(V.Strides, V.Strides + V.NDim);
      R.Data[Op] = static_cast<char *>(V.Data);
      R.ElemSizes[Op] = I.Type == DType::Bytes ? I.ItemSize : dtypeSize(I.Type);
    }
    for (size_t In = 0; In < F.Inputs.size(); ++In) {
      const Arg &A = F.Inputs[In];
      R.ElemSizes[1 + In] =
          A.Type == DType::Bytes ? A.ItemSize : dtypeSize(A.Type);
      if (F.isParam((int)In)) { // a lifted constant: broadcast
        Strides[1 + In].assign(Shape.size(), 0);
        R.Data[1 + In] =
            const_cast<char *>(passParam(*K, In - F.numUserInputs()));
        continue;
      }
      const plan::Source &Src = P.Sources[In];
      if (Src.K == plan::Source::Input) {
        const NdArray &V = Ins[Src.Index];
        Strides[1 + In] = broadcastStrides(
            shapeOf(V), {V.Strides, V.Strides + V.NDim}, Shape);
        R.Data[1 + In] = static_cast<char *>(V.Data);
      } else {
        Buffers::Array &V = Buf.Values[Src.Index];
        Strides[1 + In] = broadcastStrides(V.Shape, V.Strides, Shape);
        R.Data[1 + In] = V.data();
      }
    }
    for (unsigned Op = 0; Op < NOps; ++Op)
      R.Strides[Op] = Strides[Op].data();
    R.ResultType = F.result().Type;
    R.MayStreamOutput = codegen::benefitsFromStreaming(F);
    R.Cancel = Cancel;
    if (auto E = runtime::run(R, [&](const codegen::KernelSpec &Spec) {
          return passVariant(*K, Spec);
        }))
      return E;
  }
  return llvm::Error::success();
}

llvm::Error PlanRunner::run(const NdArray *Outs, const NdArray *Ins,
                            const std::atomic<bool> *Cancel) const {
  std::vector<plan::Shape> InShapes;
  for (size_t I = 0; I < Program.Inputs.size(); ++I)
    InShapes.push_back(shapeOf(Ins[I]));
  auto Shapes = plan::inferShapes(Program, InShapes);
  if (!Shapes)
    return Shapes.takeError();
  std::vector<int> OutInsts = Program.outputs();
  for (size_t O = 0; O < OutInsts.size(); ++O) {
    const plan::Shape &Want = (*Shapes)[OutInsts[O]];
    if (shapeOf(Outs[O]) != Want)
      return makeError(
          ErrorKind::Value,
          "output " +
              (Outputs[O].Name.empty() ? std::to_string(O)
                                       : "'" + Outputs[O].Name + "'") +
              " has shape " + plan::shapeString(shapeOf(Outs[O])) +
              " but the result has shape " + plan::shapeString(Want));
  }
  Buffers Buf;
  for (const plan::ReducedValue &V : Plan.Values) {
    Buffers::Array A;
    A.Shape = (*Shapes)[V.Inst];
    int64_t Elem = dtypeSize(Program.Insts[V.Inst].Type);
    A.Strides = contiguousStrides(A.Shape, Elem);
    A.Storage.resize((size_t)((elements(A.Shape) * Elem + 7) / 8 + 1));
    Buf.Values.push_back(std::move(A));
  }
  for (size_t K = 0; K < Plan.Passes.size(); ++K) {
    auto E = Plan.Passes[K].K == plan::Pass::Reduce
                 ? runReduce(K, *Shapes, Ins, Buf, Cancel)
                 : runElementwise(K, *Shapes, Outs, Ins, Buf, Cancel);
    if (E)
      return E;
    if (Cancel && Cancel->load(std::memory_order_relaxed))
      return llvm::Error::success(); // the caller reads *Cancel
  }
  // Outputs that are reduced values themselves: copied out.
  for (size_t O = 0; O < Plan.Outputs.size(); ++O) {
    if (Plan.Outputs[O].K != plan::OutputSource::Reduced)
      continue;
    Buffers::Array &A = Buf.Values[Plan.Outputs[O].Index];
    const NdArray &V = Outs[O];
    int64_t Elem = Outputs[O].ItemSize, N = elements(A.Shape);
    for (int64_t E = 0; E < N; ++E) {
      int64_t Rest = E, Off = 0;
      for (int D = (int)A.Shape.size() - 1; D >= 0; --D) {
        Off += (Rest % A.Shape[D]) * V.Strides[D];
        Rest /= A.Shape[D];
      }
      std::memcpy(static_cast<char *>(V.Data) + Off, A.data() + E * Elem,
                  (size_t)Elem);
    }
  }
  return llvm::Error::success();
}

std::string PlanRunner::disPasses(Stage S, const jit::HostTarget &T) const {
  std::string Out;
  for (size_t K = 0; K < Plan.Passes.size(); ++K) {
    Out += "; pass " + std::to_string(K) + "\n";
    Out += disLoop(Expr, Plan.Passes[K].Body, S, Opts, T);
  }
  return Out;
}

//===----------------------------------------------------------------------===//
// Kernel::outputs/outputShapes/run(outputs, inputs) for any kernel
//===----------------------------------------------------------------------===//

std::vector<OutputInfo> outputInfos(const ir::Function &Program) {
  std::vector<OutputInfo> Out;
  std::vector<int> Outs = Program.outputs();
  for (size_t K = 0; K < Outs.size(); ++K) {
    const ir::Inst &I = Program.Insts[Outs[K]];
    OutputInfo Info;
    if (K < Program.OutputNames.size())
      Info.Name = Program.OutputNames[K];
    Info.Type = I.Type;
    Info.ItemSize = I.Type == DType::Bytes ? I.ItemSize : dtypeSize(I.Type);
    Out.push_back(Info);
  }
  return Out;
}

Expected<std::vector<std::vector<int64_t>>>
outputShapes(const ir::Function &Program,
             const std::vector<std::vector<int64_t>> &InputShapes) {
  if (InputShapes.size() != Program.Inputs.size())
    return makeError(ErrorKind::Value,
                     "expected " + std::to_string(Program.Inputs.size()) +
                         " input shapes, got " +
                         std::to_string(InputShapes.size()));
  std::vector<plan::Shape> In;
  for (const auto &S : InputShapes)
    In.emplace_back(S.begin(), S.end());
  auto S = plan::inferShapes(Program, In);
  if (!S)
    return S.takeError();
  std::vector<std::vector<int64_t>> Out;
  for (int O : Program.outputs())
    Out.emplace_back((*S)[O].begin(), (*S)[O].end());
  return Out;
}

llvm::Error runOneLoop(const Kernel &K, const NdArray *Outs, const NdArray *Ins,
                       const std::atomic<bool> *Cancel) {
  const ir::Function &F = programIR(K);
  std::vector<plan::Shape> InShapes;
  for (size_t I = 0; I < F.Inputs.size(); ++I)
    InShapes.push_back(shapeOf(Ins[I]));
  auto S = plan::inferShapes(F, InShapes);
  if (!S)
    return S.takeError();
  const ir::Inst &Res = F.result();
  bool Reduce = ir::isReduction(Res.Op);
  const plan::Shape &Want = (*S)[F.Result];
  if (shapeOf(Outs[0]) != Want)
    return makeError(ErrorKind::Value, "output has shape " +
                                           plan::shapeString(shapeOf(Outs[0])) +
                                           " but the result has shape " +
                                           plan::shapeString(Want));
  // The loop runs over the reduction's operand, or the result.
  plan::Shape Shape = Reduce ? (*S)[Res.Operands[0]] : Want;
  plan::Shape OutStrides(Shape.size(), 0);
  if (Reduce) {
    auto Reduced = plan::reducedDims(Res, (int)Shape.size());
    if (!Reduced)
      return Reduced.takeError();
    for (size_t D = 0, O = 0; D < Shape.size(); ++D)
      if (!(*Reduced)[D])
        OutStrides[D] = Outs[0].Strides[O++];
  } else {
    OutStrides.assign(Outs[0].Strides, Outs[0].Strides + Outs[0].NDim);
  }
  std::vector<bool> Used(F.Inputs.size(), false);
  for (const ir::Inst &I : F.Insts)
    if (I.Op == ir::Opcode::Input)
      Used[I.InputIndex] = true;
  std::vector<plan::Shape> Strides(F.Inputs.size());
  std::vector<ArrayView> Views(F.Inputs.size());
  for (size_t I = 0; I < F.Inputs.size(); ++I) {
    // An unused input is never read: any shape, stride 0.
    Strides[I] =
        Used[I]
            ? broadcastStrides(InShapes[I],
                               {Ins[I].Strides, Ins[I].Strides + Ins[I].NDim},
                               Shape)
            : plan::Shape(Shape.size(), 0);
    Views[I] = {Ins[I].Data, Strides[I].data()};
  }
  K.run((int)Shape.size(), Shape.data(),
        ArrayView{Outs[0].Data, OutStrides.data()}, Views.data(), Cancel);
  return llvm::Error::success();
}

void runPlanOnOneShape(const Kernel &K, int NDim, const int64_t *Shape,
                       const ArrayView &Out, const ArrayView *Inputs) {
  const ir::Function &F = programIR(K);
  if (F.outputs().size() != 1)
    throw Error(ErrorKind::Value,
                "a kernel with several outputs runs with run(outputs, "
                "inputs)");
  std::vector<NdArray> Ins(F.Inputs.size());
  for (size_t I = 0; I < F.Inputs.size(); ++I)
    Ins[I] = {Inputs[I].Data, NDim, Shape, Inputs[I].Strides};
  std::vector<std::vector<int64_t>> InShapes(
      F.Inputs.size(), std::vector<int64_t>(Shape, Shape + NDim));
  std::vector<int64_t> Want = K.outputShapes(InShapes)[0];
  NdArray O{Out.Data, NDim, Shape, Out.Strides};
  if (Want.empty())
    O = {Out.Data, 0, nullptr, nullptr};
  else if (Want != std::vector<int64_t>(Shape, Shape + NDim))
    throw Error(ErrorKind::Value, "this kernel's result has shape " +
                                      plan::shapeString(Want) +
                                      ": run it with run(outputs, inputs)");
  K.run(&O, Ins.data());
}

} // namespace nejit::internal
