//===- Support/Unicode.h - UTF-8 decoding -----------------------*- C++ -*-===//
/// \file
/// Expressions are UTF-8 (Python passes str as UTF-8); the lexer reads
/// identifiers by code point and diagnostics count columns in characters.
//===----------------------------------------------------------------------===//
#ifndef NEJIT_SUPPORT_UNICODE_H
#define NEJIT_SUPPORT_UNICODE_H

#include <cstdint>
#include <string_view>

namespace nejit {

struct Utf8Char {
  uint32_t CodePoint = 0;
  unsigned Length = 0; ///< bytes; 0 for a malformed sequence
};

/// Decodes the UTF-8 sequence starting at S[Pos] (Pos < S.size()). Overlong
/// forms, surrogates, values beyond U+10FFFF and truncated sequences are
/// malformed.
Utf8Char decodeUtf8(std::string_view S, size_t Pos);

} // namespace nejit

#endif // NEJIT_SUPPORT_UNICODE_H
