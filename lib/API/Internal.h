//===- API/Internal.h - What nejit-dis needs beyond the API ----*- C++ -*-===//
/// \file
/// Stage printing for an explicit target (nejit-dis --mcpu/--mattr), shared
/// by the public dis() and Kernel::dis().
//===----------------------------------------------------------------------===//
#ifndef NEJIT_API_INTERNAL_H
#define NEJIT_API_INTERNAL_H

#include "IR/IR.h"
#include "JIT/Target.h"
#include "Support/Diagnostic.h"
#include "nejit/nejit.h"

namespace nejit::internal {

struct Frontend {
  std::string AstText;
  ir::Function InitialIR, IR;
};

/// Parse, Sema, verify, passes, verify.
Expected<Frontend> runFrontend(std::string_view Expr, const Signature &Sig,
                               const Options &Opts);

std::string disStage(std::string_view Expr, const std::string &AstText,
                     const ir::Function &InitialIR, const ir::Function &IR,
                     Stage S, const Options &Opts, const jit::HostTarget &T);

/// Like nejit::dis, for target T rather than the host. Throws nejit::Error.
std::string disForTarget(std::string_view Expr, const Signature &Sig, Stage S,
                         const Options &Opts, const jit::HostTarget &T);

} // namespace nejit::internal

#endif // NEJIT_API_INTERNAL_H
