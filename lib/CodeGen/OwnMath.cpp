//===- CodeGen/OwnMath.cpp - nejit's own inline vector math ---------------===//
/// \file
/// exp, expm1, tanh, sinh, cosh and log as IR. The methods (their error budgets
/// are in docs/accuracy.md, "nejit's own functions"):
///  - e^x (inside all of them): x = n ln2 + r, |r| <= ln2/2, n by the
///    round-via-shifter trick (with FMA, x / ln2 unrounded), ln2 split so
///    that n * Ln2Hi and x - n * Ln2Hi are exact; e^r = 1 + r + r^2 P(r),
///    P a Chebyshev fit (scripts/fit_own_math.py) evaluated as two Horner
///    chains in r^2; 1 + rhi is kept as an exact pair so that only the last
///    addition rounds.
///  - exp: P of degree 9 (float32: degree 4, computed in float32, eight
///    lanes a register); 2^n added into the exponent field, one integer
///    addition. Lanes past |x| = 708 (float32: 86.5), where results are
///    subnormal or overflow, and NaN take 2^n in two steps (float32: the
///    pair in float64, rounded once) in a block that runs only when some
///    lane needs it.
///  - expm1: the same reduction; 2^n (1 + em) - 1 as an exact sum of
///    2^(n-1) - 1/2 and 2^(n-1) rhi plus the small rest, doubled at the end
///    (so that n = 1024 needs no 2^1024).
///  - tanh: x + x^3 T(x^2) below 0.55 (T a degree-11 fit); above,
///    1 - 2/(e^2|x| + 1) with e^2|x| as a pair and the quotient corrected by
///    its exact residual (FMA, or Dekker's product without it).
///  - sinh, cosh: x + x^3 S(x^2) below 1, 1 + x^2 C(x^2) below 0.5; above,
///    e^|x|/2 as a pair (P of degree 10, 2^n in two steps) +- its
///    reciprocal / 4.
///  - log: x = 2^k m, m in [sqrt(1/2), sqrt(2)), from the bits (subnormals
///    scaled by 2^54 first), f = m - 1 exact, s = f/(m + 1) (one division);
///    log(1 + f) = f - f^2/2 + s (f^2/2 + s^2 L(s^2)), L a degree-6 fit, with
///    f - f^2/2 and k ln2hi + it kept as exact pairs until the last addition.
///  - float32 expm1, tanh, sinh, cosh: the same reductions in float64 with
///    shorter polynomials, rounded to float32 once at the end (log: k ln2
///    + s A(s^2), A of degree 3, its special values chosen after the
///    rounding).
/// No value depends on anything but the lane count and HasFMA.
//===----------------------------------------------------------------------===//
#include "CodeGen/OwnMath.h"

#include "llvm/IR/Intrinsics.h"
#include <cmath>

