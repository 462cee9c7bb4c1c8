//===- Interp/Interpreter.cpp - The interpreter tier ----------------------===//
/// \file
/// Program building (one block kernel per live instruction, temporaries
/// assigned to reusable block buffers) and the per-call loop over blocks:
/// inputs are read in place when contiguous, gathered when strided, filled
/// once when broadcast; the last kernel writes a contiguous output in place,
/// other outputs are scattered from a buffer.
//===----------------------------------------------------------------------===//
#include "Interp/Interpreter.h"
#include "CodeGen/CodeGen.h"
#include "Interp/Reduce.h"
#include "JIT/Target.h"

#include "llvm/ADT/SmallVector.h"

#include <algorithm>
#include <cstring>
#include <string>

namespace nejit::interp {

using ir::Opcode;

std::optional<Isa> hostIsa(const jit::HostTarget &T) {
  bool AVX2 = T.hasFeature("avx2");
  bool SSE41 = T.hasFeature("sse4.1");
  for (int K = 0; K < NumIsas; ++K) {
    const IsaDesc &D = isaDesc((Isa)K);
    const BlockKernelTable &Table = blockKernels((Isa)K);
    // CodeGen's Sleef choice depends on the width and, below 512 bits, on
    // AVX2 (then SSE4.1): those must agree for the results to.
    if (Table.Size == 0 || D.VectorBits != T.VectorBits ||
        (T.VectorBits < 512 &&
         (D.HasAVX2 != AVX2 || (!AVX2 && D.HasSSE41 != SSE41))))
      continue;
    std::string Need = Table.Requires;
    bool Runs = true;
    for (size_t Pos = 0; Runs && Pos < Need.size();) {
      size_t End = std::min(Need.find(',', Pos), Need.size());
      Runs = T.hasFeature(Need.substr(Pos, End - Pos));
      Pos = End + 1;
    }
    if (Runs)
      return (Isa)K;
  }
  return std::nullopt;
}

static bool isFloating(DType T) {
  return T == DType::Float32 || T == DType::Float64;
}

/// Which sincos kernel CodeGen's emitSinCos uses for instruction Id: it
/// pairs a sin with a cos of the same operand anywhere in the function.
static Variant sinCosVariant(const ir::Function &F, int Id) {
  const ir::Inst &I = F.Insts[Id];
  if ((I.Op != Opcode::Sin && I.Op != Opcode::Cos) || !isFloating(I.Type))
    return Variant::Plain;
  bool WantSin = I.Op == Opcode::Sin;
  for (size_t K = 0; K < F.Insts.size(); ++K) {
    const ir::Inst &O = F.Insts[K];
    if ((int)K != Id && O.Op == (WantSin ? Opcode::Cos : Opcode::Sin) &&
        O.Operands == I.Operands && O.Type == I.Type)
      return WantSin ? Variant::SinOfSinCos : Variant::CosOfSinCos;
  }
  return Variant::Plain;
}

/// Block copies of a constant, as the kernels read it from memory.
static void appendConstant(std::vector<char> &Out, const ir::Scalar &S,
                           int64_t Block) {
  unsigned char Elem[16] = {};
  size_t Size = (size_t)dtypeSize(S.Type);
  switch (S.Type) {
  case DType::Bool:
    Elem[0] = S.B ? 1 : 0;
    break;
  case DType::Int32: {
    int32_t V = (int32_t)S.I;
    std::memcpy(Elem, &V, 4);
    break;
  }
  case DType::Int64:
    std::memcpy(Elem, &S.I, 8);
    break;
  case DType::Float32: {
    float V = (float)S.F;
    std::memcpy(Elem, &V, 4);
    break;
  }
  case DType::Float64:
    std::memcpy(Elem, &S.F, 8);
    break;
  case DType::Complex128: {
    double Parts[2] = {S.C.real(), S.C.imag()};
    std::memcpy(Elem, Parts, 16);
    break;
  }
  case DType::Bytes:
    break;
  }
  for (int64_t K = 0; K < Block; ++K)
    Out.insert(Out.end(), Elem, Elem + Size);
}

std::unique_ptr<Program> Program::build(const ir::Function &F, Accuracy Acc,
                                        Isa I, unsigned VectorBits) {
  if (F.Result < 0 || F.Result >= (int)F.Insts.size())
    return nullptr;
  // The passes of an execution plan (several outputs, reduction states)
  // are the JIT's.
  if (!F.Outputs.empty())
    return nullptr;
  std::unique_ptr<Program> P(new Program);
  P->VF = codegen::vectorFactor(F, VectorBits);
  for (const Arg &A : F.Inputs) {
    if (A.Type == DType::Bytes)
      return nullptr;
    P->InputSizes.push_back(dtypeSize(A.Type));
  }
  if (!P->addSteps(F, Acc, I))
    return nullptr;
  P->assignSlots();
  return P;
}

Program::~Program() = default;

bool Program::addSteps(const ir::Function &F, Accuracy Acc, Isa I) {
  const ir::Inst &R = F.result();
  int Root = F.Result;
  ResultType = R.Type;
  if (ir::isReduction(R.Op)) {
    if (!canReduce(R.Op, R.Type))
      return false;
    Reduce = R.Op;
    Root = R.Operands[0];
  }
  std::vector<char> Live(F.Insts.size(), 0);
  Live[Root] = 1;
  for (int Id = Root; Id >= 0; --Id)
    if (Live[Id])
      for (int Op : F.Insts[Id].Operands)
        Live[Op] = 1;
  std::vector<char> InputUsed(F.Inputs.size(), 0);
  std::vector<int> ValueOf(F.Insts.size(), -1);
  for (int Id = 0; Id <= Root; ++Id) {
    if (!Live[Id])
      continue;
    const ir::Inst &In = F.Insts[Id];
    if (In.Type == DType::Bytes || ir::isReduction(In.Op))
      return false;
    ValueOf[Id] = (int)Values.size();
    if (In.Op == Opcode::Input) {
      Values.push_back({Home::Input, In.Type, In.InputIndex});
      InputUsed[In.InputIndex] = 1;
      continue;
    }
    if (In.Op == Opcode::Const) {
      Values.push_back({Home::Const, In.Type, (int)Consts.size()});
      Consts.push_back(In.Value);
      continue;
    }
    unsigned Types[3] = {NoType, NoType, NoType};
    Step S;
    S.NumArgs = (int)In.Operands.size();
    if (S.NumArgs > 3)
      return false;
    for (int K = 0; K < S.NumArgs; ++K) {
      Types[K] = (unsigned)F.Insts[In.Operands[K]].Type;
      S.Args[K] = ValueOf[In.Operands[K]];
    }
    S.Fn = findBlockKernel(I, In.Op, In.Type, Types[0], Types[1], Types[2],
                           sinCosVariant(F, Id), VF, accClass(Acc));
    if (!S.Fn)
      return false;
    S.Out = (int)Values.size();
    Values.push_back({Home::Temp, In.Type, 0});
    Steps.push_back(S);
  }
  Result = ValueOf[Root];
  if (Reduce == Opcode::Input && Values[Result].Where != Home::Temp) {
    // `a` or a constant alone: the JIT kernel loads and stores it (which
    // also turns nonzero bool bytes into 1).
    Step S;
    S.Fn = findBlockKernel(I, Opcode::Copy, ResultType, (unsigned)ResultType,
                           NoType, NoType, Variant::Plain, VF, accClass(Acc));
    if (!S.Fn)
      return false;
    S.NumArgs = 1;
    S.Args[0] = Result;
    S.Out = Result = (int)Values.size();
    Values.push_back({Home::Temp, ResultType, 0});
    Steps.push_back(S);
  }
  for (size_t K = 0; K < InputUsed.size(); ++K)
    if (InputUsed[K])
      UsedInputs.push_back((int)K);
  return true;
}

void Program::assignSlots() {
  int64_t Widest = dtypeSize(ResultType);
  for (const Value &V : Values)
    Widest = std::max(Widest, dtypeSize(V.Type));
  // A temporary's buffer is free again after the last step reading it; the
  // result's never is.
  std::vector<int> LastUse(Values.size(), -1);
  for (size_t S = 0; S < Steps.size(); ++S)
    for (int K = 0; K < Steps[S].NumArgs; ++K)
      LastUse[Steps[S].Args[K]] = (int)S;
  LastUse[Result] = (int)Steps.size();
  std::vector<int> Free;
  for (size_t S = 0; S < Steps.size(); ++S) {
    Value &Out = Values[Steps[S].Out];
    if (Free.empty()) {
      Out.Index = NumTemps++;
    } else {
      Out.Index = Free.back();
      Free.pop_back();
    }
    for (int K = 0; K < Steps[S].NumArgs; ++K) {
      int A = Steps[S].Args[K];
      bool Again = false;
      for (int J = 0; J < K; ++J)
        Again |= Steps[S].Args[J] == A;
      if (!Again && Values[A].Where == Home::Temp && LastUse[A] == (int)S)
        Free.push_back(Values[A].Index);
    }
  }
  int64_t Buffers =
      (int64_t)(Consts.size() + UsedInputs.size()) + (int64_t)NumTemps;
  while (Block > MinBlockSize && Buffers * Block * Widest > BufferBudget)
    Block /= 2;
  SlotBytes = Block * Widest;
  for (Value &V : Values)
    if (V.Where == Home::Const) {
      const ir::Scalar &S = Consts[V.Index];
      V.Index = (int)ConstBytes.size();
      appendConstant(ConstBytes, S, Block);
    }
  Consts.clear();
}

void Program::callThunk(const void *Ctx, int64_t N, char *const *Ptrs,
                        const int64_t *Strides) {
  static_cast<const Program *>(Ctx)->call(N, Ptrs, Strides);
}

void Program::call(int64_t N, char *const *Ptrs, const int64_t *Strides) const {
  // Per thread, grown to the largest program run on it; 64-byte aligned so
  // that block buffers start on cache lines.
  thread_local std::vector<char> Scratch;
  size_t Need =
      (size_t)(NumTemps + (int)UsedInputs.size()) * (size_t)SlotBytes + 64;
  if (Scratch.size() < Need)
    Scratch.resize(Need);
  char *Base = Scratch.data();
  Base += (64 - reinterpret_cast<uintptr_t>(Base) % 64) % 64;
  runBlocks(N, Ptrs, Strides, Base);
}

namespace {

template <size_t Size>
void gatherN(char *Dst, const char *Src, int64_t Stride, int64_t N) {
  for (int64_t I = 0; I < N; ++I)
    std::memcpy(Dst + I * Size, Src + I * Stride, Size);
}

template <size_t Size>
void scatterN(char *Dst, int64_t Stride, const char *Src, int64_t N) {
  for (int64_t I = 0; I < N; ++I)
    std::memcpy(Dst + I * Stride, Src + I * Size, Size);
}

/// Copies N strided elements of Size bytes into a contiguous buffer.
void gather(char *Dst, const char *Src, int64_t Stride, int64_t Size,
            int64_t N) {
  switch (Size) {
  case 1:
    return gatherN<1>(Dst, Src, Stride, N);
  case 4:
    return gatherN<4>(Dst, Src, Stride, N);
  case 8:
    return gatherN<8>(Dst, Src, Stride, N);
  default:
    return gatherN<16>(Dst, Src, Stride, N);
  }
}

/// Copies N contiguous elements of Size bytes to a strided destination.
void scatter(char *Dst, int64_t Stride, const char *Src, int64_t Size,
             int64_t N) {
  switch (Size) {
  case 1:
    return scatterN<1>(Dst, Stride, Src, N);
  case 4:
    return scatterN<4>(Dst, Stride, Src, N);
  case 8:
    return scatterN<8>(Dst, Stride, Src, N);
  default:
    return scatterN<16>(Dst, Stride, Src, N);
  }
}

/// N copies of the element at Src.
void splat(char *Dst, const char *Src, int64_t Size, int64_t N) {
  for (int64_t I = 0; I < N; ++I)
    std::memcpy(Dst + I * Size, Src, (size_t)Size);
}

enum class InputMode : uint8_t { InPlace, Gather, Splat };

} // namespace

void Program::runBlocks(int64_t N, char *const *Ptrs, const int64_t *Strides,
                        char *Scratch) const {
  static const int64_t NoStrides[4] = {0, 0, 0, 0};
  size_t NIn = InputSizes.size();
  llvm::SmallVector<InputMode, 8> Mode(NIn, InputMode::InPlace);
  llvm::SmallVector<char *, 8> InPtr(NIn, nullptr);
  char *InputBufs = Scratch + (int64_t)NumTemps * SlotBytes;
  for (size_t K = 0; K < UsedInputs.size(); ++K) {
    int In = UsedInputs[K];
    int64_t Size = InputSizes[In], Stride = Strides[1 + In];
    InPtr[In] = InputBufs + (int64_t)K * SlotBytes;
    if (Stride == Size) {
      Mode[In] = InputMode::InPlace;
    } else if (Stride == 0) {
      Mode[In] = InputMode::Splat;
      splat(InPtr[In], Ptrs[1 + In], Size, std::min(N, Block));
    } else {
      Mode[In] = InputMode::Gather;
    }
  }
  llvm::SmallVector<char *, 16> ValPtr(Values.size(), nullptr);
  for (size_t V = 0; V < Values.size(); ++V) {
    const Value &Val = Values[V];
    if (Val.Where == Home::Const)
      ValPtr[V] = const_cast<char *>(ConstBytes.data()) + Val.Index;
    else if (Val.Where == Home::Temp)
      ValPtr[V] = Scratch + (int64_t)Val.Index * SlotBytes;
  }
  char *ResultBuf = ValPtr[Result];

  bool Reducing = Reduce != Opcode::Input;
  bool Fold = Reducing && Strides[0] == 0;
  int64_t OutSize = dtypeSize(ResultType);
  bool OutInPlace = !Reducing && Strides[0] == OutSize;
  LaneAccumulator Lanes;
  int64_t VecEnd = N & ~(int64_t)(VF - 1);
  if (Fold)
    initLanes(Lanes, Reduce, ResultType, VF, N);

  int64_t Last = 0;
  for (int64_t B = 0; B < N; B += Block) {
    int64_t Len = std::min(Block, N - B);
    Last = B;
    for (int In : UsedInputs) {
      int64_t Size = InputSizes[In], Stride = Strides[1 + In];
      if (Mode[In] == InputMode::Gather)
        gather(InPtr[In], Ptrs[1 + In] + B * Stride, Stride, Size, Len);
    }
    for (size_t V = 0; V < Values.size(); ++V)
      if (Values[V].Where == Home::Input) {
        int In = Values[V].Index;
        ValPtr[V] = Mode[In] == InputMode::InPlace
                        ? Ptrs[1 + In] + B * InputSizes[In]
                        : InPtr[In];
      }
    if (OutInPlace)
      ValPtr[Result] = Ptrs[0] + B * OutSize;
    for (const Step &S : Steps) {
      char *P[4] = {ValPtr[S.Out], ValPtr[S.Args[0]], ValPtr[S.Args[1]],
                    ValPtr[S.Args[2]]};
      S.Fn(Len, P, NoStrides);
    }
    if (!Reducing) {
      if (!OutInPlace)
        scatter(Ptrs[0] + B * Strides[0], Strides[0], ResultBuf, OutSize, Len);
    } else if (Fold) {
      int64_t VecLen = std::clamp<int64_t>(VecEnd - B, 0, Len);
      foldLanes(Lanes, Reduce, ResultType, VF, ValPtr[Result], VecLen);
    } else {
      accumulate(Reduce, ResultType, Ptrs[0] + B * Strides[0], Strides[0],
                 ValPtr[Result], Len);
    }
  }
  if (Fold) {
    // The scalar tail [VecEnd, N) lies in the last block.
    const char *Tail =
        N > VecEnd ? ValPtr[Result] + (VecEnd - Last) * OutSize : nullptr;
    finishLanes(Lanes, Reduce, ResultType, VF, Ptrs[0], Tail, N - VecEnd);
  }
}

} // namespace nejit::interp
