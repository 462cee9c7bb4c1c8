//===- Sema/FoldOperators.cpp - Folding operators on constants ------------===//
/// \file
/// Binary operators, .real and .imag on constants, computed as Python does
/// (unbounded ints, floor division and modulo, complex powers, bytes) or,
/// with a numpy scalar operand, as numpy does (wrapping, promotion).
//===----------------------------------------------------------------------===//
#include "Sema/SemaInternal.h"

namespace nejit {
namespace sema {

/// Python's float modulo: the result takes the divisor's sign.
static double pyFloatMod(double A, double B) {
  double M = std::fmod(A, B);
  if (M != 0 && ((B < 0) != (M < 0)))
    M += B;
  else if (M == 0)
    M = std::copysign(0.0, B);
  return M;
}

/// Python's float floor division (divmod's quotient).
static double pyFloorDiv(double A, double B) {
  double M = std::fmod(A, B);
  double Div = (A - M) / B;
  if (M != 0 && ((B < 0) != (M < 0)))
    Div -= 1.0;
  if (Div == 0)
    return std::copysign(0.0, A / B);
  double Floor = std::floor(Div);
  if (Div - Floor > 0.5)
    Floor += 1.0;
  return Floor;
}

namespace {

/// How Python's complex power failed, if it did.
enum class PowStatus { Ok, ZeroDivision, Overflow };

/// Python's complex multiplication and division (complexobject.c): the
/// textbook product, and Smith's quotient.
std::complex<double> pyComplexProd(std::complex<double> A,
                                   std::complex<double> B) {
  return {A.real() * B.real() - A.imag() * B.imag(),
          A.real() * B.imag() + A.imag() * B.real()};
}

std::complex<double> pyComplexQuot(std::complex<double> A,
                                   std::complex<double> B, PowStatus &S) {
  double AbsRe = std::fabs(B.real()), AbsIm = std::fabs(B.imag());
  if (AbsRe >= AbsIm) {
    if (AbsRe == 0.0) {
      S = PowStatus::ZeroDivision;
      return {0.0, 0.0};
    }
    double Ratio = B.imag() / B.real();
    double Denom = B.real() + B.imag() * Ratio;
    return {(A.real() + A.imag() * Ratio) / Denom,
            (A.imag() - A.real() * Ratio) / Denom};
  }
  if (AbsIm >= AbsRe) {
    double Ratio = B.real() / B.imag();
    double Denom = B.real() * Ratio + B.imag();
    return {(A.real() * Ratio + A.imag()) / Denom,
            (A.imag() * Ratio - A.real()) / Denom};
  }
  return {NAN, NAN}; // a NaN part
}

/// Python 3.11's complex ** complex: an integral exponent of magnitude at
/// most 100 by binary powering from 1 (1j**2 is exactly -1+0j; std::pow
/// gives -1+1.2e-16j), otherwise the polar formula. An infinite part of
/// the result is an OverflowError, 0 to a negative or complex power a
/// ZeroDivisionError.
std::complex<double> pyComplexPow(std::complex<double> A,
                                  std::complex<double> B, PowStatus &S) {
  S = PowStatus::Ok;
  std::complex<double> R;
  if (B.imag() == 0.0 && B.real() == std::floor(B.real()) &&
      std::fabs(B.real()) <= 100.0) {
    long N = (long)B.real();
    long U = N < 0 ? -N : N;
    R = {1.0, 0.0};
    std::complex<double> P = A;
    for (long Mask = 1; Mask > 0 && U >= Mask; Mask <<= 1) {
      if (U & Mask)
        R = pyComplexProd(R, P);
      P = pyComplexProd(P, P);
    }
    if (N < 0)
      R = pyComplexQuot({1.0, 0.0}, R, S);
  } else if (B.real() == 0.0 && B.imag() == 0.0) {
    R = {1.0, 0.0};
  } else if (A.real() == 0.0 && A.imag() == 0.0) {
    if (B.imag() != 0.0 || B.real() < 0.0)
      S = PowStatus::ZeroDivision;
    R = {0.0, 0.0};
  } else {
    double Abs = std::hypot(A.real(), A.imag());
    double Len = std::pow(Abs, B.real());
    double At = std::atan2(A.imag(), A.real());
    double Phase = At * B.real();
    if (B.imag() != 0.0) {
      Len /= std::exp(At * B.imag());
      Phase += B.imag() * std::log(Abs);
    }
    R = {Len * std::cos(Phase), Len * std::sin(Phase)};
  }
  if (S == PowStatus::Ok && (std::isinf(R.real()) || std::isinf(R.imag())))
    S = PowStatus::Overflow;
  return R;
}

/// numpy's complex power (npy_cpow): 1 for a zero exponent, 0 or NaN for a
/// zero base, binary powering for a real integral exponent below 100 in
/// magnitude (so 1j ** 2 is exactly -1+0j), C's cpow otherwise. Never an
/// exception: numpy warns and returns inf or NaN.
std::complex<double> numpyComplexPow(std::complex<double> A,
                                     std::complex<double> B) {
  if (B.real() == 0.0 && B.imag() == 0.0)
    return {1.0, 0.0};
  if (A.real() == 0.0 && A.imag() == 0.0) {
    if (B.real() > 0 && B.imag() == 0)
      return {0.0, 0.0};
    return {NAN, NAN};
  }
  if (B.imag() == 0 && B.real() == std::trunc(B.real()) &&
      std::fabs(B.real()) < 100) {
    long N = (long)B.real();
    if (N == 1)
      return A;
    if (N == 2)
      return pyComplexProd(A, A);
    if (N == 3)
      return pyComplexProd(A, pyComplexProd(A, A));
    long U = N < 0 ? -N : N;
    std::complex<double> R{1.0, 0.0}, P = A;
    for (long Mask = 1;; Mask <<= 1) {
      if (U & Mask)
        R = pyComplexProd(R, P);
      if (U < (Mask << 1))
        break;
      P = pyComplexProd(P, P);
    }
    if (N < 0)
      return std::complex<double>(1.0, 0.0) / R;
    return R;
  }
  return std::pow(A, B);
}

/// One binary operator on two constants. The steps run in order, each for
/// the operand types it handles: bytes, comparisons, bitwise operators and
/// shifts, numpy bools, complex, integer and float arithmetic.
class BinaryFolder {
public:
  BinaryFolder(const std::string &Op, const PyConst &A, const PyConst &B,
               SourceLoc Loc)
      : Op(Op), A(A), B(B), Loc(Loc),
        Numpy((A.N != Np::None || B.N != Np::None) && !pythonComplexArith()),
        IsCmp(Op == "gt" || Op == "ge" || Op == "eq" || Op == "ne") {}