namespace nejit::codegen {

using namespace llvm;
using ir::Opcode;

namespace {

// Coefficients, constant term first, from scripts/fit_own_math.py (Chebyshev
// fits with mpmath at 60 digits, rounded to float64; the script prints the
// rounded polynomials' errors).
// (e^r - 1 - r) / r^2 on |r| <= 0.3467: error 2^-61.6 (times r^2).
const double ExpTail64[] = {
    0x1.0000000000000p-1,  0x1.5555555555557p-3,  0x1.5555555555556p-5,
    0x1.11111111100d3p-7,  0x1.6c16c16c162cfp-10, 0x1.a01a01abeccc3p-13,
    0x1.a01a01a6db488p-16, 0x1.71de02225a2f3p-19, 0x1.27e4db5bb725ap-22,
    0x1.af4e092e1705bp-26, 0x1.1f7315649f2d7p-29};
// The same for float32 results: error 2^-32.5 (times r^2).
const double ExpTail32[] = {0x1.0000000b95df5p-1, 0x1.5555555a7b04dp-3,
                            0x1.5554e8e8cf598p-5, 0x1.1110e0e528fc9p-7,
                            0x1.6d434d32cc595p-10, 0x1.a12515da60daep-13};
// The same with one coefficient fewer, for exp (whose error budget is an
// ulp, not expm1's cancellation): error 2^-56.1 (times r^2).
const double ExpTailShort64[] = {0x1.0000000000001p-1,  0x1.5555555555556p-3,
                                 0x1.5555555553d56p-5,  0x1.11111111109afp-7,
                                 0x1.6c16c17890eb4p-10, 0x1.a01a01a7c73c0p-13,
                                 0x1.a019b8f9792eep-16, 0x1.71de0da24602dp-19,
                                 0x1.28919ccaf9211p-22, 0x1.af38c67fbb53ep-26};
// For exp computed in float32, rounded to float32: error 2^-26.9 (times
// r^2).
const double ExpTail32f[] = {0x1.000000p-1, 0x1.5554dcp-3, 0x1.55551ap-5,
                             0x1.120b90p-7, 0x1.6d112cp-10};
// (tanh(s) - s) / s^3 at s^2 = u on [0, 0.55^2]: error 2^-58.5 (times s^3).
const double TanhTail64[] = {
    -0x1.5555555555555p-2, 0x1.1111111111109p-3,  -0x1.ba1ba1ba1a722p-5,
    0x1.664f48822e289p-6,  -0x1.226e3539a00d1p-7, 0x1.d6d3c5f99a62ep-9,
    -0x1.7da25d21d760bp-10, 0x1.3547b8fa8e500p-11, -0x1.f41ca1f74ce1ep-13,
    0x1.8c91755cdc93bp-14, -0x1.1ad84674012f4p-15, 0x1.0826eb7034bacp-17};
// (sinh(s) - s) / s^3 at s^2 = u on [0, 1]: error 2^-56.6 (times s^3).
const double SinhTail64[] = {
    0x1.5555555555555p-3,  0x1.1111111111111p-7,  0x1.a01a01a01a001p-13,
    0x1.71de3a556f96cp-19, 0x1.ae6456792a77fp-26, 0x1.612467ccb2260p-33,
    0x1.ae777c36fd5b6p-41, 0x1.99f0806c2628dp-49};
// (cosh(s) - 1) / s^2 at s^2 = u on [0, 1]: error 2^-58.6 (times s^2).
const double CoshTail64[] = {
    0x1.0000000000000p-1,  0x1.5555555555555p-5,  0x1.6c16c16c16c17p-10,
    0x1.a01a01a019ff1p-16, 0x1.27e4fb778d4a2p-22, 0x1.1eed8efabebc0p-29,
    0x1.939752b39172bp-37, 0x1.ae772fbbd2350p-45, 0x1.6c719649a1b3fp-53};

// (2 atanh(t) - 2t) / t^3 at t^2 = u on [0, 0.1716^2] (log(1 + f) =
// 2 atanh(f / (2 + f)), |f / (2 + f)| <= 0.17158): error 2^-59.1 (times t^3).
const double LogTail64[] = {
    0x1.5555555555558p-1, 0x1.99999999952bfp-2, 0x1.2492492df5266p-2,
    0x1.c71c62e0922bcp-3, 0x1.7462b61242bb4p-3, 0x1.39fe31c77715cp-3,
    0x1.2b5a8aca255fdp-3};
// 2 atanh(t) / t at t^2 = u on [0, 0.1716^2], for float32 results (log(1 + f)
// = s A(s^2)): relative error 2^-30.4.
const double LogAtanh32[] = {0x1.fffffffa1d30dp+0, 0x1.555587446e59fp-1,
                             0x1.9957a127e17a8p-2, 0x1.326e27618615ep-2};

const double InvLn2 = 0x1.71547652b82fep+0;
// ln 2 = Ln2Hi + Ln2Lo; Ln2Hi has 41 significant bits, so n * Ln2Hi is exact
// for |n| < 2^12 and x - n * Ln2Hi is exact (Sterbenz) for the n that x
// rounds to.
const double Ln2Hi = 0x1.62e42fefa3000p-1;
const double Ln2Lo = 0x1.3de6af278ece6p-42;
// ln 2 rounded, for float32 results.
const double Ln2 = 0x1.62e42fefa39efp-1;
// The same split for float32: Ln2Hi32 has 15 significant bits, so n *
// Ln2Hi32 is exact for |n| < 2^9.
const double Ln2Hi32 = 0x1.62e4p-1;
const double Ln2Lo32 = 0x1.7f7d1cp-20;

/// The exp reduction: x = Kd * ln2 + RHi - C, N = Kd as an integer, Bits =
/// the bits of N + Shifter (N in the low bits).
struct Reduced {
  Value *Kd, *N, *RHi, *C, *Bits;
};

/// An IRBuilder with the lane count of the values it is given, constants as
/// splats, and the few compound operations the functions share.
class Builder {
public:
  /// Single: compute in float32 (D, I are float and i32 vectors) instead
  /// of float64.
  Builder(IRBuilder<> &B, Value *X, bool FMA, bool Single = false)
      : B(B), FMA(FMA), MantBits(Single ? 23 : 52), Bias(Single ? 127 : 1023),
        Shifter(Single ? 0x1.8p23 : 0x1.8p52) {
    if (auto *VT = dyn_cast<FixedVectorType>(X->getType()))
      Lanes = VT->getNumElements();
    D = vec(Single ? B.getFloatTy() : B.getDoubleTy());
    I = vec(Single ? B.getInt32Ty() : B.getInt64Ty());
  }

