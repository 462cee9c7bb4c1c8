//===- Runtime/States.cpp - Reduction states outside the kernel -----------===//
/// \file
/// Identity, combination and finish of the plan's reduction states, in the
/// kernel's exact arithmetic (its compensated sums, Welford's states joined
/// with Chan's formula, numexpr's NaN-skipping min/max).
//===----------------------------------------------------------------------===//
#include "Runtime/States.h"

#include "CodeGen/CodeGen.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace nejit::runtime {

using ir::Opcode;

StateKind stateKind(const ir::Function &F, const ir::Inst &I) {
  StateKind K;
  K.Op = I.Op;
  K.Operand = F.Insts[I.Operands[0]].Type;
  K.Result = I.Type;
  K.Ddof = I.Ddof;
  K.Loc = I.Loc;
  K.Components = codegen::stateComponents(F, I);
  for (DType T : K.Components)
    K.Sizes.push_back(dtypeSize(T));
  if (I.Op == Opcode::Var || I.Op == Opcode::Std)
    K.A = StateKind::Welford;
  else if (K.Components.size() == 2)
    K.A = StateKind::Compensated;
  return K;
}

namespace {

template <typename T> T load(const char *P) {
  T V;
  std::memcpy(&V, P, sizeof V);
  return V;
}
template <typename T> void store(char *P, T V) { std::memcpy(P, &V, sizeof V); }

/// The parts of a real (1) or complex (2) value of type T.
int partsOf(DType T) { return T == DType::Complex128 ? 2 : 1; }

template <typename T> T plainIdentity(Opcode Op) {
  if (Op == Opcode::Sum)
    return T(0);
  if (Op == Opcode::Prod)
    return T(1);
  if constexpr (std::is_floating_point_v<T>)
    return T(NAN); // min/max skip NaN, so NaN is their identity
  else
    return Op == Opcode::Min ? std::numeric_limits<T>::max()
                             : std::numeric_limits<T>::min();
}

template <typename T> T plainCombine(Opcode Op, T A, T B) {
  using U = std::make_unsigned_t<std::conditional_t<
      std::is_integral_v<T>, T, int>>; // integer sums and products wrap
  switch (Op) {
  case Opcode::Sum:
    if constexpr (std::is_integral_v<T>)
      return (T)((U)A + (U)B);
    else
      return A + B;
  case Opcode::Prod:
    if constexpr (std::is_integral_v<T>)
      return (T)((U)A * (U)B);
    else
      return A * B;
  case Opcode::Min:
    if constexpr (std::is_floating_point_v<T>)
      return std::fmin(A, B);
    else
      return std::min(A, B);
  default:
    if constexpr (std::is_floating_point_v<T>)
      return std::fmax(A, B);
    else
      return std::max(A, B);
  }
}

template <typename T> void plainIdentityAt(Opcode Op, char *P) {
  store<T>(P, plainIdentity<T>(Op));
}
template <typename T> void plainCombineAt(Opcode Op, char *A, const char *B) {
  store<T>(A, plainCombine<T>(Op, load<T>(A), load<T>(B)));
}

/// Neumaier's join of (S1, C1) and (S2, C2), as the kernel computes it.
template <typename T> void compensatedJoin(T &S1, T &C1, T S2, T C2) {
  T Sum = S1 + S2;
  T E = std::fabs(S1) >= std::fabs(S2) ? (S1 - Sum) + S2 : (S2 - Sum) + S1;
  C1 = (C1 + C2) + E;
  S1 = Sum;
}

template <typename T>
void compensatedCombine(const StateKind &K, char *const *A,
                        const char *const *B) {
  for (int Part = 0; Part < partsOf(K.Operand); ++Part) {
    size_t Off = Part * sizeof(T);
    T S1 = load<T>(A[0] + Off), C1 = load<T>(A[1] + Off);
    compensatedJoin(S1, C1, load<T>(B[0] + Off), load<T>(B[1] + Off));
    store<T>(A[0] + Off, S1);
    store<T>(A[1] + Off, C1);
  }
}

/// Chan's formula, as CodeGen's chanCombine.
void welfordCombine(const StateKind &K, char *const *A, const char *const *B) {
  double NA = load<double>(A[0]), NB = load<double>(B[0]);
  double N = NA + NB;
  double Frac = N > 0 ? NB / N : 0.0;
  double DD = 0;
  for (int Part = 0; Part < partsOf(K.Operand); ++Part) {
    size_t Off = Part * sizeof(double);
    double MA = load<double>(A[1] + Off), MB = load<double>(B[1] + Off);
    double D = MB - MA;
    store<double>(A[1] + Off, MA + D * Frac);
    DD = Part ? DD + D * D : D * D;
  }
  double M2 = (load<double>(A[2]) + load<double>(B[2])) + DD * (NA * Frac);
  store<double>(A[0], N);
  store<double>(A[2], M2);
}

} // namespace