  Expected<PyConst> fold();

private:
  const std::string &Op;
  const PyConst &A, &B;
  SourceLoc Loc;
  /// An operand is a numpy scalar: the result is one too, of the promoted
  /// type (comparisons: bool; true division of integers: float64).
  bool Numpy;
  bool IsCmp;
  Np ResultNp = Np::None;

  llvm::Error unsupported() const {
    return makeError(ErrorKind::Type, Loc,
                     "unsupported operand types for '" + Op + "': '" +
                         typeNameForError(A) + "' and '" + typeNameForError(B) +
                         "'");
  }
  llvm::Error zeroDiv() const {
    return makeError(ErrorKind::Value, Loc, "division by zero");
  }
  llvm::Error overflow() const {
    return makeError(ErrorKind::Overflow, Loc, "integer constant too large");
  }
  llvm::Error complexOverflow() const {
    return makeError(ErrorKind::Overflow, Loc, "complex exponentiation");
  }
  llvm::Error floatOverflow() const {
    return makeError(ErrorKind::Overflow, Loc, "numerical result out of range");
  }
  llvm::Error bytesFormatting() const {
    return makeError(ErrorKind::Type, Loc,
                     "bytes formatting ('%') is not supported");
  }

  /// A Python complex and a numpy float64 on its right: complex.__add__,
  /// __sub__, __mul__, __truediv__ and __pow__ take a float subclass
  /// themselves, so Python's complex arithmetic runs and the result is a
  /// Python complex (`(1j - cos(1e-3)) > 0` is then a TypeError, as in
  /// numexpr). Every other mix with a numpy scalar ends in numpy's
  /// __rop__ or __op__: comparisons, floor division, modulo, and a numpy
  /// scalar on the left.
  bool pythonComplexArith() const {
    return A.N == Np::None && A.T == PyConst::Complex &&
           B.N == Np::Float64 &&
           (Op == "add" || Op == "sub" || Op == "mul" || Op == "div" ||
            Op == "pow");
  }

