//===- JIT/LLVMPasses.h - LLVM pass runs for kernels ------------*- C++ -*-===//
/// \file
/// The pass runs the engine and nejit-dis share (LLVMPasses.cpp); private to
/// lib/JIT.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_JIT_LLVMPASSES_H
#define NEJIT_JIT_LLVMPASSES_H

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CodeGen.h"
#include "llvm/Support/Error.h"

#include <string>
#include <utility>

namespace llvm {
class Module;
class TargetMachine;
} // namespace llvm

namespace nejit::jit {

/// The short function pipeline for pre-vectorized kernels at OptLevel
/// (0: nothing); TM, if given, supplies the target's cost model.
void runPipeline(llvm::Module &M, unsigned OptLevel, llvm::TargetMachine *TM);
/// Machine code (an object file or assembly text) of M for TM, in memory.
llvm::Expected<llvm::SmallVector<char, 0>>
runCodeGen(llvm::Module &M, llvm::TargetMachine &TM,
           llvm::CodeGenFileType Kind);
/// The host's triple and data layout (empty without a target), computed
/// once. Engine::forkPrepare calls it first: a fork() while another thread
/// is inside the computation would leave its static's guard taken for good
/// in the child, whose first compile then waits forever.
const std::pair<std::string, std::string> &hostTripleAndLayout();
/// Gives M TM's data layout and triple.
void setModuleTarget(llvm::Module &M, const llvm::TargetMachine &TM);

} // namespace nejit::jit

#endif // NEJIT_JIT_LLVMPASSES_H