void stateIdentity(const StateKind &K, char *const *C) {
  switch (K.A) {
  case StateKind::Compensated:
  case StateKind::Welford:
    for (size_t I = 0; I < K.Components.size(); ++I)
      std::memset(C[I], 0, (size_t)K.Sizes[I]);
    return;
  case StateKind::Plain:
    break;
  }
  switch (K.Components[0]) {
  case DType::Bool:
    *C[0] = K.Op == Opcode::All;
    return;
  case DType::Int32:
    return plainIdentityAt<int32_t>(K.Op, C[0]);
  case DType::Int64:
    return plainIdentityAt<int64_t>(K.Op, C[0]);
  case DType::Float32:
    return plainIdentityAt<float>(K.Op, C[0]);
  case DType::Float64:
    return plainIdentityAt<double>(K.Op, C[0]);
  case DType::Complex128:
    store<double>(C[0], K.Op == Opcode::Prod ? 1.0 : 0.0);
    store<double>(C[0] + 8, 0.0);
    return;
  case DType::Bytes:
    return;
  }
}

void stateCombine(const StateKind &K, char *const *A, const char *const *B) {
  if (K.A == StateKind::Welford)
    return welfordCombine(K, A, B);
  if (K.A == StateKind::Compensated) {
    if (K.Operand == DType::Float32)
      return compensatedCombine<float>(K, A, B);
    return compensatedCombine<double>(K, A, B);
  }
  switch (K.Components[0]) {
  case DType::Bool:
    *A[0] = K.Op == Opcode::Any ? (*A[0] | *B[0]) : (*A[0] & *B[0]);
    return;
  case DType::Int32:
    return plainCombineAt<int32_t>(K.Op, A[0], B[0]);
  case DType::Int64:
    return plainCombineAt<int64_t>(K.Op, A[0], B[0]);
  case DType::Float32:
    return plainCombineAt<float>(K.Op, A[0], B[0]);
  case DType::Float64:
    return plainCombineAt<double>(K.Op, A[0], B[0]);
  case DType::Complex128: {
    double AR = load<double>(A[0]), AI = load<double>(A[0] + 8);
    double BR = load<double>(B[0]), BI = load<double>(B[0] + 8);
    if (K.Op == Opcode::Prod) { // the kernel's formula, not C99 Annex G's
      store<double>(A[0], AR * BR - AI * BI);
      store<double>(A[0] + 8, AR * BI + AI * BR);
    } else {
      store<double>(A[0], AR + BR);
      store<double>(A[0] + 8, AI + BI);
    }
    return;
  }
  case DType::Bytes:
    return;
  }
}

/// A compensated sum's value: the compensation is meaningless once the sum
/// is no longer finite (it is then NaN or an infinity itself).
template <typename T> static T compensatedValue(T S, T C) {
  return std::isfinite(S) ? S + C : S;
}

/// (S + C) / N with the division's own rounding error and C folded into
/// one correction, so that the mean is not rounded twice.
static double compensatedMean(double S, double C, double N) {
  if (!std::isfinite(S) || N == 0)
    return compensatedValue(S, C) / N;
  double Q = S / N;
  double R = std::fma(-Q, N, S) + C; // S - Q*N exactly, then + C
  return Q + R / N;
}

llvm::Error stateFinish(const StateKind &K, const char *const *C, int64_t Count,
                        char *Out) {
  if (Count == 0 && (K.Op == Opcode::Min || K.Op == Opcode::Max))
    return makeError(ErrorKind::Value, K.Loc,
                     std::string("zero-size array to reduction operation ") +
                         ir::opcodeName(K.Op) + " which has no identity");
  switch (K.A) {
  case StateKind::Plain:
    std::memcpy(Out, C[0], (size_t)dtypeSize(K.Result));
    return llvm::Error::success();
  case StateKind::Compensated:
    for (int Part = 0; Part < partsOf(K.Operand); ++Part) {
      if (K.Operand == DType::Float32) {
        float V = compensatedValue(load<float>(C[0]), load<float>(C[1]));
        store<float>(Out, K.Op == Opcode::Mean ? V / (float)Count : V);
        continue;
      }
      size_t Off = Part * sizeof(double);
      double S = load<double>(C[0] + Off), Comp = load<double>(C[1] + Off);
      store<double>(Out + Off, K.Op == Opcode::Mean
                                   ? compensatedMean(S, Comp, (double)Count)
                                   : compensatedValue(S, Comp));
    }
    return llvm::Error::success();
  case StateKind::Welford: {
    // numpy's: M2 / max(n - ddof, 0), which is NaN or inf when that is 0.
    double N = load<double>(C[0]), M2 = load<double>(C[2]);
    double Var = M2 / std::max(N - (double)K.Ddof, 0.0);
    store<double>(Out, K.Op == Opcode::Std ? std::sqrt(Var) : Var);
    return llvm::Error::success();
  }
  }
  return llvm::Error::success();
}

} // namespace nejit::runtime
