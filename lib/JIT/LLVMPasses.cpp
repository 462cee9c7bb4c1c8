//===- JIT/LLVMPasses.cpp - LLVM pass runs for kernels --------------------===//
/// \file
/// The pass pipelines every kernel module goes through: the short function
/// pipeline for pre-vectorized kernels, machine code generation into memory,
/// and the module preparation and assembly printing that nejit-dis uses.
//===----------------------------------------------------------------------===//
#include "JIT/LLVMPasses.h"
#include "JIT/Engine.h"
#include "JIT/Target.h"

#include "llvm/IR/LegacyPassManager.h"
#include "llvm/IR/Module.h"
#include "llvm/IR/PassManager.h"
#include "llvm/IR/Verifier.h"
#include "llvm/Passes/PassBuilder.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"
#include "llvm/Transforms/IPO/AlwaysInliner.h"
#include "llvm/Transforms/InstCombine/InstCombine.h"
#include "llvm/Transforms/Scalar/DCE.h"
#include "llvm/Transforms/Scalar/EarlyCSE.h"
#include "llvm/Transforms/Scalar/GVN.h"
#include "llvm/Transforms/Scalar/LICM.h"
#include "llvm/Transforms/Scalar/LoopPassManager.h"
#include "llvm/Transforms/Scalar/SROA.h"
#include "llvm/Transforms/Scalar/SimplifyCFG.h"

using namespace llvm;

namespace nejit::jit {

/// The short function pipeline for pre-vectorized kernels. SROA first because
/// CodeGen may keep loop state in allocas; LICM and GVN only from -O2, where
/// a few hundred microseconds buy hoisted broadcasts and loads.
void runPipeline(Module &M, unsigned OptLevel, TargetMachine *TM) {
  if (OptLevel == 0)
    return;
  LoopAnalysisManager LAM;
  FunctionAnalysisManager FAM;
  CGSCCAnalysisManager CGAM;
  ModuleAnalysisManager MAM;
  PassBuilder PB(TM);
  PB.registerModuleAnalyses(MAM);
  PB.registerCGSCCAnalyses(CGAM);
  PB.registerFunctionAnalyses(FAM);
  PB.registerLoopAnalyses(LAM);
  PB.crossRegisterProxies(LAM, FAM, CGAM, MAM);

  FunctionPassManager FPM;
  FPM.addPass(SROAPass(SROAOptions::ModifyCFG));
  FPM.addPass(EarlyCSEPass(/*UseMemorySSA=*/true));
  FPM.addPass(InstCombinePass());
  FPM.addPass(SimplifyCFGPass());
  if (OptLevel >= 2) {
    FPM.addPass(createFunctionToLoopPassAdaptor(LICMPass(LICMOptions()),
                                                /*UseMemorySSA=*/true));
    FPM.addPass(GVNPass());
    FPM.addPass(InstCombinePass());
  }
  FPM.addPass(DCEPass());
  FPM.addPass(SimplifyCFGPass());

  ModulePassManager MPM;
  MPM.addPass(AlwaysInlinerPass());
  MPM.addPass(createModuleToFunctionPassAdaptor(std::move(FPM)));
  MPM.run(M, MAM);
}

Expected<SmallVector<char, 0>> runCodeGen(Module &M, TargetMachine &TM,
                                          CodeGenFileType Kind) {
  SmallVector<char, 0> Buffer;
  raw_svector_ostream OS(Buffer);
  legacy::PassManager PM;
  if (TM.addPassesToEmitFile(PM, OS, nullptr, Kind))
    return createStringError(inconvertibleErrorCode(),
                             "the target cannot emit this file type");
  PM.run(M);
  return Buffer;
}

void setModuleTarget(Module &M, const TargetMachine &TM) {
  M.setDataLayout(TM.createDataLayout());
  M.setTargetTriple(TM.getTargetTriple().str());
}

Expected<std::string> emitAssembly(Module &M, unsigned OptLevel,
                                   const HostTarget *Target) {
  // A private TargetMachine: nejit-dis is a one-shot tool, and this keeps
  // assembly printing from ever waiting on (or perturbing) the JIT's own.
  auto TM = createTargetMachine(Target ? *Target : hostTarget(),
                                codeGenOptLevel(OptLevel));
  if (!TM)
    return TM.takeError();
  setModuleTarget(M, **TM);
  std::string Problems;
  raw_string_ostream OS(Problems);
  if (verifyModule(M, &OS))
    return createStringError(inconvertibleErrorCode(),
                             "invalid LLVM module: " + OS.str());
  auto Asm = runCodeGen(M, **TM, CodeGenFileType::AssemblyFile);
  if (!Asm)
    return Asm.takeError();
  return std::string(Asm->begin(), Asm->end());
}

const std::pair<std::string, std::string> &hostTripleAndLayout() {
  // Computed once: the engine's machines all share this layout.
  static const auto Host = [] {
    std::pair<std::string, std::string> TripleAndLayout;
    auto TM = createTargetMachine(hostTarget(), CodeGenOptLevel::Default);
    if (!TM) {
      consumeError(TM.takeError());
      return TripleAndLayout;
    }
    TripleAndLayout = {(*TM)->getTargetTriple().str(),
                       (*TM)->createDataLayout().getStringRepresentation()};
    return TripleAndLayout;
  }();
  return Host;
}

void prepareModule(Module &M, const HostTarget *Target) {
  if (!Target) {
    const auto &Host = hostTripleAndLayout();
    if (Host.first.empty())
      return; // the compile will report the missing target
    M.setTargetTriple(Host.first);
    M.setDataLayout(Host.second);
    return;
  }
  auto TM = createTargetMachine(*Target, CodeGenOptLevel::Default);
  if (!TM) {
    consumeError(TM.takeError());
    return;
  }
  setModuleTarget(M, **TM);
}

} // namespace nejit::jit
