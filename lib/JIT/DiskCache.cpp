//===- JIT/DiskCache.cpp - On-disk cache of compiled objects --------------===//
/// \file
/// See DiskCache.h. Concurrency with other processes relies on rename() being
/// atomic within one directory: a reader sees either the old complete file or
/// the new complete file, and the checksum catches anything else (a file
/// truncated by a full disk, a bit flip, a foreign file with our name).
//===----------------------------------------------------------------------===//
#include "JIT/DiskCache.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Chrono.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SHA256.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Support/xxhash.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <vector>

using namespace llvm;

namespace nejit::jit {

static constexpr char Magic[8] = {'N', 'E', 'J', 'I', 'T', 'O', 'B', 'J'};
static constexpr StringRef Extension = ".nejitobj";
/// Temp files older than this were left by a writer that died.
static constexpr auto StaleTempAge = std::chrono::minutes(10);

static std::string envString(const char *Name) {
  const char *V = std::getenv(Name);
  return V ? std::string(V) : std::string();
}

static std::string defaultDirectory() {
  if (envString("NEJIT_CACHE") == "0")
    return {};
  std::string Dir = envString("NEJIT_CACHE_DIR");
  if (!Dir.empty())
    return Dir;
  SmallString<256> Path;
  std::string Xdg = envString("XDG_CACHE_HOME");
  std::string Home = envString("HOME");
  if (!Xdg.empty())
    sys::path::append(Path, Xdg, "nejit");
  else if (!Home.empty())
    sys::path::append(Path, Home, ".cache", "nejit");
  return std::string(Path);
}

DiskCache::DiskCache() : Dir(defaultDirectory()) {
  uint64_t Bytes = 0;
  std::string Max = envString("NEJIT_CACHE_MAX_BYTES");
  if (!Max.empty() && !StringRef(Max).getAsInteger(10, Bytes))
    MaxBytes = Bytes;
}

void DiskCache::setDirectory(std::string NewDir) {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  Dir = std::move(NewDir);
  KnownBytes = ~0ull;
  Writable = true;
}

void DiskCache::setMaxBytes(uint64_t Bytes) {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  MaxBytes = Bytes;
}

std::string DiskCache::directory() const {
  std::lock_guard<std::mutex> Lock(ConfigMutex);
  return Dir;
}

std::string DiskCache::hashKey(StringRef FullKey) {
  std::array<uint8_t, 32> Digest = SHA256::hash(arrayRefFromStringRef(FullKey));
  return toHex(Digest, /*LowerCase=*/true);
}

std::string DiskCache::pathFor(StringRef Hash) const {
  std::string D = directory();
  if (D.empty())
    return {};
  SmallString<256> Path(D);
  sys::path::append(Path, Hash + Extension);
  return std::string(Path);
}

static uint64_t checksum(StringRef Key, StringRef Payload) {
  // One pass over a concatenation would need a copy; combining two hashes
  // is as good at catching corruption.
  return xxh3_64bits(Key) * 0x9E3779B97F4A7C15ull ^ xxh3_64bits(Payload);
}

std::unique_ptr<MemoryBuffer> DiskCache::load(StringRef Hash,
                                              StringRef FullKey) {
  std::string Path = pathFor(Hash);
  if (Path.empty())
    return nullptr;
  ErrorOr<std::unique_ptr<MemoryBuffer>> File = MemoryBuffer::getFile(
      Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!File)
    return nullptr;
  StringRef Bytes = (*File)->getBuffer();
  DiskCacheHeader H;
  if (Bytes.size() < sizeof(H))
    return nullptr;
  std::memcpy(&H, Bytes.data(), sizeof(H));
  if (std::memcmp(H.Magic, Magic, sizeof(Magic)) != 0 ||
      H.FormatVersion != DiskCacheFormatVersion ||
      uint64_t(Bytes.size()) !=
          sizeof(H) + uint64_t(H.KeyBytes) + H.PayloadBytes)
    return nullptr;
  StringRef Key = Bytes.substr(sizeof(H), H.KeyBytes);
  StringRef Payload = Bytes.substr(sizeof(H) + H.KeyBytes);
  if (Key != FullKey || checksum(Key, Payload) != H.Checksum)
    return nullptr;
  // Refresh the modification time so that trimming evicts the least
  // recently used files, not the oldest written.
  ::utimensat(AT_FDCWD, Path.c_str(), nullptr, 0);
  // A copy: the object layer wants an aligned buffer that it owns, and the
  // payload starts at an arbitrary offset in the file.
  return MemoryBuffer::getMemBufferCopy(Payload, Path);
}

void DiskCache::store(StringRef Hash, StringRef FullKey, StringRef Object) {
  if (!Writable)
    return;
  std::string D;
  uint64_t Max;
  {
    std::lock_guard<std::mutex> Lock(ConfigMutex);
    D = Dir;
    Max = MaxBytes;
  }
  if (D.empty())
    return;
  SmallString<256> Model(D), TmpPath, Path(D);
  sys::path::append(Model, Hash + ".%%%%%%%%.tmp");
  sys::path::append(Path, Hash + Extension);
  int FD = -1;
  std::error_code EC = sys::fs::createUniqueFile(Model, FD, TmpPath);
  if (EC == std::errc::no_such_file_or_directory) {
    if (!sys::fs::create_directories(D))
      EC = sys::fs::createUniqueFile(Model, FD, TmpPath);
  }
  if (EC) {
    Writable = false;
    return;
  }
  DiskCacheHeader H;
  std::memcpy(H.Magic, Magic, sizeof(Magic));
  H.FormatVersion = DiskCacheFormatVersion;
  H.KeyBytes = uint32_t(FullKey.size());
  H.PayloadBytes = Object.size();
  H.Checksum = checksum(FullKey, Object);
  {
    raw_fd_ostream OS(FD, /*shouldClose=*/true);
    OS.write(reinterpret_cast<const char *>(&H), sizeof(H));
    OS << FullKey << Object;
    OS.close();
    if (OS.has_error()) {
      OS.clear_error();
      sys::fs::remove(TmpPath);
      Writable = false;
      return;
    }
  }
  if (sys::fs::rename(TmpPath, Path)) {
    sys::fs::remove(TmpPath);
    Writable = false;
    return;
  }
  uint64_t FileBytes = sizeof(H) + FullKey.size() + Object.size();
  uint64_t Known = KnownBytes.load();
  // The first store scans the directory once to learn its size; later ones
  // only add (an overwrite counts twice, which merely trims a little early).
  if (Known == ~0ull)
    Known = trim(Max);
  else
    Known = KnownBytes += FileBytes;
  if (Known > Max)
    trim(Max - Max / 4);
}

uint64_t DiskCache::trim(uint64_t TargetBytes) {
  std::string D = directory();
  if (D.empty())
    return 0;
  std::unique_lock<std::mutex> Lock(TrimMutex, std::try_to_lock);
  if (!Lock.owns_lock())
    return KnownBytes == ~0ull ? 0 : KnownBytes.load(); // someone else trims
  struct FileInfo {
    sys::TimePoint<> MTime;
    uint64_t Bytes;
    std::string Path;
  };
  std::vector<FileInfo> Files;
  uint64_t Total = 0;
  auto Now = std::chrono::system_clock::now();
  std::error_code EC;
  for (sys::fs::directory_iterator It(D, EC), End; It != End && !EC;
       It.increment(EC)) {
    StringRef Name = sys::path::filename(It->path());
    bool IsTemp = Name.ends_with(".tmp");
    if (!Name.ends_with(Extension) && !IsTemp)
      continue;
    ErrorOr<sys::fs::basic_file_status> St = It->status();
    if (!St || St->type() != sys::fs::file_type::regular_file)
      continue;
    if (IsTemp) {
      if (Now - St->getLastModificationTime() > StaleTempAge)
        sys::fs::remove(It->path());
      continue;
    }
    Files.push_back({St->getLastModificationTime(), St->getSize(), It->path()});
    Total += St->getSize();
  }
  if (Total > TargetBytes) {
    std::sort(
        Files.begin(), Files.end(),
        [](const FileInfo &A, const FileInfo &B) { return A.MTime < B.MTime; });
    for (const FileInfo &F : Files) {
      if (Total <= TargetBytes)
        break;
      // Another process may have deleted it already; either way it is gone.
      sys::fs::remove(F.Path);
      Total -= F.Bytes;
    }
  }
  KnownBytes = Total;
  return Total;
}

void DiskCache::lockForFork() {
  ConfigMutex.lock();
  TrimMutex.lock();
}

void DiskCache::unlockAfterFork() {
  TrimMutex.unlock();
  ConfigMutex.unlock();
}

} // namespace nejit::jit