  /// R, given the numpy result type when an operand is a numpy scalar.
  Expected<PyConst> result(PyConst R) const;

  Expected<PyConst> foldBytes();
  Expected<PyConst> foldCompare();
  Expected<PyConst> foldBitwise();
  Expected<PyConst> foldComplex();
  Expected<PyConst> foldInteger();
  Expected<PyConst> foldFloat();
};

} // namespace

Expected<PyConst> BinaryFolder::fold() {
  if (A.N == Np::Array || B.N == Np::Array)
    return makeError(ErrorKind::Type, Loc,
                     "a numpy array made from constants (copy() or "
                     "ones_like() of a constant) cannot be an operand");
  if (A.T == PyConst::Bytes || B.T == PyConst::Bytes)
    return foldBytes();
  ResultNp = Numpy ? promoteNumpy(A, B) : Np::None;
  bool BothBool = A.T == PyConst::Bool && B.T == PyConst::Bool;
  if (IsCmp)
    return foldCompare();
  if (Op == "and" || Op == "or" || Op == "xor" || Op == "lshift" ||
      Op == "rshift")
    return foldBitwise();
  // numpy bools: + is or, * is and, - is an error.
  if (Numpy && BothBool && ResultNp == Np::Bool) {
    if (Op == "add")
      return PyConst::ofBool(A.B || B.B, Np::Bool);
    if (Op == "mul")
      return PyConst::ofBool(A.B && B.B, Np::Bool);
    if (Op == "sub")
      return makeError(ErrorKind::Type, Loc,
                       "numpy boolean subtract is not supported");
    // Other arithmetic on two numpy bools computes in int8.
    ResultNp = Np::Int8;
  }
  if (A.T == PyConst::Complex || B.T == PyConst::Complex)
    return foldComplex();
  if (A.isIntegral() && B.isIntegral() && Op != "div")
    return foldInteger();
  return foldFloat();
}

Expected<PyConst> BinaryFolder::result(PyConst R) const {
  if (!Numpy)
    return R;
  Np To = IsCmp ? Np::Bool : ResultNp;
  if (Op == "div" && npCategory(To) < 2)
    To = Np::Float64;
  if (Op == "pow" && R.T == PyConst::Float && npCategory(To) < 2)
    To = Np::Float64;
  return withNumpyType(R, To);
}

Expected<PyConst> BinaryFolder::foldBytes() {
  if (A.T != B.T) {
    if (Op == "eq" || Op == "ne")
      return PyConst::ofBool(Op == "ne");
    // Python repeats bytes: b'ab' * 3.
    if (Op == "mul" && (A.isIntegral() || B.isIntegral()) && !Numpy) {
      const PyConst &Str = A.T == PyConst::Bytes ? A : B;
      Wide Count = A.T == PyConst::Bytes ? B.asInt() : A.asInt();
      // Compared by division: size * Count can overflow even 128 bits
      // (b'xy' * 2**126). Python refuses a count beyond ssize_t even for
      // b'' (OverflowError), and b'' needs no loop (b'' * 2**40 is b'').
      const Wide MaxBytes = 1 << 24;
      if (Count > 0 &&
          (Count > INT64_MAX ||
           (!Str.S.empty() && Count > MaxBytes / (Wide)Str.S.size())))
        return makeError(ErrorKind::Value, Loc,
                         "repeated bytes constant is too large");
      std::string R;
      for (Wide K = 0; !Str.S.empty() && K < Count; ++K)
        R += Str.S;
      return PyConst::ofBytes(std::move(R));
    }
    if (Op == "mod" && A.T == PyConst::Bytes)
      return bytesFormatting();
    return unsupported();
  }
  if (Op == "add")
    return PyConst::ofBytes(A.S + B.S);
  if (Op == "mod")
    return bytesFormatting();
  if (!IsCmp)
    return unsupported();
  int C = A.S.compare(B.S);
  bool V = Op == "gt"   ? C > 0
           : Op == "ge" ? C >= 0
           : Op == "eq" ? C == 0
                        : C != 0;
  return PyConst::ofBool(V);
}

Expected<PyConst> BinaryFolder::foldCompare() {
  bool V;
  if (A.T == PyConst::Complex || B.T == PyConst::Complex) {
    std::complex<double> X = A.asComplex(), Y = B.asComplex();
    if (Op == "eq" || Op == "ne")
      V = (X == Y) == (Op == "eq");
    else if (!Numpy)
      return unsupported(); // Python has no order on complex numbers
    else                    // numpy orders complex numbers lexicographically
      V = Op == "gt" ? (X.real() > Y.real() ||
                        (X.real() == Y.real() && X.imag() > Y.imag()))
                     : (X.real() > Y.real() ||
                        (X.real() == Y.real() && X.imag() >= Y.imag()));
  } else if (A.isIntegral() && B.isIntegral()) {
    Wide X = A.asInt(), Y = B.asInt();
    V = Op == "gt" ? X > Y : Op == "ge" ? X >= Y : Op == "eq" ? X == Y : X != Y;
  } else {
    double X = A.asDouble(), Y = B.asDouble();
    V = Op == "gt" ? X > Y : Op == "ge" ? X >= Y : Op == "eq" ? X == Y : X != Y;
  }
  return result(PyConst::ofBool(V));
}

Expected<PyConst> BinaryFolder::foldBitwise() {
  if (!A.isIntegral() || !B.isIntegral())
    return unsupported();
  bool BothBool = A.T == PyConst::Bool && B.T == PyConst::Bool;
  Wide X = A.asInt(), Y = B.asInt();
  PyConst R;
  if (Numpy && BothBool && (Op == "lshift" || Op == "rshift"))
    ResultNp = Np::Int8; // numpy shifts two bools in int8
  if (BothBool && (Op == "and" || Op == "or" || Op == "xor")) {
    bool V = Op == "and"  ? (A.B && B.B)
             : Op == "or" ? (A.B || B.B)
                          : (A.B != B.B);
    R = PyConst::ofBool(V);
  } else if (Op == "and")
    R = PyConst::ofInt(X & Y);
  else if (Op == "or")
    R = PyConst::ofInt(X | Y);
  else if (Op == "xor")
    R = PyConst::ofInt(X ^ Y);
  else {
    if (Y < 0 && Numpy) // numpy shifts by a negative count to 0 (or -1)
      return result(
          PyConst::ofInt(Op == "rshift" && X < 0 ? Wide(-1) : Wide(0)));
    if (Y < 0)
      return makeError(ErrorKind::Value, Loc, "negative shift count");
    if (Op == "lshift") {
      if (X != 0 &&
          (Y >= 126 || (X > 0 ? X > (WideMax >> Y) : X < (WideMin >> Y))))
        return overflow();
      R = PyConst::ofInt(X != 0 ? (Wide)((unsigned __int128)X << Y) : 0);
    } else {
      R = PyConst::ofInt(Y >= 127 ? (X < 0 ? -1 : 0) : (X >> Y));
    }
  }
  return result(R);
}

Expected<PyConst> BinaryFolder::foldComplex() {
  std::complex<double> X = A.asComplex(), Y = B.asComplex();
  PyConst R;
  if (Op == "add")
    R = PyConst::ofComplex(X + Y);
  else if (Op == "sub")
    R = PyConst::ofComplex(X - Y);
  else if (Op == "mul")
    R = PyConst::ofComplex(X * Y);
  else if (Op == "div") {
    if (Y == 0.0)
      return zeroDiv();
    R = PyConst::ofComplex(X / Y);
  } else if (Op == "pow" && !Numpy) {
    PowStatus S;
    std::complex<double> V = pyComplexPow(X, Y, S);
    if (S == PowStatus::ZeroDivision)
      return zeroDiv();
    if (S == PowStatus::Overflow)
      return complexOverflow();
    R = PyConst::ofComplex(V);
  } else if (Op == "pow") {
    R = PyConst::ofComplex(numpyComplexPow(X, Y));
  } else
    return unsupported();
  return result(R);
}

Expected<PyConst> BinaryFolder::foldInteger() {
  Wide X = A.asInt(), Y = B.asInt(), V = 0;
  if (Op == "add") {
    if (__builtin_add_overflow(X, Y, &V))
      return overflow();
  } else if (Op == "sub") {
    if (__builtin_sub_overflow(X, Y, &V))
      return overflow();
  } else if (Op == "mul") {
    if (__builtin_mul_overflow(X, Y, &V))
      return overflow();
  } else if (Op == "floordiv" || Op == "mod") {
    if (Y == 0 && Numpy) // numpy warns and gives 0
      return result(PyConst::ofInt(0));
    if (Y == 0)
      return zeroDiv();
    if (X == WideMin && Y == -1) {
      if (Op == "floordiv")
        return overflow();
      V = 0;
    } else {
      Wide Q = X / Y, M = X % Y;
      if (M != 0 && ((M < 0) != (Y < 0))) {
        --Q;
        M += Y;
      }
      V = Op == "floordiv" ? Q : M;
    }
  } else if (Op == "pow" && Numpy) {
    // numpy's integer power: a negative exponent is an error even for
    // 1 ** -1, and the result wraps around in its type.
    if (Y < 0)
      return makeError(ErrorKind::Value, Loc,
                       "Integers to negative integer powers are not allowed.");
    uint64_t R = 1, Base = (uint64_t)X;
    for (Wide E = Y; E > 0; E >>= 1) {
      if (E & 1)
        R *= Base;
      Base *= Base;
    }
    V = (int64_t)R;
  } else if (Op == "pow") {
    if (Y < 0) {
      if (X == 0)
        return zeroDiv();
      return result(PyConst::ofFloat(std::pow((double)X, (double)Y)));
    }
    V = 1;
    Wide Base = X;
    for (Wide E = Y; E > 0; E >>= 1) {
      if (E & 1)
        if (__builtin_mul_overflow(V, Base, &V))
          return overflow();
      if (E > 1 && __builtin_mul_overflow(Base, Base, &Base)) {
        // Base overflowing only matters if a later bit uses it.
        if (X != 0 && X != 1 && X != -1)
          return overflow();
      }
    }
  } else
    return unsupported();
  return result(PyConst::ofInt(V));
}

Expected<PyConst> BinaryFolder::foldFloat() {
  double X = A.asDouble(), Y = B.asDouble();
  PyConst R;
  if (Op == "add")
    R = PyConst::ofFloat(X + Y);
  else if (Op == "sub")
    R = PyConst::ofFloat(X - Y);
  else if (Op == "mul")
    R = PyConst::ofFloat(X * Y);
  else if (Op == "div") {
    if (Y == 0 && !Numpy) // numpy scalars give inf or nan
      return zeroDiv();
    R = PyConst::ofFloat(X / Y);
  } else if (Op == "floordiv") {
    if (Y == 0 && !Numpy)
      return zeroDiv();
    R = PyConst::ofFloat(Y == 0 ? std::floor(X / Y) : pyFloorDiv(X, Y));
  } else if (Op == "mod") {
    if (Y == 0 && !Numpy)
      return zeroDiv();
    R = PyConst::ofFloat(Y == 0 ? NAN : pyFloatMod(X, Y));
  } else if (Op == "pow" && Numpy) {
    // numpy's power, whichever side the numpy scalar is on (Python defers
    // to its __rpow__): NaN for a negative base to a fractional power, inf
    // for 0 to a negative one or on overflow, never an exception.
    R = PyConst::ofFloat(std::pow(X, Y));
  } else if (Op == "pow") {
    if (X == 0 && Y < 0)
      return zeroDiv();
    if (X < 0 && Y != std::floor(Y) && std::isfinite(Y)) {
      // Python gives a complex result for a negative base and a
      // fractional exponent: complex(X) ** Y.
      PowStatus S;
      std::complex<double> V = pyComplexPow({X, 0.0}, {Y, 0.0}, S);
      if (S == PowStatus::Overflow)
        return complexOverflow();
      return result(PyConst::ofComplex(V));
    }
    double V = std::pow(X, Y);
    if (std::isfinite(X) && std::isfinite(Y) && !std::isfinite(V))
      return floatOverflow(); // Python raises OverflowError
    R = PyConst::ofFloat(V);
  } else
    return unsupported();
  return result(R);
}

Expected<PyConst> foldBinary(const std::string &Op, const PyConst &A,
                             const PyConst &B, SourceLoc Loc) {
  // A 0-d array operand computes like a numpy scalar of its element type.
  auto Scalarize = [](PyConst P) {
    if (P.N == Np::Array)
      P.N = P.Elem;
    return P;
  };
  PyConst SA = Scalarize(A), SB = Scalarize(B);
  auto R = BinaryFolder(Op, SA, SB, Loc).fold();
  if (R)
    R->Boxed = A.Boxed || B.Boxed;
  return R;
}

Expected<PyConst> pyRealImag(const PyConst &P, bool Imag, SourceLoc Loc,
                             bool ForFunction) {
  if (P.T == PyConst::Bytes) {
    if (ForFunction) // numpy makes an array of bytes, which has no kind
      return makeError(ErrorKind::Key, Loc,
                       "a bytes constant has no numeric kind");
    return makeError(ErrorKind::Type, Loc,
                     std::string("bytes have no attribute '") +
                         (Imag ? "imag" : "real") + "'");
  }
  if (P.N == Np::Array)
    return makeError(ErrorKind::Type, Loc,
                     "a numpy array made from constants (copy() or "
                     "ones_like() of a constant) cannot be an operand");
  if (P.Boxed && !ForFunction) {
    // ConstantNode.real is complex(value).real: a Python float.
    std::complex<double> Z = P.asComplex();
    PyConst R = PyConst::ofFloat(Imag ? Z.imag() : Z.real());
    R.Boxed = true;
    return R;
  }
  switch (P.T) {
  case PyConst::Bool:
    if (P.N == Np::Bool)
      return PyConst::ofBool(Imag ? false : P.B, Np::Bool);
    return PyConst::ofInt(Imag ? 0 : (Wide)P.B);
  case PyConst::Int:
    return PyConst::ofInt(Imag ? 0 : P.I, P.N);
  case PyConst::Float:
    return PyConst::ofFloat(Imag ? 0.0 : P.F, P.N);
  case PyConst::Complex:
    return PyConst::ofFloat(Imag ? P.C.imag() : P.C.real(),
                            P.N == Np::None ? Np::None : Np::Float64);
  case PyConst::Bytes:
    break;
  }
  return P;
}

} // namespace sema
} // namespace nejit
