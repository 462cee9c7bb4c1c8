//===- API/BuildIdentity.cpp - Which nejit binary this is -----------------===//
/// \file
/// The identity of the binary nejit is linked into, for the JIT cache key.
//===----------------------------------------------------------------------===//
#include "API/Internal.h"

#include <cstring>
#include <dlfcn.h>
#include <link.h>
#include <sys/stat.h>

namespace nejit::internal {

/// The identity of the binary nejit is linked into: its GNU build ID, else
/// its path, size and modification time. Part of the disk cache key, because
/// the version number does not change when the code generator does: without
/// it, a rebuilt nejit would load kernels an older code generator wrote.
const std::string &buildIdentity() {
  static const std::string Id = [] {
    Dl_info Info;
    if (!dladdr(reinterpret_cast<void *>(&buildIdentity), &Info) ||
        !Info.dli_fbase)
      return std::string("unknown");
    struct Search {
      const void *Base;
      std::string Hex;
    } S{Info.dli_fbase, {}};
    dl_iterate_phdr(
        [](struct dl_phdr_info *I, size_t, void *Data) -> int {
          auto &S = *static_cast<Search *>(Data);
          bool Mine = false;
          for (int P = 0; P < I->dlpi_phnum && !Mine; ++P)
            Mine = I->dlpi_phdr[P].p_type == PT_LOAD &&
                   I->dlpi_phdr[P].p_offset == 0 &&
                   (const void *)(I->dlpi_addr + I->dlpi_phdr[P].p_vaddr) ==
                       S.Base;
          if (!Mine)
            return 0;
          for (int P = 0; P < I->dlpi_phnum; ++P) {
            const ElfW(Phdr) &Ph = I->dlpi_phdr[P];
            if (Ph.p_type != PT_NOTE)
              continue;
            const char *Note = (const char *)(I->dlpi_addr + Ph.p_vaddr);
            const char *End = Note + Ph.p_memsz;
            while (Note + sizeof(ElfW(Nhdr)) <= End) {
              auto *N = reinterpret_cast<const ElfW(Nhdr) *>(Note);
              const char *Name = Note + sizeof(ElfW(Nhdr));
              const char *Desc = Name + ((N->n_namesz + 3) & ~3u);
              if (N->n_type == NT_GNU_BUILD_ID && N->n_namesz == 4 &&
                  std::memcmp(Name, "GNU", 4) == 0 &&
                  Desc + N->n_descsz <= End) {
                static const char Digits[] = "0123456789abcdef";
                for (unsigned B = 0; B < N->n_descsz; ++B) {
                  S.Hex += Digits[(unsigned char)Desc[B] >> 4];
                  S.Hex += Digits[(unsigned char)Desc[B] & 15];
                }
                return 1;
              }
              Note = Desc + ((N->n_descsz + 3) & ~3u);
            }
          }
          return 1;
        },
        &S);
    if (!S.Hex.empty())
      return S.Hex;
    struct stat St;
    std::string Path = Info.dli_fname ? Info.dli_fname : "";
    if (!Path.empty() && stat(Path.c_str(), &St) == 0)
      return Path + " " + std::to_string((long long)St.st_size) + " " +
             std::to_string((long long)St.st_mtime);
    return std::string("unknown");
  }();
  return Id;
}

} // namespace nejit::internal
