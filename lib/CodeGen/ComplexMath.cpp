//===- CodeGen/ComplexMath.cpp - Complex functions from real vectors ------===//
/// \file
/// Each function is a branch-free formula over the real and imaginary parts,
/// then a few selects that put C99 Annex G's special values (signed zeros,
/// infinities, NaNs) where the formula's arithmetic would produce NaN.
/// Overflow is avoided where the true result is finite (exp, sinh, cosh of
/// large real parts are scaled; sqrt scales huge and tiny inputs; log uses
/// log1p near the unit circle for accuracy).
//===----------------------------------------------------------------------===//
#include "CodeGen/ComplexMath.h"

#include "llvm/IR/Intrinsics.h"

#include <cmath>

namespace nejit::codegen {

using ir::Opcode;
using namespace llvm;

namespace {

class ComplexEmitter {
public:
  ComplexEmitter(IRBuilder<> &B, RealMath &M, Type *VT) : B(B), M(M), VT(VT) {}

  CVal exp(CVal Z);
  CVal expm1(CVal Z);
  CVal log(CVal Z);
  CVal log1p(CVal Z);
  CVal scaledLog(CVal Z, double Scale);
  CVal sqrt(CVal Z);
  CVal sinh(CVal Z);
  CVal cosh(CVal Z);
  CVal tanh(CVal Z);
  CVal sin(CVal Z);
  CVal cos(CVal Z);
  CVal tan(CVal Z);
  CVal pow(CVal Z, CVal W);
  CVal abs(CVal Z);

private:
  IRBuilder<> &B;
  RealMath &M;
  Type *VT;

  Value *k(double V) { return ConstantFP::get(VT, V); }
  Value *fabs(Value *X) { return B.CreateUnaryIntrinsic(Intrinsic::fabs, X); }
  Value *copysign(Value *Mag, Value *Sign) {
    return B.CreateBinaryIntrinsic(Intrinsic::copysign, Mag, Sign);
  }
  Value *fsqrt(Value *X) { return B.CreateUnaryIntrinsic(Intrinsic::sqrt, X); }
  Value *floor(Value *X) { return B.CreateUnaryIntrinsic(Intrinsic::floor, X); }
  Value *fma(Value *A, Value *Bv, Value *C) {
    return B.CreateIntrinsic(Intrinsic::fma, {VT}, {A, Bv, C});
  }
  Value *maxnum(Value *A, Value *Bv) {
    return B.CreateBinaryIntrinsic(Intrinsic::maxnum, A, Bv);
  }
  Value *minnum(Value *A, Value *Bv) {
    return B.CreateBinaryIntrinsic(Intrinsic::minnum, A, Bv);
  }
  Value *isZero(Value *X) { return B.CreateFCmpOEQ(X, k(0.0)); }
  Value *isInf(Value *X) { return B.CreateFCmpOEQ(fabs(X), k(INFINITY)); }
  Value *isFinite(Value *X) { return B.CreateFCmpOLT(fabs(X), k(INFINITY)); }
  Value *isNan(Value *X) { return B.CreateFCmpUNO(X, X); }
  Value *sel(Value *C, Value *T, Value *F) { return B.CreateSelect(C, T, F); }
  Value *add(Value *A, Value *Bv) { return B.CreateFAdd(A, Bv); }
  Value *sub(Value *A, Value *Bv) { return B.CreateFSub(A, Bv); }
  Value *mul(Value *A, Value *Bv) { return B.CreateFMul(A, Bv); }
  Value *div(Value *A, Value *Bv) { return B.CreateFDiv(A, Bv); }
  Value *neg(Value *A) { return B.CreateFNeg(A); }
  Value *andV(Value *A, Value *Bv) { return B.CreateAnd(A, Bv); }
  Value *orV(Value *A, Value *Bv) { return B.CreateOr(A, Bv); }
  Value *notV(Value *A) { return B.CreateNot(A); }