  IRBuilder<> &B;
  bool FMA;
  unsigned Lanes = 1;
  Type *D, *I;
  // The format's significand bits (without the implicit one) and exponent
  // bias; adding Shifter (1.5 * 2^MantBits) to a value of magnitude below
  // 2^(MantBits-1) rounds it to an integer, which then sits in the low bits
  // of the sum: round-to-nearest without fptosi (poison for NaN and inf).
  int MantBits, Bias;
  double Shifter;

  Type *vec(Type *S) {
    return Lanes == 1 ? S : (Type *)FixedVectorType::get(S, Lanes);
  }
  Value *c(double V) { return ConstantFP::get(D, V); }
  Value *ci(int64_t V) { return ConstantInt::get(I, V, true); }
  Value *add(Value *A, Value *Bv) { return B.CreateFAdd(A, Bv); }
  Value *sub(Value *A, Value *Bv) { return B.CreateFSub(A, Bv); }
  Value *mul(Value *A, Value *Bv) { return B.CreateFMul(A, Bv); }
  Value *fabs(Value *A) {
    return B.CreateUnaryIntrinsic(Intrinsic::fabs, A);
  }
  Value *copysign(Value *Mag, Value *Sign) {
    return B.CreateBinaryIntrinsic(Intrinsic::copysign, Mag, Sign);
  }
  /// A where A < Lo, else Hi where A > Hi, else A; NaN stays NaN.
  Value *clamp(Value *A, double Lo, double Hi) {
    A = B.CreateSelect(B.CreateFCmpOGT(A, c(Hi)), c(Hi), A);
    return B.CreateSelect(B.CreateFCmpOLT(A, c(Lo)), c(Lo), A);
  }
  /// A * Bv + Cv: one rounding with FMA, two without.
  Value *mulAdd(Value *A, Value *Bv, Value *Cv) {
    if (FMA)
      return B.CreateIntrinsic(Intrinsic::fma, {D}, {A, Bv, Cv});
    return add(mul(A, Bv), Cv);
  }
  Value *horner(Value *X, ArrayRef<double> Coef) {
    Value *P = c(Coef.back());
    for (size_t K = Coef.size() - 1; K-- > 0;)
      P = mulAdd(P, X, c(Coef[K]));
    return P;
  }
  /// The same polynomial by Estrin's scheme: more operations than Horner's
  /// but a dependency chain of about log2(n) multiply-adds instead of n,
  /// for functions whose other work is too short to hide Horner's latency.
  Value *estrin(Value *X, ArrayRef<double> Coef) {
    SmallVector<Value *, 16> P;
    for (double C : Coef)
      P.push_back(c(C));
    for (Value *Pow = X; P.size() > 1; Pow = mul(Pow, Pow)) {
      SmallVector<Value *, 16> Next;
      for (size_t K = 0; K + 1 < P.size(); K += 2)
        Next.push_back(mulAdd(P[K + 1], Pow, P[K]));
      if (P.size() % 2)
        Next.push_back(P.back());
      P = std::move(Next);
    }
    return P[0];
  }
  /// The polynomial as two Horner chains in X^2, one of the even and one of
  /// the odd coefficients, joined at the end: half Horner's dependency
  /// chain, and one new constant per step where Estrin's scheme needs two
  /// at once (AVX2 has 16 registers). For exp on Zen 3 it measured 3-8%
  /// faster than Horner's and 1-3% faster than Estrin's scheme.
  Value *evenOddHorner(Value *X, ArrayRef<double> Coef) {
    SmallVector<double, 8> Even, Odd;
    for (size_t K = 0; K < Coef.size(); ++K)
      (K % 2 ? Odd : Even).push_back(Coef[K]);
    Value *X2 = mul(X, X);
    return mulAdd(horner(X2, Odd), X, horner(X2, Even));
  }
  /// 2^N for N in the format's normal exponents (the field built directly).
  Value *pow2(Value *N) {
    return B.CreateBitCast(B.CreateShl(B.CreateAdd(N, ci(Bias)), ci(MantBits)),
                           D);
  }
  /// A * 2^N for N in [-2044, 2046] (float32: [-252, 254]), in two exact
  /// steps but the last.
  Value *scale(Value *A, Value *N) {
    Value *N1 = B.CreateAShr(N, ci(1));
    return mul(mul(A, pow2(N1)), pow2(B.CreateSub(N, N1)));
  }
  /// A * 2^N by adding N to A's exponent field: one integer addition, valid
  /// when A and the result are normal and finite. Bits: N + Shifter's bits
  /// (Reduced::Bits), whose bits but N's shift out: 1.5 * 2^MantBits is the
  /// exponent field and 2^(MantBits-1), and 2 MantBits - 1 >= the width.
  Value *addExponent(Value *A, Value *Bits) {
    return B.CreateBitCast(
        B.CreateAdd(B.CreateBitCast(A, I), B.CreateShl(Bits, ci(MantBits))), D);
  }
  /// x = Kd ln2 + (RHi - C) for |x| <= 1100 (or NaN), with ln 2 = Hi + Lo
  /// (Hi with few enough bits that Kd * Hi and x - Kd * Hi are exact).
  Reduced reduce(Value *X, double Hi = Ln2Hi, double Lo = Ln2Lo) {
    // With FMA, x / ln2 is not rounded before the shifter rounds it: Kd may
    // then differ by one at half-integers, where |r| is ln 2 / 2 either way.
    Value *KdShift = mulAdd(X, c(InvLn2), c(Shifter));
    Value *Bits = B.CreateBitCast(KdShift, I);
    Value *N = B.CreateSub(Bits, B.CreateBitCast(c(Shifter), I));
    Value *Kd = sub(KdShift, c(Shifter));
    return {Kd, N, mulAdd(Kd, c(-Hi), X), mul(Kd, c(Lo)), Bits};
  }
  /// The exact sum of A and Bv when |A| >= |Bv|: {high, low}.
  std::pair<Value *, Value *> fastTwoSum(Value *A, Value *Bv) {
    Value *S = add(A, Bv);
    return {S, sub(Bv, sub(S, A))};
  }
  /// The exact sum of A and Bv (Knuth's TwoSum).
  std::pair<Value *, Value *> twoSum(Value *A, Value *Bv) {
    Value *S = add(A, Bv);
    Value *BB = sub(S, A);
    return {S, add(sub(A, sub(S, BB)), sub(Bv, BB))};
  }
  /// A * Bv - P exactly, where P is the rounded product: FMA, or Dekker's
  /// splitting into 26-bit halves.
  Value *productError(Value *A, Value *Bv, Value *P) {
    if (FMA)
      return B.CreateIntrinsic(Intrinsic::fma, {D}, {A, Bv, B.CreateFNeg(P)});
    auto Split = [&](Value *V) {
      Value *T = mul(V, c(134217729.0)); // 2^27 + 1
      Value *Hi = sub(T, sub(T, V));
      return std::make_pair(Hi, sub(V, Hi));
    };
    auto [AH, AL] = Split(A);
    auto [BH, BL] = Split(Bv);
    Value *E = add(add(sub(mul(AH, BH), P), mul(AH, BL)), mul(AL, BH));
    return add(E, mul(AL, BL));
  }
};

/// e^X as {Hi, Lo} before 2^N: e^X = 2^N (Hi + Lo), Hi = 1 + rhi exactly.
/// Coef, Hi and Lo: ExpTail64 and the float64 ln 2 split, or their float32
/// counterparts for a float32 Builder.
struct ExpParts {
  Value *Hi, *Lo, *N, *Bits;
};
ExpParts expParts(Builder &E, Value *X, ArrayRef<double> Coef = ExpTail64,
                  double Hi = Ln2Hi, double Lo = Ln2Lo) {
  Reduced R = E.reduce(X, Hi, Lo);
  Value *Rr = E.sub(R.RHi, R.C);
  Value *Q =
      E.mulAdd(E.mul(Rr, Rr), E.evenOddHorner(Rr, Coef), E.B.CreateFNeg(R.C));
  auto [S, Err] = E.fastTwoSum(E.c(1.0), R.RHi);
  return {S, E.add(Err, Q), R.N, R.Bits};
}

/// Where |X| > Limit (beyond which the reduction is not valid, and e^x is
/// 0 or inf in the type): inf for positive X, +0 for negative; elsewhere R.
/// NaN compares false and keeps R.
Value *expFar(Builder &E, Value *X, Value *R, double Limit) {
  Value *Far = E.B.CreateFCmpOGT(E.fabs(X), E.c(Limit));
  Value *Inf =
      E.B.CreateSelect(E.B.CreateFCmpOGT(X, E.c(0.0)), E.c(INFINITY), E.c(0.0));
  return E.B.CreateSelect(Far, Inf, R);
}

/// e^X for float64: 2^n ((1 + rhi) + (r^2 P(r) - c)), the pair 1 + rhi
/// exact so that only the last addition rounds, and 2^n added into the
/// exponent field. Lanes where that is not valid (results near overflow or
/// subnormal, NaN, inf) take 2^n in two steps instead, in a block that runs
/// only when some lane needs it (its few constants keep the common path's
/// registers free).
Value *exp64(Builder &E, Value *X) {
  // P of degree 9: its error is a small part of an ulp (expm1's
  // cancellation needs the degree-10 one).
  ExpParts P = expParts(E, X, ExpTailShort64);
  Value *Y = E.add(P.Hi, P.Lo);
  // |x| <= 708 gives n in [-1021, 1021]: e^r in [0.70, 1.42] times 2^n is
  // normal and finite.
  Value *Res = E.addExponent(Y, P.Bits);
  Value *Rare = E.B.CreateFCmpUGT(E.fabs(X), E.c(708.0));
  return fixLanes(E.B, Rare, Res, "exp", [&] {
    // Subnormal results round twice (Y, then Y 2^n): within 0.5 ulp + a
    // quarter of the subnormal ulp. NaN stays NaN through Y.
    return expFar(E, X, E.scale(Y, P.N), 1000.0);
  });
}

/// e^X for float32, in float32 (eight lanes to a 256-bit register where
/// float64 would have four): the float64 method with a 15-bit ln 2 split and
/// P of degree 4. The rare lanes (results near overflow or subnormal, NaN,
/// inf) scale the pair in float64 and round once to float32.
Value *exp32(Builder &E, Value *X) {
  ExpParts P = expParts(E, X, ExpTail32f, Ln2Hi32, Ln2Lo32);
  // |x| <= 86.5 gives n in [-125, 125].
  Value *Res = E.addExponent(E.add(P.Hi, P.Lo), P.Bits);
  Value *Rare = E.B.CreateFCmpUGT(E.fabs(X), E.c(86.5));
  return fixLanes(E.B, Rare, Res, "exp", [&] {
    // Hi + Lo in float64 is exact to far below a float32 ulp, and 2^n
    // (|n| < 300) is a normal double: one rounding, at the fptrunc.
    Builder E64(E.B, X, E.FMA);
    Value *Y =
        E64.add(E.B.CreateFPExt(P.Hi, E64.D), E.B.CreateFPExt(P.Lo, E64.D));
    Value *N = E.B.CreateSExt(P.N, E64.I);
    Value *R = E.B.CreateFPTrunc(E64.mul(Y, E64.pow2(N)), E.D);
    return expFar(E, X, R, 200.0);
  });
}

Value *expm1_64(Builder &E, Value *X) {
  // Below -40, e^x - 1 rounds to -1; clamping there keeps 2^(n-1) normal.
  Value *XC = E.clamp(X, -40.0, 710.0);
  Reduced R = E.reduce(XC);
  Value *Rr = E.sub(R.RHi, R.C);
  // e^r - 1 = rhi + rhi^2/2 + [r^3 P3(r) - c - rhi c + the error of
  // rhi^2]: where 2^n (1 + em) - 1 cancels (n = 1, r < 0) the result is
  // about r^2/2 smaller than its terms, so rhi^2/2 is kept exactly.
  Value *H = E.mul(R.RHi, R.RHi);
  Value *HErr = E.productError(R.RHi, R.RHi, H);
  Value *Tail = E.mul(E.mul(E.mul(Rr, Rr), Rr),
                      E.horner(Rr, ArrayRef<double>(ExpTail64).drop_front()));
  Value *Small = E.add(E.sub(E.sub(Tail, R.C), E.mul(R.RHi, R.C)),
                       E.mul(HErr, E.c(0.5)));
  // 2^n (1 + em) - 1 = 2 (2^(n-1) - 1/2 + 2^(n-1) em): 2^(n-1) - 1/2 and
  // 2^(n-1) times rhi and rhi^2/2 are exact (n >= -53), their sum is kept
  // exactly, and only the last addition rounds.
  Value *S = E.pow2(E.B.CreateSub(R.N, E.ci(1)));
  auto [Sum1, Err1] = E.twoSum(E.sub(S, E.c(0.5)), E.mul(S, R.RHi));
  auto [Sum2, Err2] = E.twoSum(Sum1, E.mul(S, E.mul(H, E.c(0.5))));
  Value *Rest = E.add(E.add(Err1, Err2), E.mul(S, Small));
  Value *Res = E.mul(E.add(Sum2, Rest), E.c(2.0));
  // expm1(x) = x below 2^-54 (x^2/2 is under half an ulp): also keeps the
  // sign of -0 and the subnormals that 2^(n-1) x would round.
  return E.B.CreateSelect(E.B.CreateFCmpOLT(E.fabs(X), E.c(0x1p-54)), X, Res);
}

Value *tanh64(Builder &E, Value *X) {
  Value *AX = E.fabs(X);
  Value *U = E.mul(X, X);
  Value *Small = E.add(X, E.mul(X, E.mul(U, E.horner(U, TanhTail64))));
  // 1 - 2/(e^2a + 1): tanh(20) rounds to 1, so a stops there.
  Value *A = E.B.CreateSelect(E.B.CreateFCmpOGT(AX, E.c(20.0)), E.c(20.0), AX);
  ExpParts P = expParts(E, E.mul(A, E.c(2.0)));
  Value *Pow = E.pow2(P.N); // n <= 58
  // The pair normalized, so that the low part is below an ulp of the high.
  auto [EH, EL] = E.fastTwoSum(P.Hi, P.Lo);
  // D = e^2a + 1 as DH + DL (e^2a >= e^1.1 > 1 on the lanes that use it).
  auto [DH, DErr] = E.fastTwoSum(E.mul(EH, Pow), E.c(1.0));
  Value *DL = E.add(DErr, E.mul(EL, Pow));
  // Q0 = 2/DH rounded; 2/D = Q0 + Q0 * Rho / 2 to well below an ulp, with
  // Rho = 2 - Q0 * D computed exactly but for Q0 * DL.
  Value *Q0 = E.B.CreateFDiv(E.c(2.0), DH);
  Value *Prod = E.mul(Q0, DH);
  Value *Rho = E.sub(E.sub(E.sub(E.c(2.0), Prod), E.productError(Q0, DH, Prod)),
                     E.mul(Q0, DL));
  Value *Delta = E.mul(E.mul(Q0, Rho), E.c(0.5));
  auto [T, TErr] = E.fastTwoSum(E.c(1.0), E.B.CreateFNeg(Q0));
  Value *Big = E.add(T, E.sub(TErr, Delta));
  // NaN compares false and takes the second path, which keeps it. tanh is
  // odd: the sign of x (also of -0, which x + x^3 T turns into +0).
  return E.copysign(
      E.B.CreateSelect(E.B.CreateFCmpOLT(AX, E.c(0.55)), Small, Big), X);
}

/// e^X - 1 for float64 X in [-40, 100] to about 2^-45 relative (float32
/// results): 2^n e^r - 1 as 2^n em + (2^n - 1), whose parts are exact.
Value *expm1For32(Builder &E, Value *X) {
  Reduced R = E.reduce(X);
  Value *Rr = E.sub(R.RHi, R.C);
  Value *Em = E.add(Rr, E.mul(E.mul(Rr, Rr), E.horner(Rr, ExpTail32)));
  Value *S = E.pow2(R.N);
  return E.add(E.mul(S, Em), E.sub(S, E.c(1.0)));
}

Value *expm1_32(Builder &E, Value *X) {
  Value *Res = expm1For32(E, E.clamp(X, -40.0, 100.0));
  return E.B.CreateSelect(E.B.CreateFCmpOLT(E.fabs(X), E.c(0x1p-40)), X, Res);
}

Value *tanh32(Builder &E, Value *X) {
  // em / (em + 2), em = e^2x - 1: float32 needs no more care than this.
  Value *AX = E.fabs(X);
  Value *A = E.B.CreateSelect(E.B.CreateFCmpOGT(AX, E.c(20.0)), E.c(20.0), AX);
  Value *Em = expm1For32(E, E.mul(A, E.c(2.0)));
  Value *R = E.B.CreateFDiv(Em, E.add(Em, E.c(2.0)));
  // Tiny and zero lanes: tanh(x) = x (also the sign of -0).
  R = E.B.CreateSelect(E.B.CreateFCmpOLT(AX, E.c(0x1p-40)), AX, R);
  return E.copysign(R, X);
}

/// sinh or cosh of float64 X: x + x^3 S(x^2) below 1 or 1 + x^2 C(x^2)
/// below 0.5; above, H +- 1/(4H) with H = e^|x| / 2 as a pair (so that
/// results up to 710.47, where e^|x| itself overflows, stay finite).
Value *sinhCosh64(Builder &E, Value *X, bool Sinh) {
  Value *AX = E.fabs(X);
  Value *U = E.mul(X, X);
  Value *Small =
      Sinh ? E.add(X, E.mul(X, E.mul(U, E.horner(U, SinhTail64))))
           : E.add(E.c(1.0), E.mul(U, E.horner(U, CoshTail64)));
  // Both overflow past 710.48; clamping at 711 keeps n in scale()'s range.
  Value *A = E.B.CreateSelect(E.B.CreateFCmpOGT(AX, E.c(711.0)), E.c(711.0), AX);
  ExpParts P = expParts(E, A);
  auto [EH, EL] = E.fastTwoSum(P.Hi, P.Lo);
  Value *NHalf = E.B.CreateSub(P.N, E.ci(1));
  Value *HH = E.scale(EH, NHalf);
  Value *HL = E.scale(EL, NHalf);
  Value *Inv = E.B.CreateFDiv(E.c(0.25), HH);
  Value *Big = E.add(HH, Sinh ? E.sub(HL, Inv) : E.add(HL, Inv));
  // NaN compares false and takes the second path, which keeps it.
  // cosh's 1 + x^2 C rounds x^2 C, which reaches 0.54 at 1, in too coarse
  // an ulp: its polynomial serves below 0.5 only (where 1/(4H) < 0.31).
  Value *R = E.B.CreateSelect(
      E.B.CreateFCmpOLT(AX, E.c(Sinh ? 1.0 : 0.5)), Small, Big);
  return Sinh ? E.copysign(R, X) : R;
}

/// Float32 sinh and cosh in float64: (em + em/(em + 1))/2 with em = e^|x| - 1
/// (no cancellation near 0), and (e^|x| + e^-|x|)/2.
Value *sinhCosh32(Builder &E, Value *X, bool Sinh) {
  Value *AX = E.fabs(X);
  // Float32 overflows past 89.42; e^100 is a finite double.
  Value *A = E.B.CreateSelect(E.B.CreateFCmpOGT(AX, E.c(100.0)), E.c(100.0), AX);
  Value *Em = expm1For32(E, A);
  Value *R;
  if (Sinh) {
    R = E.mul(E.add(Em, E.B.CreateFDiv(Em, E.add(Em, E.c(1.0)))), E.c(0.5));
    R = E.B.CreateSelect(E.B.CreateFCmpOLT(AX, E.c(0x1p-40)), AX, R);
    return E.copysign(R, X);
  }
  Value *Ex = E.add(Em, E.c(1.0));
  return E.mul(E.add(Ex, E.B.CreateFDiv(E.c(1.0), Ex)), E.c(0.5));
}

/// x = 2^K m with m in [sqrt(1/2), sqrt(2)), for positive finite float64 x
/// (other lanes get finite garbage): K, F = m - 1 (exact) and s = F / (2 + F)
/// (from m - 1 and m + 1, which are ready at the same time).
struct LogReduced {
  Value *K, *F, *S;
};
LogReduced logReduce(Builder &E, Value *X, bool Subnormals) {
  // Subnormal x (float64 only; float32 ones are normal in float64) are
  // scaled into the normal range first.
  Value *Tiny = Subnormals ? E.B.CreateFCmpOLT(X, E.c(0x1p-1022)) : nullptr;
  if (Tiny)
    X = E.B.CreateSelect(Tiny, E.mul(X, E.c(0x1p54)), X);
  // Offsetting the bits by those of sqrt(1/2) puts the seam of m at sqrt(2)
  // and K + 1024 in the top 12 bits (a logical shift: AVX2 has no
  // arithmetic 64-bit one); the low 52 bits plus the offset are m's bits.
  const int64_t SqrtHalf = 0x3fe6a09e667f3bcd;
  Value *T = E.B.CreateAdd(E.B.CreateBitCast(X, E.I),
                           E.ci(0x4000000000000000 - SqrtHalf));
  Value *M = E.B.CreateBitCast(
      E.B.CreateAdd(E.B.CreateAnd(T, E.ci(0x000fffffffffffff)),
                    E.ci(SqrtHalf)),
      E.D);
  // K + 1024 < 2^52 as a double: its bits OR-ed under 2^52's exponent
  // (AVX2 has no int64 to double conversion).
  Value *Biased = E.B.CreateBitCast(
      E.B.CreateOr(E.B.CreateLShr(T, E.ci(52)), E.ci(0x4330000000000000)),
      E.D);
  Value *Bias = E.c(0x1p52 + 1024);
  if (Tiny)
    Bias = E.B.CreateSelect(Tiny, E.c(0x1p52 + 1024 + 54), Bias);
  Value *F = E.sub(M, E.c(1.0));
  return {E.sub(Biased, Bias), F,
          E.B.CreateFDiv(F, E.add(M, E.c(1.0)))};
}

/// numpy's log where X (float64 or float32) is not positive and finite:
/// -inf at +-0, NaN below 0, x itself at +inf and NaN; Res elsewhere.
Value *logSpecials(Builder &E, Value *X, Value *Res) {
  Type *FT = X->getType();
  Value *Zero = ConstantFP::getZero(FT);
  Value *Inf = ConstantFP::getInfinity(FT);
  Res = E.B.CreateSelect(E.B.CreateFCmpOEQ(X, Zero),
                         ConstantFP::getInfinity(FT, /*Negative=*/true), Res);
  Res = E.B.CreateSelect(E.B.CreateFCmpOLT(X, Zero), ConstantFP::getNaN(FT),
                         Res);
  return E.B.CreateSelect(E.B.CreateFCmpUEQ(X, Inf), X, Res);
}

Value *log64(Builder &E, Value *X) {
  LogReduced R = logReduce(E, X, /*Subnormals=*/true);
  Value *F = R.F, *S = R.S;
  // log(1 + f) = f - f^2/2 + s (f^2/2 + R), R = s^2 L(s^2) (as 2s = f - s f,
  // f^2/2 - s f = s f^2/2 and 2 atanh(s) = 2s + s R): f is exact and f^2/2
  // is kept as an exact pair, so the terms that reach the result's ulp are
  // summed exactly until the last addition; the rounding of s only touches
  // the small third term.
  Value *Sq = E.mul(F, F);
  Value *Hf = E.mul(Sq, E.c(0.5));
  Value *HfLo = E.mul(E.productError(F, F, Sq), E.c(0.5));
  // |f^2/2| <= 0.21 |f| and |log(1 + f)| <= 0.35 < ln 2 <= |k ln2| (k != 0):
  // each pair is ordered for fastTwoSum.
  auto [A, AErr] = E.fastTwoSum(F, E.B.CreateFNeg(Hf));
  auto [Sum, SErr] = E.fastTwoSum(E.mul(R.K, E.c(Ln2Hi)), A);
  Value *Lo = E.add(E.mulAdd(R.K, E.c(Ln2Lo), SErr), E.sub(AErr, HfLo));
  // The polynomial last, by Estrin's scheme: the division and the
  // polynomial are the long dependency chain, and the loop is bound by it.
  Value *U = E.mul(S, S);
  Value *Rest = E.mulAdd(E.mul(S, U), E.estrin(U, LogTail64),
                         E.mulAdd(S, Hf, Lo));
  return logSpecials(E, X, E.add(Sum, Rest));
}

/// Float32 log of float32 X in float64 (float32 subnormals are normal
/// there): k ln2 + s A(s^2) is within 2^-30 of log x (relative), rounded to
/// float32 once. The special values are chosen among float32 lanes, twice
/// as many per instruction: the loop is bound by the throughput of the
/// floating-point pipes here.
Value *log32(Builder &E, Value *X) {
  LogReduced R = logReduce(E, E.B.CreateFPExt(X, E.D), /*Subnormals=*/false);
  Value *Res = E.mulAdd(R.S, E.horner(E.mul(R.S, R.S), LogAtanh32),
                        E.mul(R.K, E.c(Ln2)));
  return logSpecials(E, X, E.B.CreateFPTrunc(Res, X->getType()));
}

} // namespace

bool ownMathServes(Opcode Op, DType Type, Accuracy Acc) {
  if (Acc != Accuracy::High ||
      (Type != DType::Float64 && Type != DType::Float32))
    return false;
  switch (Op) {
  // Each measured faster than Sleef's u10 function on Zen 3 and is within
  // 1 ULP (docs/accuracy.md). float32 exp is the narrowest: 1.29x on an
  // idle machine, 1.26-1.33x under load; it stays because it is also the
  // more accurate one (0.71 ULP against Sleef's 0.91).
  case Opcode::Exp:
  case Opcode::Expm1:
  case Opcode::Tanh:
  case Opcode::Sinh:
  case Opcode::Cosh:
  case Opcode::Log:
    return true;
  default:
    return false;
  }
}

Value *emitOwnMath(IRBuilder<> &B, Opcode Op, DType Type, Value *X,
                   bool HasFMA) {
  bool F32 = Type == DType::Float32;
  if (Op == Opcode::Exp) {
    Builder E(B, X, HasFMA, /*Single=*/F32);
    return F32 ? exp32(E, X) : exp64(E, X);
  }
  Builder E(B, X, HasFMA);
  // Float32 runs the float64 method with shorter polynomials: one rounding
  // to float32 at the end.
  Value *XD = F32 ? B.CreateFPExt(X, E.D) : X;
  Value *R = nullptr;
  switch (Op) {
  case Opcode::Expm1:
    R = F32 ? expm1_32(E, XD) : expm1_64(E, XD);
    break;
  case Opcode::Tanh:
    R = F32 ? tanh32(E, XD) : tanh64(E, XD);
    break;
  case Opcode::Sinh:
  case Opcode::Cosh:
    R = F32 ? sinhCosh32(E, XD, Op == Opcode::Sinh)
            : sinhCosh64(E, XD, Op == Opcode::Sinh);
    break;
  case Opcode::Log:
    // Float32 log rounds to float32 before its special values.
    return F32 ? log32(E, X) : log64(E, X);
  default:
    return nullptr;
  }
  return F32 ? B.CreateFPTrunc(R, X->getType()) : R;
}

Value *fixLanes(IRBuilder<> &B, Value *Cond, Value *R, StringRef Name,
                function_ref<Value *()> Fix) {
  Value *Any = Cond->getType()->isVectorTy() ? B.CreateOrReduce(Cond) : Cond;
  Function *Fn = B.GetInsertBlock()->getParent();
  LLVMContext &Ctx = B.getContext();
  BasicBlock *Before = B.GetInsertBlock();
  BasicBlock *FixBB = BasicBlock::Create(Ctx, Name + ".big", Fn);
  BasicBlock *Join = BasicBlock::Create(Ctx, Name + ".join", Fn);
  B.CreateCondBr(Any, FixBB, Join);
  B.SetInsertPoint(FixBB);
  Value *Fixed = B.CreateSelect(Cond, Fix(), R);
  BasicBlock *FixEnd = B.GetInsertBlock();
  B.CreateBr(Join);
  B.SetInsertPoint(Join);
  PHINode *Phi = B.CreatePHI(R->getType(), 2);
  Phi->addIncoming(R, Before);
  Phi->addIncoming(Fixed, FixEnd);
  return Phi;
}

} // namespace nejit::codegen
