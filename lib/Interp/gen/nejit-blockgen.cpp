//===- Interp/gen/nejit-blockgen.cpp - Generates the block kernels --------===//
/// \file
/// nejit-blockgen --isa=avx512|avx2|sse41 -o KERNELS.o --table TABLE.inc
///
/// Build-time generator of the interpreter's block kernels: for every
/// operation and operand/result type combination that lib/CodeGen can emit,
/// a one-instruction ir::Function is handed to codegen::emitKernel with every
/// operand contiguous, for each vector width and accuracy that selects a
/// different Sleef function; all of them are linked into one module,
/// optimized with the JIT's own pipeline and compiled to one object file.
/// TABLE.inc lists (key, symbol) pairs for lib/Interp/BlockKernels.cpp.
/// Deliberately parses its own flags (LLVM's option registry is not ours).
//===----------------------------------------------------------------------===//
#include "CodeGen/CodeGen.h"
#include "IR/IR.h"
#include "Interp/BlockKernels.h"
#include "JIT/Engine.h"
#include "JIT/Target.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Linker/Linker.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iterator>
#include <set>
#include <string>
#include <vector>

using namespace nejit;
using namespace nejit::interp;
using ir::Opcode;

namespace {

const DType AllTypes[] = {DType::Bool,    DType::Int32,   DType::Int64,
                          DType::Float32, DType::Float64, DType::Complex128};

const Opcode AllOps[] = {
#define NEJIT_OP(Enum, Name, Arity) Opcode::Enum,
#include "IR/Ops.def"
};

/// Operations the interpreter runs through block kernels (leaves, strings
/// and reductions are the interpreter's own business).
bool isBlockOp(Opcode Op) {
  switch (Op) {
  case Opcode::Input:
  case Opcode::Const:
  case Opcode::Contains:
    return false;
  default:
    return !ir::isReduction(Op);
  }
}

/// Whether CodeGen can be asked about (Op, Result, Ops) at all. ir::verify
/// leaves the operand type of the floating-point predicates open, but only
/// floating and complex operands reach them from Sema (CodeGen would build
/// invalid LLVM IR for the others); a cast to its own type is no operation.
bool worthProbing(Opcode Op, DType Result, const std::vector<DType> &Ops) {
  switch (Op) {
  case Opcode::IsNan:
  case Opcode::IsFinite:
  case Opcode::IsInf:
  case Opcode::SignBit:
    return Ops[0] == DType::Float32 || Ops[0] == DType::Float64 ||
           (Ops[0] == DType::Complex128 && Op != Opcode::SignBit);
  case Opcode::Cast:
    return Ops[0] != Result;
  default:
    return true;
  }
}

/// One kernel to compile: its IR, its table key and its symbol.
struct Job {
  ir::Function F;
  Opcode Op;
  DType Result;
  unsigned Types[3];
  Variant V;
};

ir::Function oneOp(Opcode Op, DType Result, const std::vector<DType> &Ops) {
  ir::Function F;
  std::vector<int> Operands;
  for (size_t K = 0; K < Ops.size(); ++K) {
    F.Inputs.push_back(Arg{"x" + std::to_string(K), Ops[K], 0});
    ir::Inst In{Opcode::Input, Ops[K]};
    In.InputIndex = (int)K;
    Operands.push_back(F.add(In));
  }
  ir::Inst I{Op, Result};
  I.Operands = Operands;
  F.Result = F.add(I);
  return F;
}

/// sin(x) and cos(x) of one operand, returning one of them.
ir::Function sinCosPair(DType T, bool WantSin) {
  ir::Function F = oneOp(Opcode::Sin, T, {T});
  ir::Inst Cos{Opcode::Cos, T};
  Cos.Operands = {0};
  int CosId = F.add(Cos);
  if (!WantSin)
    F.Result = CosId;
  return F;
}

codegen::CodeGenOptions optionsFor(const IsaDesc &D, unsigned VectorBits,
                                   Accuracy Acc) {
  codegen::CodeGenOptions O;
  O.Acc = Acc;
  O.VectorBits = VectorBits;
  O.Isa.HasAVX512F = D.HasAVX512F;
  O.Isa.HasAVX2 = D.HasAVX2;
  O.Isa.HasFMA = D.HasFMA;
  O.Isa.HasSSE41 = D.HasSSE41;
  return O;
}

/// The module for F, or null (with the error consumed) if CodeGen cannot
/// emit it.
std::unique_ptr<llvm::Module> emit(const ir::Function &F,
                                   const codegen::CodeGenOptions &O,
                                   llvm::LLVMContext &Ctx,
                                   const std::string &Name) {
  codegen::KernelSpec Spec;
  Spec.Layouts.assign(1 + F.Inputs.size(), codegen::Layout::Contiguous);
  auto M = codegen::emitKernel(F, Spec, O, Ctx, Name);
  if (!M) {
    llvm::consumeError(M.takeError());
    return nullptr;
  }
  return std::move(*M);
}

/// The Sleef functions a module calls, in order.
std::vector<std::string> sleefCalls(const llvm::Module &M) {
  std::vector<std::string> Names;
  for (const llvm::Function &Fn : M)
    if (Fn.isDeclaration() && Fn.getName().starts_with("Sleef_"))
      Names.push_back(Fn.getName().str());
  return Names;
}

/// Every (operation, types) CodeGen emits, plus the sin/cos pairs.
std::vector<Job> enumerate(const IsaDesc &D, llvm::LLVMContext &Ctx) {
  std::vector<Job> Jobs;
  codegen::CodeGenOptions O = optionsFor(D, D.VectorBits, Accuracy::High);
  for (Opcode Op : AllOps) {
    if (!isBlockOp(Op))
      continue;
    int Arity = ir::opcodeArity(Op);
    size_t Combos = 1;
    for (int K = 0; K < Arity; ++K)
      Combos *= std::size(AllTypes);
    for (DType R : AllTypes)
      for (size_t C = 0; C < Combos; ++C) {
        std::vector<DType> Ops;
        size_t Rest = C;
        for (int K = 0; K < Arity; ++K) {
          Ops.push_back(AllTypes[Rest % std::size(AllTypes)]);
          Rest /= std::size(AllTypes);
        }
        if (!worthProbing(Op, R, Ops))
          continue;
        ir::Function F = oneOp(Op, R, Ops);
        if (!ir::verify(F).empty() || !emit(F, O, Ctx, "probe"))
          continue;
        Job J{F, Op, R, {NoType, NoType, NoType}, Variant::Plain};
        for (int K = 0; K < Arity; ++K)
          J.Types[K] = (unsigned)Ops[K];
        Jobs.push_back(std::move(J));
      }
  }
  for (DType T : {DType::Float32, DType::Float64})
    for (bool WantSin : {true, false})
      Jobs.push_back({sinCosPair(T, WantSin),
                      WantSin ? Opcode::Sin : Opcode::Cos,
                      T,
                      {(unsigned)T, NoType, NoType},
                      WantSin ? Variant::SinOfSinCos : Variant::CosOfSinCos});
  return Jobs;
}

/// Calls to lib/Runtime's C helpers go to lib/Interp's forwarders (the
/// helpers themselves are file-local to lib/Runtime).
void renameHelpers(llvm::Module &M) {
  for (const auto &[Name, Address] : codegen::runtimeHelpers()) {
    (void)Address;
    if (llvm::Function *Fn = M.getFunction(Name))
      Fn->setName(std::string("nejit_aot_") + (Name + std::strlen("nejit_")));
  }
}

struct Generated {
  uint64_t Key;
  std::string Symbol;
};

int fail(const std::string &Msg) {
  std::fprintf(stderr, "nejit-blockgen: %s\n", Msg.c_str());
  return 1;
}

int usage() {
  return fail("usage: nejit-blockgen --isa=avx512|avx2|sse41 -o OBJECT "
              "--table TABLE.inc");
}

/// Writes the table fragment: the features the kernels need, then one
/// NEJIT_BLOCK_KERNEL(key, symbol) line per kernel, sorted by key.
bool writeTable(const std::string &Path, const IsaDesc &D,
                const jit::HostTarget &T, std::vector<Generated> &Kernels) {
  std::sort(
      Kernels.begin(), Kernels.end(),
      [](const Generated &A, const Generated &B) { return A.Key < B.Key; });
  std::error_code EC;
  llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_Text);
  if (EC)
    return false;
  OS << "// Generated by nejit-blockgen --isa=" << D.Name << ": "
     << Kernels.size() << " block kernels. Do not edit.\n";
  std::string Requires;
  for (const std::string &F : T.Enabled)
    Requires += (Requires.empty() ? "" : ",") + F;
  OS << "NEJIT_BLOCK_REQUIRES(\"" << Requires << "\")\n";
  for (const Generated &G : Kernels)
    OS << "NEJIT_BLOCK_KERNEL(0x" << llvm::format_hex_no_prefix(G.Key, 16)
       << "ull, " << G.Symbol << ")\n";
  return !OS.has_error();
}

