//===- Interp/Reduce.cpp - Reductions as the JIT kernel folds them --------===//
/// \file
/// Compiled with -ffp-contract=off: a product feeding a sum must round
/// twice, as in the generated code.
//===----------------------------------------------------------------------===//
#include "Interp/Reduce.h"
#include "CodeGen/CodeGen.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <type_traits>
#include <vector>

namespace nejit::interp {

namespace {

struct Complex {
  double Re, Im;
};

/// One fold step old (x) new, as CodeGen's combine() computes it.
template <typename T> struct Fold {
  static T apply(ir::Opcode Op, T A, T B) {
    switch (Op) {
    case ir::Opcode::Sum:
      return A + B;
    case ir::Opcode::Prod:
      return A * B;
    case ir::Opcode::Min:
      // x86's lowering of minnum(A, B): min(B, A) returns A unless B < A,
      // after a NaN A is replaced by B.
      return std::isnan(A) ? B : (B < A ? B : A);
    default:
      return std::isnan(A) ? B : (B > A ? B : A);
    }
  }
  static T identity(ir::Opcode Op) {
    switch (Op) {
    case ir::Opcode::Sum:
      return T(0);
    case ir::Opcode::Prod:
      return T(1);
    default:
      return std::numeric_limits<T>::quiet_NaN();
    }
  }
};

/// Integers: sums and products wrap (CodeGen's add/mul have no nsw).
template <typename S, typename U> struct IntFold {
  static S apply(ir::Opcode Op, S A, S B) {
    switch (Op) {
    case ir::Opcode::Sum:
      return S(U(A) + U(B));
    case ir::Opcode::Prod:
      return S(U(A) * U(B));
    case ir::Opcode::Min:
      return B < A ? B : A;
    default:
      return B > A ? B : A;
    }
  }
  static S identity(ir::Opcode Op) {
    switch (Op) {
    case ir::Opcode::Sum:
      return 0;
    case ir::Opcode::Prod:
      return 1;
    case ir::Opcode::Min:
      return std::numeric_limits<S>::max();
    default:
      return std::numeric_limits<S>::min();
    }
  }
};
template <> struct Fold<int32_t> : IntFold<int32_t, uint32_t> {};
template <> struct Fold<int64_t> : IntFold<int64_t, uint64_t> {};

template <> struct Fold<Complex> {
  static Complex apply(ir::Opcode Op, Complex A, Complex B) {
    if (Op == ir::Opcode::Sum)
      return {A.Re + B.Re, A.Im + B.Im};
    return {A.Re * B.Re - A.Im * B.Im, A.Re * B.Im + A.Im * B.Re};
  }
  static Complex identity(ir::Opcode Op) {
    return {Op == ir::Opcode::Prod ? 1.0 : 0.0, 0.0};
  }
};

template <typename T> T load(const char *P) {
  T V;
  std::memcpy(&V, P, sizeof V);
  return V;
}
template <typename T> void store(char *P, T V) { std::memcpy(P, &V, sizeof V); }

/// The loops for one element type; the operation is a template argument,
/// so that each loop is branch-free (and the lane loop vectorizes: every
/// lane is its own chain, nothing is reassociated).
template <typename T> struct Ops {
  template <ir::Opcode Op> static void init(LaneAccumulator &A, unsigned VF) {
    T *L = reinterpret_cast<T *>(A.Bytes);
    for (unsigned I = 0; I < VF; ++I)
      L[I] = Fold<T>::identity(Op);
  }
  template <ir::Opcode Op>
  static void fold(LaneAccumulator &A, unsigned VF, const char *X, int64_t N) {
    T *L = reinterpret_cast<T *>(A.Bytes);
    for (int64_t I = 0; I < N; I += VF)
      for (unsigned K = 0; K < VF; ++K)
        L[K] = Fold<T>::apply(Op, L[K], load<T>(X + (I + K) * sizeof(T)));
  }
  template <ir::Opcode Op>
  static void finish(const LaneAccumulator &A, unsigned VF, char *Acc,
                     const char *Tail, int64_t TailN) {
    const T *L = reinterpret_cast<const T *>(A.Bytes);
    T H = L[0];
    for (unsigned K = 1; K < VF; ++K)
      H = Fold<T>::apply(Op, H, L[K]);
    T S = Fold<T>::apply(Op, load<T>(Acc), H);
    for (int64_t I = 0; I < TailN; ++I)
      S = Fold<T>::apply(Op, S, load<T>(Tail + I * sizeof(T)));
    store<T>(Acc, S);
  }
  template <ir::Opcode Op>
  static void accumulate(char *Out, int64_t OutStride, const char *X,
                         int64_t N) {
    for (int64_t I = 0; I < N; ++I) {
      char *P = Out + I * OutStride;
      store<T>(P, Fold<T>::apply(Op, load<T>(P), load<T>(X + I * sizeof(T))));
    }
  }
};

/// Float sums: each lane a compensated (sum, compensation) pair of Part
/// (the real type; a complex element is two parts side by side), as
/// CodeGen's Compensated fold with a value slot: the unrolled part adds
/// SumUnroll vectors plainly, then one TwoSum step; the rest of the vector
/// part a TwoSum step per vector; the lanes join in the same tree (with
/// Neumaier's join), then the entry value as (value, 0), then the scalar
/// tail, and value + compensation is stored while the sum is finite.
template <typename Part, int Parts> struct CompensatedSum {
  static constexpr size_t Region = sizeof(LaneAccumulator::Bytes) / 4;
  struct Pair {
    Part S, C;
  };
  /// CodeGen's twoSumAdd: S += X, C += the rounding error of S + X.
  static void twoSum(Part &S, Part &C, Part X) {
    Part T = S + X;
    Part Z = T - S;
    Part E = (S - (T - Z)) + (X - Z);
    C = C + E;
    S = T;
  }
  /// CodeGen's compensatedAdd (Neumaier's step), used by the joins.
  static void add(Pair &A, Part X) {
    Part T = A.S + X;
    Part E = std::fabs(A.S) >= std::fabs(X) ? (A.S - T) + X : (X - T) + A.S;
    A.C = A.C + E;
    A.S = T;
  }
  /// CodeGen's Compensated stateCombine.
  static Pair join(Pair A, Pair B) {
    Pair J{A.S, Part(0)};
    add(J, B.S);
    return {J.S, (A.C + B.C) + J.C};
  }
  static Part *region(LaneAccumulator &A, int R) {
    return reinterpret_cast<Part *>(A.Bytes + R * Region);
  }
  static void init(LaneAccumulator &A, unsigned VF, int64_t N) {
    for (unsigned I = 0; I < VF * Parts; ++I)
      region(A, 0)[I] = region(A, 1)[I] = Part(0);
    int64_t Step = (int64_t)codegen::SumUnroll * VF;
    A.Unrolled = N / Step * Step;
    A.Done = 0;
  }
  static void fold(LaneAccumulator &A, unsigned VF, const char *X, int64_t N) {
    Part *S = region(A, 0), *C = region(A, 1), *Group = region(A, 2);
    unsigned W = VF * Parts;
    for (int64_t I = 0; I < N; I += VF, A.Done += VF) {
      const char *V = X + I * Parts * sizeof(Part);
      if (A.Done >= A.Unrolled) {
        for (unsigned K = 0; K < W; ++K)
          twoSum(S[K], C[K], load<Part>(V + K * sizeof(Part)));
        continue;
      }
      unsigned U = unsigned(A.Done / VF % codegen::SumUnroll);
      for (unsigned K = 0; K < W; ++K) {
        Part Y = load<Part>(V + K * sizeof(Part));
        Group[K] = U ? Group[K] + Y : Y;
      }
      if (U + 1 == codegen::SumUnroll)
        for (unsigned K = 0; K < W; ++K)
          twoSum(S[K], C[K], Group[K]);
    }
  }
  static void finish(const LaneAccumulator &A, unsigned VF, char *Acc,
                     const char *Tail, int64_t TailN) {
    auto &L = const_cast<LaneAccumulator &>(A);
    for (int Q = 0; Q < Parts; ++Q) {
      std::vector<Pair> Level;
      for (unsigned K = 0; K < VF; ++K)
        Level.push_back({region(L, 0)[K * Parts + Q],
                         region(L, 1)[K * Parts + Q]});
      while (Level.size() > 1) {
        std::vector<Pair> Up;
        for (size_t K = 0; K + 1 < Level.size(); K += 2)
          Up.push_back(join(Level[K], Level[K + 1]));
        if (Level.size() % 2)
          Up.push_back(Level.back());
        Level = std::move(Up);
      }
      char *Out = Acc + Q * sizeof(Part);
      Pair P = join({load<Part>(Out), Part(0)}, Level[0]);
      for (int64_t I = 0; I < TailN; ++I)
        add(P, load<Part>(Tail + (I * Parts + Q) * sizeof(Part)));
      store<Part>(Out, std::isfinite(P.S) ? P.S + P.C : P.S);
    }
  }
};

/// The compensated float sum for T, or false when T's sum is plain.
template <typename Fn> bool dispatchCompensated(ir::Opcode Op, DType T,
                                                Fn &&F) {
  if (Op != ir::Opcode::Sum)
    return false;
  switch (T) {
  case DType::Float32:
    return F(CompensatedSum<float, 1>()), true;
  case DType::Float64:
    return F(CompensatedSum<double, 1>()), true;
  case DType::Complex128:
    return F(CompensatedSum<double, 2>()), true;
  default:
    return false;
  }
}

/// Calls F(Ops<T>(), std::integral_constant<Opcode, Op>()) for the C++
/// type of T and the reduction Op.
template <typename Fn> void dispatch(ir::Opcode Op, DType T, Fn &&F) {
  auto WithType = [&](auto O) {
    using ir::Opcode;
    switch (Op) {
    case Opcode::Sum:
      return F(O, std::integral_constant<Opcode, Opcode::Sum>());
    case Opcode::Prod:
      return F(O, std::integral_constant<Opcode, Opcode::Prod>());
    case Opcode::Min:
      return F(O, std::integral_constant<Opcode, Opcode::Min>());
    default:
      return F(O, std::integral_constant<Opcode, Opcode::Max>());
    }
  };
  switch (T) {
  case DType::Int32:
    return WithType(Ops<int32_t>());
  case DType::Int64:
    return WithType(Ops<int64_t>());
  case DType::Float32:
    return WithType(Ops<float>());
  case DType::Float64:
    return WithType(Ops<double>());
  case DType::Complex128:
    return WithType(Ops<Complex>());
  default:
    return;
  }
}

} // namespace

bool canReduce(ir::Opcode Op, DType T) {
  if (!ir::isNumexprReduction(Op))
    return false;
  switch (T) {
  case DType::Int32:
  case DType::Int64:
  case DType::Float32:
  case DType::Float64:
    return true;
  case DType::Complex128:
    return Op == ir::Opcode::Sum || Op == ir::Opcode::Prod;
  default:
    return false;
  }
}

void initLanes(LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
               int64_t N) {
  if (dispatchCompensated(Op, T, [&](auto C) { C.init(A, VF, N); }))
    return;
  dispatch(Op, T, [&](auto O, auto K) {
    decltype(O)::template init<decltype(K)::value>(A, VF);
  });
}

void foldLanes(LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
               const char *X, int64_t N) {
  if (dispatchCompensated(Op, T, [&](auto C) { C.fold(A, VF, X, N); }))
    return;
  dispatch(Op, T, [&](auto O, auto K) {
    decltype(O)::template fold<decltype(K)::value>(A, VF, X, N);
  });
}

void finishLanes(const LaneAccumulator &A, ir::Opcode Op, DType T, unsigned VF,
                 char *Acc, const char *Tail, int64_t TailN) {
  if (dispatchCompensated(
          Op, T, [&](auto C) { C.finish(A, VF, Acc, Tail, TailN); }))
    return;
  dispatch(Op, T, [&](auto O, auto K) {
    decltype(O)::template finish<decltype(K)::value>(A, VF, Acc, Tail, TailN);
  });
}

void accumulate(ir::Opcode Op, DType T, char *Out, int64_t OutStride,
                const char *X, int64_t N) {
  dispatch(Op, T, [&](auto O, auto K) {
    decltype(O)::template accumulate<decltype(K)::value>(Out, OutStride, X, N);
  });
}

} // namespace nejit::interp
