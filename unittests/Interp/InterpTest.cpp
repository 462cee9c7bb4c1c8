//===- unittests/Interp/InterpTest.cpp - Interpreter vs JIT, bit for bit --===//
/// \file
/// Every block kernel of every instruction set the host can run, and fused
/// expressions through the public API, run by the interpreter and by the
/// JIT over the same operands (awkward lengths, strided and broadcast
/// operands, special values): the outputs must be identical bytes.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"
#include "CodeGen/CodeGen.h"
#include "Interp/BlockKernels.h"
#include "Interp/Interpreter.h"
#include "Interp/Tier.h"
#include "JIT/Engine.h"
#include "JIT/Target.h"
#include "Runtime/Driver.h"
#include "Runtime/Helpers.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <tuple>
#include <vector>

using namespace nejit;
using interp::Isa;

namespace {

/// A machine description the JIT compiles for and the block kernels that
/// must agree with it.
struct TierTarget {
  Isa Kernels;
  jit::HostTarget T;
};

/// The host, and the narrower machines this host can also run: itself at
/// NEJIT_VECTOR_BITS=256, and a plain x86-64 with SSE4.1.
std::vector<TierTarget> targets() {
  std::vector<TierTarget> Out;
  const jit::HostTarget &H = jit::hostTarget();
  if (auto I = interp::hostIsa(H))
    Out.push_back({*I, H});
  if (H.VectorBits == 512) {
    jit::HostTarget Narrow = H;
    Narrow.VectorBits = 256;
    if (auto I = interp::hostIsa(Narrow))
      Out.push_back({*I, Narrow});
  }
  if (auto Base = jit::makeTarget("x86-64", "+sse4.1,+ssse3,+sse3")) {
    if (auto I = interp::hostIsa(*Base))
      Out.push_back({*I, *Base});
  } else {
    llvm::consumeError(Base.takeError());
  }
  return Out;
}

/// Compiles F for one layout variant and target; the code stays alive for
/// the whole test program.
runtime::KernelFn jitVariant(const ir::Function &F,
                             const codegen::KernelSpec &Spec, Accuracy Acc,
                             const jit::HostTarget &T) {
  static std::vector<std::shared_ptr<const jit::CompiledCode>> Keep;
  runtime::registerHelpers();
  Options O;
  O.Acc = Acc;
  std::string Key = ir::print(F) + "|" + Spec.key() + "|" + T.CPU + "|" +
                    T.Features + "|" + std::to_string(T.VectorBits) + "|" +
                    std::to_string((int)Acc) + "|" + internal::buildIdentity() +
                    "|interp-test";
  auto Build = [&]() -> llvm::Expected<llvm::orc::ThreadSafeModule> {
    auto Ctx = std::make_unique<llvm::LLVMContext>();
    auto M = internal::buildModule(F, Spec, O, T, *Ctx);
    if (!M)
      return M.takeError();
    return llvm::orc::ThreadSafeModule(std::move(*M), std::move(Ctx));
  };
  auto Code = jit::getOrCompile(Key, Build, "nejit_kernel", 2);
  if (!Code) {
    ADD_FAILURE() << llvm::toString(Code.takeError());
    return nullptr;
  }
  Keep.push_back(*Code);
  return reinterpret_cast<runtime::KernelFn>((*Code)->entry());
}

//===--- operand data -----------------------------------------------------===//

const double SpecialDoubles[] = {0.0,
                                 -0.0,
                                 1.0,
                                 -1.0,
                                 0.5,
                                 -2.5,
                                 3.0,
                                 std::numeric_limits<double>::quiet_NaN(),
                                 std::numeric_limits<double>::infinity(),
                                 -std::numeric_limits<double>::infinity(),
                                 1e-310,
                                 -4e-320,
                                 1e300,
                                 -1e300,
                                 709.5,
                                 -710.2,
                                 88.9,
                                 1e19,
                                 3.14159,
                                 1e-30};
const int64_t SpecialInts[] = {0,  1,  -1, 2,  -2, 3,  7,  -7, 31,
                               32, 33, 63, 64, 65, -3, 10, 40, -40};

/// Value I of an operand of type T, from a seeded generator: mostly
/// ordinary numbers, often special ones.
void fillElement(char *P, DType T, std::mt19937_64 &G) {
  std::uniform_int_distribution<int> Pick(0, 9);
  bool Special = Pick(G) < 3;
  auto Double = [&]() -> double {
    if (Special)
      return SpecialDoubles[G() % std::size(SpecialDoubles)];
    std::uniform_real_distribution<double> D(-8, 8);
    return D(G);
  };
  auto Int = [&](bool Wide) -> int64_t {
    if (Special) {
      int64_t Lim = Wide ? std::numeric_limits<int64_t>::max()
                         : std::numeric_limits<int32_t>::max();
      switch (G() % 4) {
      case 0:
        return Lim;
      case 1:
        return -Lim - 1;
      default:
        return SpecialInts[G() % std::size(SpecialInts)];
      }
    }
    return (int64_t)(G() % 2001) - 1000;
  };
  switch (T) {
  case DType::Bool:
    *P = (char)(G() % 2);
    break;
  case DType::Int32: {
    int32_t V = (int32_t)Int(false);
    std::memcpy(P, &V, 4);
    break;
  }
  case DType::Int64: {
    int64_t V = Int(true);
    std::memcpy(P, &V, 8);
    break;
  }
  case DType::Float32: {
    float V = (float)Double();
    std::memcpy(P, &V, 4);
    break;
  }
  case DType::Float64: {
    double V = Double();
    std::memcpy(P, &V, 8);
    break;
  }
  case DType::Complex128: {
    double V[2] = {Double(), Double()};
    Special = Pick(G) < 3;
    V[1] = Double();
    std::memcpy(P, V, 16);
    break;
  }
  case DType::Bytes:
    break;
  }
}

/// One operand's memory: N elements at a byte stride (0: broadcast).
struct Operand {
  DType Type;
  int64_t Stride;
  std::vector<char> Bytes;
  char *data() { return Bytes.data(); }
};

Operand makeOperand(DType T, int64_t N, int64_t StrideElems, unsigned Seed) {
  int64_t Size = dtypeSize(T);
  Operand O{T, StrideElems * Size, {}};
  int64_t Count = StrideElems == 0 ? 1 : (N - 1) * StrideElems + 1;
  O.Bytes.assign((size_t)std::max<int64_t>(Count, 1) * Size + 16, 0);
  std::mt19937_64 G(Seed);
  for (int64_t I = 0; I < O.Bytes.size() / Size; ++I)
    fillElement(O.data() + I * Size, T, G);
  return O;
}

/// Whether two output buffers of type T hold the same values: the same
/// bytes, except that any two NaNs are the same. Which NaN operand of an
/// operation propagates (and its sign and payload) is what x86 gives for
/// the operand order LLVM's canonicalization chose, which can differ
/// between a fused kernel and a one-operation kernel; IEEE 754 leaves it
/// open and numpy does not promise it either. Returns the first differing
/// element, or -1.
int64_t firstDifference(const std::vector<char> &X, const std::vector<char> &Y,
                        DType T) {
  int64_t Part = T == DType::Float32 ? 4 : 8;
  bool Floating =
      T == DType::Float32 || T == DType::Float64 || T == DType::Complex128;
  int64_t Size = dtypeSize(T);
  for (size_t B = 0; B + Part <= X.size(); B += Part) {
    if (std::memcmp(&X[B], &Y[B], Part) == 0)
      continue;
    if (Floating) {
      bool NanX, NanY;
      if (Part == 4) {
        float A, C;
        std::memcpy(&A, &X[B], 4);
        std::memcpy(&C, &Y[B], 4);
        NanX = std::isnan(A), NanY = std::isnan(C);
      } else {
        double A, C;
        std::memcpy(&A, &X[B], 8);
        std::memcpy(&C, &Y[B], 8);
        NanX = std::isnan(A), NanY = std::isnan(C);
      }
      if (NanX && NanY)
        continue;
    }
    return (int64_t)B / Size;
  }
  for (size_t B = X.size() / Part * Part; B < X.size(); ++B)
    if (X[B] != Y[B])
      return (int64_t)B / Size;
  return -1;
}

/// The layouts a case runs with: every operand contiguous, or strided
/// first input, broadcast second input and strided output.
enum class Shape { Contiguous, Mixed };

/// Runs F over N elements with each tier and compares the bytes of the
/// output buffers. Returns false (after reporting) on a difference.
bool sameInBothTiers(const ir::Function &F, Accuracy Acc, const TierTarget &TT,
                     int64_t N, Shape S, const std::string &What) {
  auto Prog = interp::Program::build(F, Acc, TT.Kernels, TT.T.VectorBits);
  if (!Prog) {
    ADD_FAILURE() << What << ": the interpreter does not cover it";
    return false;
  }
  bool Reduction = ir::isReduction(F.result().Op);
  DType RT = F.result().Type;
  std::vector<Operand> Ins;
  for (size_t K = 0; K < F.Inputs.size(); ++K) {
    int64_t Step = S == Shape::Mixed ? (K == 0 ? 3 : K == 1 ? 0 : 1) : 1;
    Ins.push_back(makeOperand(F.Inputs[K].Type, N, Step, 1000 + 17 * K));
  }
  int64_t OutStep = Reduction ? 0 : S == Shape::Mixed ? 2 : 1;
  Operand Out[2] = {makeOperand(RT, N, OutStep, 7),
                    makeOperand(RT, N, OutStep, 7)};
  for (int Tier = 0; Tier < 2; ++Tier) {
    runtime::RunRequest R;
    R.NDim = 1;
    R.Shape = &N;
    R.ResultType = RT;
    R.Reduce = Reduction ? F.result().Op : ir::Opcode::Input;
    std::vector<int64_t> Strides;
    Strides.push_back(Out[Tier].Stride);
    for (Operand &O : Ins)
      Strides.push_back(O.Stride);
    R.Data.push_back(Out[Tier].data());
    for (Operand &O : Ins)
      R.Data.push_back(O.data());
    for (size_t K = 0; K < Strides.size(); ++K) {
      R.Strides.push_back(&Strides[K]);
      R.ElemSizes.push_back(dtypeSize(K ? Ins[K - 1].Type : RT));
    }
    if (Reduction && N > 0) {
      // Start from the identity, as the driver does.
      std::memset(Out[Tier].data(), 0, (size_t)dtypeSize(RT));
    }
    llvm::Error E = runtime::run(R, [&](const codegen::KernelSpec &Spec) {
      return Tier ? runtime::KernelRef(Prog->kernel())
                  : runtime::KernelRef(jitVariant(F, Spec, Acc, TT.T));
    });
    if (E) {
      ADD_FAILURE() << What << ": " << llvm::toString(std::move(E));
      return false;
    }
  }
  int64_t Elem = firstDifference(Out[0].Bytes, Out[1].Bytes, RT);
  if (Elem < 0)
    return true;
  int64_t Size = dtypeSize(RT);
  auto Hex = [&](const char *P, int64_t Bytes) {
    std::string H;
    for (int64_t J = Bytes - 1; J >= 0; --J) {
      char Two[4];
      std::snprintf(Two, sizeof Two, "%02x", (unsigned char)P[J]);
      H += Two;
    }
    return H;
  };
  std::string Inputs;
  for (size_t K = 0; K < Ins.size(); ++K) {
    int64_t Pos = Ins[K].Stride == 0 ? 0 : Elem / std::max<int64_t>(OutStep, 1);
    Inputs += " in" + std::to_string(K) + "=" +
              Hex(Ins[K].data() + Pos * Ins[K].Stride, dtypeSize(Ins[K].Type));
  }
  ADD_FAILURE() << What << " on " << interp::isaDesc(TT.Kernels).Name
                << " N=" << N << (S == Shape::Mixed ? " mixed" : "")
                << ": element " << Elem << " differs: jit "
                << Hex(Out[0].data() + Elem * Size, Size) << " interp "
                << Hex(Out[1].data() + Elem * Size, Size) << Inputs << "\n"
                << ir::print(F);
  return false;
}

//===--- the table's kernels as functions ---------------------------------===//

struct Decoded {
  ir::Opcode Op;
  DType Result;
  std::vector<DType> Args;
  interp::Variant V;
  unsigned Width;
  interp::AccClass Acc;
};

Decoded decode(uint64_t Key) {
  Decoded D;
  D.Op = (ir::Opcode)(Key >> 48);
  D.Result = (DType)((Key >> 44) & 15);
  for (int Shift : {40, 36, 32}) {
    unsigned T = (Key >> Shift) & 15;
    if (T != interp::NoType)
      D.Args.push_back((DType)T);
  }
  D.V = (interp::Variant)((Key >> 24) & 15);
  D.Width = (Key >> 8) & 0xffff;
  D.Acc = (interp::AccClass)(Key & 0xff);
  return D;
}

/// The one-operation function of a table entry; with an extra unused input
/// when the entry's width is that of a kernel with a wider type.
ir::Function functionFor(const Decoded &D, unsigned VectorBits) {
  ir::Function F;
  std::vector<int> Ops;
  for (size_t K = 0; K < D.Args.size(); ++K) {
    F.Inputs.push_back({"x" + std::to_string(K), D.Args[K], 0});
    ir::Inst In{ir::Opcode::Input, D.Args[K]};
    In.InputIndex = (int)K;
    Ops.push_back(F.add(In));
  }
  ir::Inst I{D.Op, D.Result};
  I.Operands = Ops;
  F.Result = F.add(I);
  if (D.V != interp::Variant::Plain) {
    ir::Inst Other{D.V == interp::Variant::SinOfSinCos ? ir::Opcode::Cos
                                                       : ir::Opcode::Sin,
                   D.Result};
    Other.Operands = Ops;
    F.add(Other);
  }
  if (D.Width != interp::AnyWidth &&
      codegen::vectorFactor(F, VectorBits) != D.Width) {
    DType Wide = D.Width * 64 == VectorBits ? DType::Float64 : DType::Float32;
    F.Inputs.push_back({"wide", Wide, 0});
    ir::Inst In{ir::Opcode::Input, Wide};
    In.InputIndex = (int)F.Inputs.size() - 1;
    F.add(In);
  }
  return F;
}

/// Checks every kernel of the table target Which (0: the host, 1: the host
/// at 256 bits, 2: x86-64 with SSE4.1) against the JIT for that target.
void checkTable(int Which) {
  auto All = targets();
  const jit::HostTarget &H = jit::hostTarget();
  const TierTarget *TT = nullptr;
  for (const TierTarget &C : All)
    if ((Which == 0 && C.T.VectorBits == H.VectorBits &&
         C.T.Features == H.Features) ||
        (Which == 1 && C.T.VectorBits == 256 && C.T.Features == H.Features) ||
        (Which == 2 && C.Kernels == Isa::Sse41 && C.T.CPU == "x86-64"))
      TT = &C;
  if (!TT)
    GTEST_SKIP() << "this host cannot run that instruction set's kernels";
  const interp::BlockKernelTable &Table = interp::blockKernels(TT->Kernels);
  int Failures = 0, Checked = 0;
  for (size_t E = 0; E < Table.Size && Failures < 20; ++E) {
    Decoded D = decode(Table.Entries[E].Key);
    ir::Function F = functionFor(D, TT->T.VectorBits);
    unsigned VF = codegen::vectorFactor(F, TT->T.VectorBits);
    if (D.Width != interp::AnyWidth)
      ASSERT_EQ(VF, D.Width) << ir::print(F);
    std::vector<Accuracy> Accs;
    if (D.Acc != interp::AccClass::Low)
      Accs.push_back(Accuracy::High);
    if (D.Acc != interp::AccClass::High)
      Accs.push_back(Accuracy::Low);
    const int64_t B = interp::MaxBlockSize;
    // Empty, shorter than a vector, around a block, a vector tail after two
    // blocks; and past the driver's parallel threshold on the host.
    std::vector<int64_t> Contiguous = {0,     1,     VF - 1,        VF + 1,
                                       B - 1, B + 1, 2 * B + VF + 3};
    if (Which == 0)
      Contiguous.push_back(runtime::SerialThreshold + 7);
    const std::vector<int64_t> Mixed = {1, VF + 1, B + VF - 1};
    // The gathering and scattering around the kernels is the same code for
    // every instruction set: the host's run checks it.
    std::vector<Shape> Shapes = {Shape::Contiguous};
    if (Which == 0)
      Shapes.push_back(Shape::Mixed);
    for (Accuracy A : Accs)
      for (Shape S : Shapes)
        for (int64_t N : S == Shape::Mixed ? Mixed : Contiguous) {
          ++Checked;
          if (!sameInBothTiers(F, A, *TT, N, S, ir::opcodeName(D.Op))) {
            ++Failures;
            break;
          }
        }
  }
  EXPECT_EQ(Failures, 0);
  EXPECT_GT(Checked, 1000);
}

TEST(InterpTest, HostKernelsMatchTheJit) { checkTable(0); }
TEST(InterpTest, Host256BitKernelsMatchTheJit) { checkTable(1); }
TEST(InterpTest, Sse41KernelsMatchTheJit) { checkTable(2); }

//===--- fused expressions through the public API -------------------------===//

/// Restores auto at the end of a test.
struct TierGuard {
  ~TierGuard() { interp::setTierMode(interp::TierMode::Auto); }
};

Signature mixedSignature() {
  return {{"a", DType::Float64},    {"b", DType::Float64},
          {"c", DType::Float32},    {"d", DType::Float32},
          {"i", DType::Int32},      {"j", DType::Int32},
          {"k", DType::Int64},      {"l", DType::Int64},
          {"p", DType::Bool},       {"q", DType::Bool},
          {"z", DType::Complex128}, {"w", DType::Complex128}};
}

/// A 2-d operand of Rows x Cols viewed through strides (in elements).
struct View2D {
  std::vector<char> Bytes;
  int64_t Strides[2];
};

View2D makeView(DType T, int64_t Rows, int64_t Cols, int64_t RowStep,
                int64_t ColStep, unsigned Seed) {
  int64_t Size = dtypeSize(T);
  int64_t Span = std::max<int64_t>((Rows - 1) * std::llabs(RowStep) +
                                       (Cols - 1) * std::llabs(ColStep) + 1,
                                   1);
  View2D V;
  V.Bytes.resize((size_t)(Span * Size) + 16);
  std::mt19937_64 G(Seed);
  for (int64_t I = 0; I < Span; ++I)
    fillElement(V.Bytes.data() + I * Size, T, G);
  V.Strides[0] = RowStep * Size;
  V.Strides[1] = ColStep * Size;
  return V;
}

/// Runs Expr over Rows x Cols with the interpreter and with the JIT and
/// compares the outputs' bytes. Layout 0: C order; 1: the first inputs
/// transposed, broadcast along rows and strided; the output C order, or for
/// a reduction 0-strided along its reduced axes.
void compareTiers(const std::string &Expr, int64_t Rows, int64_t Cols,
                  int Layout) {
  Signature Sig = mixedSignature();
  Kernel K = compile(Expr, Sig);
  DType RT = K.resultType();
  int64_t Size = dtypeSize(RT);
  // The same operands for every expression of a shape and layout.
  static std::map<std::tuple<int64_t, int64_t, int>, std::vector<View2D>> Made;
  std::vector<View2D> &Ins = Made[{Rows, Cols, Layout}];
  for (size_t I = Ins.size(); I < Sig.size(); ++I) {
    int64_t RowStep = Cols, ColStep = 1;
    if (Layout == 1) {
      switch (I % 4) {
      case 0: // transposed
        RowStep = 1;
        ColStep = Rows;
        break;
      case 1: // one row for every row
        RowStep = 0;
        break;
      case 2: // every other column
        RowStep = 2 * Cols;
        ColStep = 2;
        break;
      default:
        break;
      }
    }
    Ins.push_back(makeView(Sig[I].Type, Rows, Cols, RowStep, ColStep,
                           (unsigned)(31 * I + Rows + Layout)));
  }
  std::vector<ArrayView> Views;
  for (View2D &V : Ins)
    Views.push_back({V.Bytes.data(), V.Strides});
  int64_t OutStrides[2] = {Cols * Size, Size};
  if (K.reduction() != Reduction::None) {
    auto Axis = K.reductionAxis();
    if (!Axis)
      OutStrides[0] = OutStrides[1] = 0;
    else if (*Axis == 0)
      OutStrides[0] = 0;
    else
      OutStrides[1] = 0, OutStrides[0] = Size;
  }
  int64_t Shape[2] = {Rows, Cols};
  std::vector<char> Out[2];
  for (int Tier = 0; Tier < 2; ++Tier) {
    interp::setTierMode(Tier ? interp::TierMode::Interp
                             : interp::TierMode::Jit);
    Out[Tier].assign((size_t)(std::max<int64_t>(Rows * Cols, 1) * Size), 0x5a);
    K.run(2, Shape, ArrayView{Out[Tier].data(), OutStrides}, Views.data());
  }
  int64_t Elem = firstDifference(Out[0], Out[1], RT);
  if (Elem < 0)
    return;
  auto Hex = [&](const std::vector<char> &O) {
    std::string H;
    for (int64_t J = Size - 1; J >= 0; --J) {
      char Two[4];
      std::snprintf(Two, sizeof Two, "%02x", (unsigned char)O[Elem * Size + J]);
      H += Two;
    }
    return H;
  };
  ADD_FAILURE() << Expr << " " << Rows << "x" << Cols << " layout " << Layout
                << ": element " << Elem << " differs: jit " << Hex(Out[0])
                << " interp " << Hex(Out[1]);
}

const char *const FusedExpressions[] = {
    "2*a + 3*b",
    "sin(a)**2 + cos(a)**2",
    "sin(c) * cos(c)",
    "sin(c) + a",
    "sin(c) + cos(c) + a",
    "where(a > 0, log(a), b)",
    "arctan2(c, d) + hypot(c, d)",
    "arctan2(c, d) + hypot(a, b)",
    "fmod(a, b) + fmod(c, d)",
    "c // d + c % d",
    "i // j + i % j",
    "i / j",
    "(i // j) * c",
    "k // l + k % l",
    "i ** j",
    "k ** l",
    "(i << j) + (i >> j)",
    "(k << l) ^ (k >> l)",
    "p & q | ~p",
    "p ^ (i > j)",
    "(i > 3) & (c < d)",
    "where(p, i, j)",
    "where(q, k, l) + where(p, c, d)",
    "where(p, z, w)",
    "z * w + z / w - z",
    "exp(z) + log(w)",
    "sqrt(z) + z ** w",
    "arcsin(z) + arccos(w) + arctan(z)",
    "arcsinh(z) + arccosh(w) + arctanh(z)",
    "sin(z) + cos(w) + tan(z)",
    "sinh(z) + cosh(w) + tanh(z)",
    "expm1(z) + log1p(w) + log10(z)",
    "abs(z) + conj(w)",
    "real(z) + imag(w)",
    "complex(a, b) * z",
    "z == w",
    "z != w",
    "sinh(a) + cosh(b) + tanh(a)",
    "arcsinh(a) + arccosh(b) + arctanh(a)",
    "arcsin(c) + arccos(d) + arctan(c)",
    "log1p(a) + expm1(b) + exp(a)",
    "log10(c) + log2(d) + log(c)",
    "tan(a) + sqrt(b) + a ** b",
    "c ** d",
    "floor(a) + ceil(b) + trunc(a) + round(b)",
    "floor(c) + round(i)",
    "sign(a) + sign(c) + sign(i) + sign(k)",
    "isnan(a) | isinf(b) | isfinite(c) | isnan(z)",
    "signbit(a) | signbit(d)",
    "copysign(a, b) + nextafter(a, b)",
    "copysign(c, d) + nextafter(c, d)",
    "maximum(a, b) - minimum(c, d)",
    "maximum(i, j) + minimum(k, l)",
    "a > 0.5",
    "c * 2.5 + 1",
    "i + 1.5",
    "i * 3 - k",
    "-a + -c",
    "-i",
    "a",
    "p",
    "z",
    "3.0 + a * 0",
    "i + k + c + a",
    "c + i",
    "k + c",
    "p + q",
    "p * q",
    "abs(i) + abs(c) + abs(a)",
    "ones_like(a) + ones_like(i)",
    "sum(a)",
    "sum(a * b)",
    "prod(b)",
    "min(a)",
    "max(a)",
    "min(c + d)",
    "max(d)",
    "sum(i)",
    "prod(k)",
    "min(i)",
    "max(l)",
    "sum(c)",
    "sum(z)",
    "prod(z)",
    "sum(a, axis=0)",
    "sum(a, axis=1)",
    "min(a, axis=1)",
    "max(c, axis=0)",
    "prod(z, axis=1)",
    "sum(i * j, axis=0)",
};

TEST(InterpTest, FusedExpressionsMatchTheJit) {
  TierGuard Guard;
  if (!interp::hostIsa(jit::hostTarget()))
    GTEST_SKIP() << "no block kernels run on this host";
  for (const char *E : FusedExpressions)
    for (auto [Rows, Cols] : {std::pair<int64_t, int64_t>{1, 0},
                              {1, 1},
                              {1, 17},
                              {1, 1025},
                              {37, 45},
                              {3, 40001},
                              {300, 301}})
      for (int Layout : {0, 1})
        compareTiers(E, Rows, Cols, Layout);
}

/// The sign of a zero minimum and NaN skipping follow x86's minnum.
TEST(InterpTest, ReductionsOfZerosAndNaNsMatchTheJit) {
  TierGuard Guard;
  if (!interp::hostIsa(jit::hostTarget()))
    GTEST_SKIP() << "no block kernels run on this host";
  const double NaN = std::numeric_limits<double>::quiet_NaN();
  const std::vector<std::vector<double>> Cases = {
      {0.0, -0.0, 0.0, -0.0, 1.0, -0.0, 0.0},
      {-0.0, 0.0, -0.0},
      {NaN, NaN, -0.0, NaN, 0.0},
      {NaN},
      {},
      {2.0, NaN, -3.0, NaN, -0.0, 5.0, -3.0, 0.0, NaN, 1.0, 2.0,
       3.0, 4.0, 5.0,  6.0, 7.0,  8.0, -9.0, NaN, 0.0, -0.0}};
  Signature Sig = {{"a", DType::Float64}};
  for (const char *E : {"min(a)", "max(a)", "sum(a)", "prod(a)", "min(-a)"})
    for (const auto &Data : Cases) {
      Kernel K = compile(E, Sig);
      double Out[2];
      for (int Tier = 0; Tier < 2; ++Tier) {
        interp::setTierMode(Tier ? interp::TierMode::Interp
                                 : interp::TierMode::Jit);
        const void *In[] = {Data.data()};
        K.run((int64_t)Data.size(), &Out[Tier], In);
      }
      EXPECT_EQ(std::memcmp(&Out[0], &Out[1], sizeof(double)), 0)
          << E << " over " << Data.size() << " values: jit " << Out[0]
          << " interp " << Out[1];
    }
}

/// Under auto a kernel starts in the interpreter, is compiled in the
/// background once hot, and then runs its JIT code.
TEST(InterpTest, AutoSwapsToTheJitWhenItsCodeIsReady) {
  TierGuard Guard;
  if (!interp::hostIsa(jit::hostTarget()))
    GTEST_SKIP() << "no block kernels run on this host";
  interp::setTierMode(interp::TierMode::Auto);
  Kernel K = compile("a * 1.25 - b * 0.75 + 0.0625 * a * b",
                     {{"a", DType::Float64}, {"b", DType::Float64}});
  const int64_t N = 1 << 16;
  std::vector<double> A(N, 1.5), B(N, -2.0), Out(N);
  const void *In[] = {A.data(), B.data()};
  CacheStats Before = cacheStats();
  K.run(N, Out.data(), In);
  CacheStats First = cacheStats();
  EXPECT_EQ(First.Tier1Runs, Before.Tier1Runs + 1);
  EXPECT_EQ(First.Compiles + First.DiskHits, Before.Compiles + Before.DiskHits)
      << "the first run must not wait for a compile";
  EXPECT_EQ(First.BackgroundCompiles, Before.BackgroundCompiles);
  // Interpreted until the work done repays a compile, then queued.
  int Runs = 1;
  while (cacheStats().BackgroundCompiles == Before.BackgroundCompiles &&
         Runs < 1000) {
    K.run(N, Out.data(), In);
    ++Runs;
    interp::waitForBackgroundIdle();
  }
  CacheStats Queued = cacheStats();
  EXPECT_EQ(Queued.Tier1Runs, Before.Tier1Runs + Runs);
  EXPECT_EQ(Queued.BackgroundCompiles, Before.BackgroundCompiles + 1);
  EXPECT_GT(Runs, 2);
  EXPECT_LE((int64_t)Runs * N * 7, 2 * interp::HotWork);
  K.run(N, Out.data(), In);
  CacheStats After = cacheStats();
  EXPECT_EQ(After.Tier1Runs, Queued.Tier1Runs) << "the JIT code must run";
  EXPECT_EQ(After.Swaps, Before.Swaps + 1);
  for (double V : Out)
    EXPECT_EQ(V, 1.5 * 1.25 - (-2.0) * 0.75 + 0.0625 * 1.5 * -2.0);
}

/// What the interpreter cannot run still runs, in the JIT.
TEST(InterpTest, StringsFallBackToTheJit) {
  TierGuard Guard;
  interp::setTierMode(interp::TierMode::Interp);
  Kernel K = compile("contains(s, t)",
                     {{"s", DType::Bytes, 4}, {"t", DType::Bytes, 2}});
  const char S[] = "abcdxyzw", T[] = "bcab";
  bool Out[2];
  const void *In[] = {S, T};
  CacheStats Before = cacheStats();
  K.run(2, Out, In);
  EXPECT_TRUE(Out[0]);
  EXPECT_FALSE(Out[1]);
  EXPECT_EQ(cacheStats().Tier1Runs, Before.Tier1Runs);
}

} // namespace