/// Collects the kernels of one instruction set in one module.
class Generator {
public:
  Generator(const IsaDesc &D, const jit::HostTarget &T)
      : D(D), T(T), All(std::make_unique<llvm::Module>(
                        std::string("nejit.blocks.") + D.Name, Ctx)),
        L(*All) {
    jit::prepareModule(*All, &T);
  }

  llvm::LLVMContext &context() { return Ctx; }
  std::vector<Generated> &kernels() { return Kernels; }

  /// Adds J's kernels: one when it calls no Sleef function at either
  /// accuracy (exact arithmetic, or nejit's own functions, which compute
  /// every lane alike: the width cannot change a result), else one per
  /// width a fused kernel can run it at and per accuracy class that changes
  /// the Sleef functions it calls (own functions at high call none, Sleef's
  /// u35 at low).
  bool addJob(const Job &J) {
    auto Probe =
        emit(J.F, optionsFor(D, D.VectorBits, Accuracy::High), Ctx, "probe");
    auto ProbeLow =
        emit(J.F, optionsFor(D, D.VectorBits, Accuracy::Low), Ctx, "probe.l");
    if (!Probe || !ProbeLow)
      return false;
    if (sleefCalls(*Probe).empty() && sleefCalls(*ProbeLow).empty())
      return add(J, AnyWidth, AccClass::Any, D.VectorBits, Accuracy::High);
    // A fused JIT kernel runs this operation at VectorBits / w lanes, w its
    // widest element type's bits (64, 32 or 8), never wider than the
    // operation's own widest type allows.
    unsigned OwnVF = codegen::vectorFactor(J.F, D.VectorBits);
    unsigned Widest = D.VectorBits / OwnVF;
    for (unsigned W : {64u, 32u, 8u}) {
      unsigned VF = D.VectorBits / W;
      if (VF > OwnVF)
        continue;
      unsigned Bits = VF * Widest;
      if (codegen::vectorFactor(J.F, Bits) != VF)
        return false;
      auto H = emit(J.F, optionsFor(D, Bits, Accuracy::High), Ctx, "h");
      auto Lo = emit(J.F, optionsFor(D, Bits, Accuracy::Low), Ctx, "l");
      if (!H || !Lo)
        return false;
      bool Ok = sleefCalls(*H) == sleefCalls(*Lo)
                    ? add(J, VF, AccClass::Any, Bits, Accuracy::High)
                    : add(J, VF, AccClass::High, Bits, Accuracy::High) &&
                          add(J, VF, AccClass::Low, Bits, Accuracy::Low);
      if (!Ok)
        return false;
    }
    return true;
  }