  CVal cmul(CVal A, CVal Bv) {
    return {sub(mul(A.Re, Bv.Re), mul(A.Im, Bv.Im)),
            add(mul(A.Re, Bv.Im), mul(A.Im, Bv.Re))};
  }
  /// sinh and cosh of X as Sh * Scale and Ch * Scale, with Scale != 1 only
  /// where sinh/cosh overflow but a product with a cosine may not.
  struct Hyper {
    Value *Sh, *Ch, *Scale;
  };
  Hyper hyper(Value *X) {
    // Past |x| = 700, sinh(|x|/2) == cosh(|x|/2) == e^(|x|/2) / 2 exactly,
    // and sinh(x) = sign(x) * 2 * cosh(|x|/2)^2.
    Value *Big = B.CreateFCmpOGT(fabs(X), k(700.0));
    Value *XA = sel(Big, mul(fabs(X), k(0.5)), X);
    Value *Sh = M.call("sinh", {XA});
    Value *Ch = M.call("cosh", {XA});
    return {sel(Big, copysign(Ch, X), Sh), Ch, sel(Big, add(Ch, Ch), k(1.0))};
  }
};

//===--- exp, expm1 -------------------------------------------------------===//

CVal ComplexEmitter::exp(CVal Z) {
  // e^x (cos y + i sin y); for x > 709 e^x overflows although the product
  // may not: use (e^(x/2) * cos y) * e^(x/2).
  Value *X = Z.Re, *Y = Z.Im;
  Value *Big = B.CreateFCmpOGT(X, k(709.0));
  Value *H = M.call("exp", {sel(Big, mul(X, k(0.5)), X)});
  auto [S, C] = M.sinCos(Y);
  Value *Re = mul(H, C), *Im = mul(H, S);
  Re = sel(Big, mul(Re, H), Re);
  Im = sel(Big, mul(Im, H), Im);
  // exp(x + i0) = e^x + i0 even for x = inf or NaN.
  Value *YZero = isZero(Y);
  Re = sel(YZero, H, Re);
  Re = sel(andV(YZero, Big), mul(H, H), Re);
  Im = sel(YZero, Y, Im);
  // x = -inf, y not finite: 0 + i0;  x = +inf, y not finite: inf + i NaN.
  Value *YBad = notV(isFinite(Y));
  Value *XNegInf = B.CreateFCmpOEQ(X, k(-INFINITY));
  Value *XPosInf = B.CreateFCmpOEQ(X, k(INFINITY));
  Re = sel(andV(YBad, XNegInf), k(0.0), Re);
  Im = sel(andV(YBad, XNegInf), copysign(k(0.0), Y), Im);
  Re = sel(andV(YBad, XPosInf), X, Re);
  return {Re, Im};
}

CVal ComplexEmitter::expm1(CVal Z) {
  // Re: expm1(x) cos y - 2 sin^2(y/2) (no cancellation near 0);
  // Im: e^x sin y.
  Value *X = Z.Re, *Y = Z.Im;
  Value *Em1 = M.call("expm1", {X});
  Value *E = M.call("exp", {X});
  auto [S, C] = M.sinCos(Y);
  Value *SH = M.call("sin", {mul(Y, k(0.5))});
  Value *Re = sub(mul(Em1, C), mul(k(2.0), mul(SH, SH)));
  // numpy applies this formula without special cases (expm1(inf + i0) is
  // inf + i NaN there); so do we, to give the same results.
  return {Re, mul(E, S)};
}

//===--- log family -------------------------------------------------------===//

CVal ComplexEmitter::log(CVal Z) {
  // log|z| + i atan2(y, x). Near the unit circle log|z| is small and
  // log(hypot) loses it: there use log1p(x^2 + y^2 - 1) / 2 with fused
  // products.
  Value *X = Z.Re, *Y = Z.Im;
  Value *R = M.call("hypot", {X, Y});
  Value *Im = M.call("atan2", {Y, X});
  Value *Far = M.call("log", {R});
  Value *AX = fabs(X), *AY = fabs(Y);
  Value *Hi = maxnum(AX, AY), *Lo = minnum(AX, AY);
  Value *T = fma(Lo, Lo, fma(Hi, Hi, k(-1.0)));
  Value *Near = mul(k(0.5), M.call("log1p", {T}));
  Value *IsNear =
      andV(B.CreateFCmpOGT(R, k(0.75)), B.CreateFCmpOLT(R, k(1.25)));
  return {sel(IsNear, Near, Far), Im};
}

CVal ComplexEmitter::scaledLog(CVal Z, double Scale) {
  CVal L = log(Z);
  return {mul(L.Re, k(Scale)), mul(L.Im, k(Scale))};
}

CVal ComplexEmitter::log1p(CVal Z) {
  // log(1 + z): |1+z|^2 - 1 = x (x + 2) + y^2 keeps small x exact.
  Value *X = Z.Re, *Y = Z.Im;
  Value *X1 = add(X, k(1.0));
  Value *R = M.call("hypot", {X1, Y});
  Value *Im = M.call("atan2", {Y, X1});
  Value *Far = M.call("log", {R});
  Value *T = fma(X, add(X, k(2.0)), mul(Y, Y));
  Value *Near = mul(k(0.5), M.call("log1p", {T}));
  Value *IsNear =
      andV(B.CreateFCmpOGT(R, k(0.75)), B.CreateFCmpOLT(R, k(1.25)));
  return {sel(IsNear, Near, Far), Im};
}

//===--- sqrt, abs --------------------------------------------------------===//

CVal ComplexEmitter::sqrt(CVal Z) {
  // t = sqrt((|x| + |z|) / 2); x >= 0: (t, y / 2t), else (|y| / 2t, ±t).
  // Huge inputs are scaled by 1/4 (result by 2), tiny ones by 2^106
  // (result by 2^-53), so neither |x| + |z| overflows nor loses bits.
  Value *X = Z.Re, *Y = Z.Im;
  Value *Mag = maxnum(fabs(X), fabs(Y));
  Value *Huge = B.CreateFCmpOGT(Mag, k(0x1p1020));
  Value *Tiny = B.CreateFCmpOLT(Mag, k(0x1p-968));
  Value *In = sel(Huge, k(0.25), sel(Tiny, k(0x1p106), k(1.0)));
  Value *Out = sel(Huge, k(2.0), sel(Tiny, k(0x1p-53), k(1.0)));
  Value *XS = mul(X, In), *YS = mul(Y, In);
  Value *R = M.call("hypot", {XS, YS});
  Value *T = fsqrt(mul(k(0.5), add(fabs(XS), R)));
  Value *T2 = add(T, T);
  Value *XNeg = B.CreateFCmpOLT(XS, k(0.0));
  Value *Re = sel(XNeg, div(fabs(YS), T2), T);
  Value *Im = sel(XNeg, copysign(T, YS), div(YS, T2));
  Re = mul(Re, Out);
  Im = mul(Im, Out);
  // sqrt(±0 + iy0) = +0 + iy0; sqrt(x ± i inf) = inf ± i inf.
  Value *Zero = andV(isZero(X), isZero(Y));
  Re = sel(Zero, k(0.0), Re);
  Im = sel(Zero, Y, Im);
  Value *YInf = isInf(Y);
  Re = sel(YInf, k(INFINITY), Re);
  Im = sel(YInf, Y, Im);
  return {Re, Im};
}

CVal ComplexEmitter::abs(CVal Z) {
  return {M.call("hypot", {Z.Re, Z.Im}), k(0.0)};
}

//===--- hyperbolic and circular ------------------------------------------===//

CVal ComplexEmitter::sinh(CVal Z) {
  // sinh x cos y + i cosh x sin y
  Value *X = Z.Re, *Y = Z.Im;
  Hyper H = hyper(X);
  auto [S, C] = M.sinCos(Y);
  Value *Re = mul(mul(H.Sh, C), H.Scale);
  Value *Im = mul(mul(H.Ch, S), H.Scale);
  Value *YBad = notV(isFinite(Y));
  // sinh(±0 + i y) for y inf/NaN: ±0 + i NaN.
  Re = sel(andV(isZero(X), YBad), X, Re);
  // sinh(±inf + i y) for y inf/NaN: ±inf + i NaN.
  Re = sel(andV(isInf(X), YBad), X, Re);
  // sinh(x + i0) = sinh x + i0 (also for x = inf or NaN).
  Value *YZero = isZero(Y);
  Re = sel(YZero, mul(H.Sh, H.Scale), Re);
  Im = sel(YZero, Y, Im);
  return {Re, Im};
}

CVal ComplexEmitter::cosh(CVal Z) {
  // cosh x cos y + i sinh x sin y
  Value *X = Z.Re, *Y = Z.Im;
  Hyper H = hyper(X);
  auto [S, C] = M.sinCos(Y);
  Value *Re = mul(mul(H.Ch, C), H.Scale);
  Value *Im = mul(mul(H.Sh, S), H.Scale);
  Value *YBad = notV(isFinite(Y));
  // cosh(±0 + i y) for y inf/NaN: NaN + i0.
  Im = sel(andV(isZero(X), YBad), k(0.0), Im);
  // cosh(±inf + i y) for y inf/NaN: inf + i NaN.
  Re = sel(andV(isInf(X), YBad), k(INFINITY), Re);
  // cosh(x + i0) = cosh x + i (sign(x) * 0).
  Value *YZero = isZero(Y);
  Re = sel(YZero, mul(H.Ch, H.Scale), Re);
  Im = sel(YZero, mul(copysign(k(1.0), X), Y), Im);
  return {Re, Im};
}

CVal ComplexEmitter::tanh(CVal Z) {
  // Kahan's formula: t = tan y, s = sinh x, beta = 1 + t^2,
  // rho = sqrt(1 + s^2): (beta rho s + i t) / (1 + beta s^2).
  // For |x| >= 22, tanh = ±1 + i 4 sin y cos y e^(-2|x|), where
  // 4 sin y cos y = 4t / beta and e^(-2|x|) ~ 1 / (4 s^2) ... = 1/s^2 / 4.
  Value *X = Z.Re, *Y = Z.Im;
  Value *T = M.call("tan", {Y});
  Value *S = M.call("sinh", {X});
  Value *Beta = fma(T, T, k(1.0));
  Value *Rho = fsqrt(fma(S, S, k(1.0)));
  Value *Den = fma(mul(Beta, S), S, k(1.0));
  Value *Re = div(mul(mul(Beta, Rho), S), Den);
  Value *Im = div(T, Den);
  Value *Big = B.CreateFCmpOGE(fabs(X), k(22.0));
  Value *BigIm = div(div(div(T, Beta), S), S);
  Re = sel(Big, copysign(k(1.0), X), Re);
  Im = sel(Big, BigIm, Im);
  // tanh(±inf + i y) for y inf/NaN: ±1 ± i0; tanh(x + i0) = tanh x + i0.
  Value *YBad = notV(isFinite(Y));
  Im = sel(andV(isInf(X), YBad), copysign(k(0.0), Y), Im);
  Im = sel(isZero(Y), Y, Im);
  // tanh(x + i y) for finite x and y inf/NaN: NaN + i NaN, but ±0 + i NaN
  // for x = ±0 (C11).
  Value *XFiniteYBad = andV(isFinite(X), YBad);
  Re = sel(XFiniteYBad, sel(isZero(X), X, k(NAN)), Re);
  Im = sel(XFiniteYBad, k(NAN), Im);
  return {Re, Im};
}

// sin z = -i sinh(iz), cos z = cosh(iz), tan z = -i tanh(iz), iz = -y + ix.
CVal ComplexEmitter::sin(CVal Z) {
  CVal W = sinh({neg(Z.Im), Z.Re});
  return {W.Im, neg(W.Re)};
}
CVal ComplexEmitter::cos(CVal Z) { return cosh({neg(Z.Im), Z.Re}); }
CVal ComplexEmitter::tan(CVal Z) {
  CVal W = tanh({neg(Z.Im), Z.Re});
  return {W.Im, neg(W.Re)};
}

//===--- pow --------------------------------------------------------------===//

CVal ComplexEmitter::pow(CVal Z, CVal W) {
  // numexpr's nc_pow: w == 0 gives 1 and z == 0 gives 0 for any other w
  // (numpy gives NaN for 0 ** w unless w is real and positive); an integral
  // real w with |w| < 100 by binary powering from 1 -- every factor is
  // multiplied into the accumulator, so 1j**4 is 1+0j (taking the first
  // factor as is gave 1-0j) -- and 1 / z^|n| for n < 0 by the textbook
  // quotient; otherwise exp(w log z) with numpy's special values.
  CVal L = log(Z);
  CVal G = exp(cmul(W, L));

  Value *N = W.Re;
  Value *AbsN = fabs(N);
  Value *IsInt = andV(andV(isZero(W.Im), B.CreateFCmpOEQ(floor(N), N)),
                      B.CreateFCmpOLT(AbsN, k(100.0)));
  CVal Acc{k(1.0), k(0.0)}, P = Z;
  Value *Rest = AbsN;
  for (int Bit = 0; Bit < 7; ++Bit) {
    Value *Half = floor(mul(Rest, k(0.5)));
    Value *Odd = B.CreateFCmpONE(Rest, add(Half, Half));
    CVal Prod = cmul(Acc, P);
    Acc = {sel(Odd, Prod.Re, Acc.Re), sel(Odd, Prod.Im, Acc.Im)};
    if (Bit < 6)
      P = cmul(P, P);
    Rest = Half;
  }
  // nc_quot(1, acc): (re, -im) / (re^2 + im^2).
  Value *D = add(mul(Acc.Re, Acc.Re), mul(Acc.Im, Acc.Im));
  CVal Inv{div(add(Acc.Re, mul(k(0.0), Acc.Im)), D),
           div(sub(mul(k(0.0), Acc.Re), Acc.Im), D)};
  Value *NNeg = B.CreateFCmpOLT(N, k(0.0));
  CVal IntPow{sel(NNeg, Inv.Re, Acc.Re), sel(NNeg, Inv.Im, Acc.Im)};

  Value *Re = sel(IsInt, IntPow.Re, G.Re);
  Value *Im = sel(IsInt, IntPow.Im, G.Im);
  Value *ZZero = andV(isZero(Z.Re), isZero(Z.Im));
  Re = sel(ZZero, k(0.0), Re);
  Im = sel(ZZero, k(0.0), Im);
  Value *WZero = andV(isZero(W.Re), isZero(W.Im));
  Re = sel(WZero, k(1.0), Re);
  Im = sel(WZero, k(0.0), Im);
  return {Re, Im};
}

} // namespace

std::optional<CVal> emitComplexMath(Opcode Op, IRBuilder<> &B, RealMath &M,
                                    ArrayRef<CVal> Args) {
  ComplexEmitter E(B, M, Args[0].Re->getType());
  switch (Op) {
  case Opcode::Exp:
    return E.exp(Args[0]);
  case Opcode::Expm1:
    return E.expm1(Args[0]);
  case Opcode::Log:
    return E.log(Args[0]);
  case Opcode::Log10:
    return E.scaledLog(Args[0], 0.43429448190325182765);
  case Opcode::Log2:
    return E.scaledLog(Args[0], 1.4426950408889634074);
  case Opcode::Log1p:
    return E.log1p(Args[0]);
  case Opcode::Sqrt:
    return E.sqrt(Args[0]);
  case Opcode::Abs:
    return E.abs(Args[0]);
  case Opcode::Sin:
    return E.sin(Args[0]);
  case Opcode::Cos:
    return E.cos(Args[0]);
  case Opcode::Tan:
    return E.tan(Args[0]);
  case Opcode::Sinh:
    return E.sinh(Args[0]);
  case Opcode::Cosh:
    return E.cosh(Args[0]);
  case Opcode::Tanh:
    return E.tanh(Args[0]);
  case Opcode::Pow:
    return E.pow(Args[0], Args[1]);
  default:
    return std::nullopt;
  }
}

} // namespace nejit::codegen
