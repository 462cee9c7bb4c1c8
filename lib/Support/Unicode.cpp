//===- Support/Unicode.cpp - UTF-8 decoding -------------------------------===//
/// \file
/// A strict decoder (RFC 3629): what it rejects is shown escaped, never
/// passed on as text.
//===----------------------------------------------------------------------===//
#include "Support/Unicode.h"

namespace nejit {

Utf8Char decodeUtf8(std::string_view S, size_t Pos) {
  auto Byte = [&](size_t I) { return (unsigned char)S[I]; };
  unsigned char B0 = Byte(Pos);
  if (B0 < 0x80)
    return {B0, 1};
  unsigned Len;
  uint32_t CP, Min;
  if ((B0 & 0xE0) == 0xC0) {
    Len = 2, CP = B0 & 0x1F, Min = 0x80;
  } else if ((B0 & 0xF0) == 0xE0) {
    Len = 3, CP = B0 & 0x0F, Min = 0x800;
  } else if ((B0 & 0xF8) == 0xF0) {
    Len = 4, CP = B0 & 0x07, Min = 0x10000;
  } else {
    return {B0, 0};
  }
  if (Pos + Len > S.size())
    return {B0, 0};
  for (unsigned I = 1; I < Len; ++I) {
    unsigned char B = Byte(Pos + I);
    if ((B & 0xC0) != 0x80)
      return {B0, 0};
    CP = (CP << 6) | (B & 0x3F);
  }
  if (CP < Min || CP > 0x10FFFF || (CP >= 0xD800 && CP <= 0xDFFF))
    return {B0, 0};
  return {CP, Len};
}

} // namespace nejit