  /// Optimizes the module with the JIT's pipeline and writes the object.
  std::string writeObject(const std::string &Path) {
    std::string Problems;
    llvm::raw_string_ostream PS(Problems);
    if (llvm::verifyModule(*All, &PS))
      return "invalid module: " + PS.str();
    jit::optimizeModule(*All, 2, &T);
    auto TM = jit::createTargetMachine(T, jit::codeGenOptLevel(2));
    if (!TM)
      return llvm::toString(TM.takeError());
    std::error_code EC;
    llvm::raw_fd_ostream OS(Path, EC, llvm::sys::fs::OF_None);
    if (EC)
      return "cannot write " + Path + ": " + EC.message();
    llvm::legacy::PassManager PM;
    if ((*TM)->addPassesToEmitFile(PM, OS, nullptr,
                                   llvm::CodeGenFileType::ObjectFile))
      return "the target cannot emit object files";
    PM.run(*All);
    return "";
  }

private:
  const IsaDesc &D;
  const jit::HostTarget &T;
  llvm::LLVMContext Ctx;
  std::unique_ptr<llvm::Module> All;
  llvm::Linker L;
  std::vector<Generated> Kernels;
  std::set<uint64_t> Seen;

  /// One kernel of J at VectorBits Bits and accuracy A, under its key.
  bool add(const Job &J, unsigned Width, AccClass Acc, unsigned Bits,
           Accuracy A) {
    uint64_t Key = blockKey(J.Op, J.Result, J.Types[0], J.Types[1], J.Types[2],
                            J.V, Width, Acc);
    if (!Seen.insert(Key).second)
      return true;
    std::string Sym = std::string("nejit_bk_") + D.Name + "_" +
                      std::to_string(Kernels.size());
    auto M = emit(J.F, optionsFor(D, Bits, A), Ctx, Sym);
    if (!M)
      return false;
    renameHelpers(*M);
    jit::prepareModule(*M, &T);
    for (llvm::Function &Fn : *M)
      if (!Fn.isDeclaration()) {
        Fn.addFnAttr("target-cpu", T.CPU);
        Fn.addFnAttr("target-features", T.Features);
        Fn.setVisibility(llvm::GlobalValue::HiddenVisibility);
      }
    if (L.linkInModule(std::move(M)))
      return false;
    Kernels.push_back({Key, Sym});
    return true;
  }
};

} // namespace

int main(int Argc, char **Argv) {
  std::string IsaName, ObjPath, TablePath;
  for (int I = 1; I < Argc; ++I) {
    std::string A = Argv[I];
    if (A.rfind("--isa=", 0) == 0)
      IsaName = A.substr(6);
    else if (A == "-o" && I + 1 < Argc)
      ObjPath = Argv[++I];
    else if (A == "--table" && I + 1 < Argc)
      TablePath = Argv[++I];
    else
      return usage();
  }
  int IsaIndex = -1;
  for (int I = 0; I < NumIsas; ++I)
    if (IsaName == isaDesc((Isa)I).Name)
      IsaIndex = I;
  if (IsaIndex < 0 || ObjPath.empty() || TablePath.empty())
    return usage();
  const IsaDesc &D = isaDesc((Isa)IsaIndex);
  auto Start = std::chrono::steady_clock::now();

  auto Target = jit::makeTarget(D.CPU, D.Features);
  if (!Target)
    return fail(llvm::toString(Target.takeError()));
  if (Target->VectorBits != D.VectorBits)
    return fail(std::string("cpu ") + D.CPU + " gives " +
                std::to_string(Target->VectorBits) + "-bit vectors, not " +
                std::to_string(D.VectorBits));
  Generator G(D, *Target);
  for (const Job &J : enumerate(D, G.context()))
    if (!G.addJob(J))
      return fail(std::string("cannot generate ") + ir::opcodeName(J.Op) +
                  " -> " + dtypeName(J.Result));
  std::string Problem = G.writeObject(ObjPath);
  if (!Problem.empty())
    return fail(Problem);
  if (!writeTable(TablePath, D, *Target, G.kernels()))
    return fail("cannot write " + TablePath);
  double Secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - Start)
          .count();
  std::fprintf(stderr, "nejit-blockgen: %s: %zu kernels in %.1f s\n", D.Name,
               G.kernels().size(), Secs);
  return 0;
}
