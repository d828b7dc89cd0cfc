#include "runtime/security/seccomp_cache.h"

#include <dirent.h>
#include <fcntl.h>
#include <seccomp.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "runtime/base/file_util.h"
#include "runtime/base/unique_fd.h"

namespace crate {
namespace security {
namespace {

constexpr char kMagic[] = "crate-seccomp-cache 1";
constexpr size_t kMaxFileBytes = 4 << 20;
// Programs kept; past this the directory is emptied before the next write
// (profiles are few in practice; this only bounds a pathological caller).
constexpr int kMaxEntries = 128;

void Field(std::string& out, absl::string_view s) {
  absl::StrAppend(&out, s.size(), ":", s, ";");
}
void Field(std::string& out, uint64_t n) { absl::StrAppend(&out, n, ";"); }

uint64_t Fnv1a64(absl::string_view s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// "<magic> <key bytes> <unknown bytes>\n" key unknown program
std::string Encode(const std::string& key, const SeccompProgram& p) {
  std::string unknown = absl::StrJoin(p.unknown_syscalls, "\n");
  return absl::StrCat(kMagic, " ", key.size(), " ", unknown.size(), "\n", key,
                      unknown, EncodeSeccompProgram(p));
}

absl::StatusOr<SeccompProgram> Decode(absl::string_view data,
                                      const std::string& key) {
  size_t nl = data.find('\n');
  if (nl == absl::string_view::npos) return absl::DataLossError("no header");
  std::vector<absl::string_view> header =
      absl::StrSplit(data.substr(0, nl), ' ');
  size_t key_bytes = 0, unknown_bytes = 0;
  if (header.size() != 4 || absl::StrCat(header[0], " ", header[1]) != kMagic ||
      !absl::SimpleAtoi(header[2], &key_bytes) ||
      !absl::SimpleAtoi(header[3], &unknown_bytes) || key_bytes > data.size() ||
      unknown_bytes > data.size() - key_bytes ||
      nl + 1 + key_bytes + unknown_bytes > data.size()) {
    return absl::DataLossError("bad header");
  }
  data.remove_prefix(nl + 1);
  if (data.substr(0, key_bytes) != key) {
    return absl::NotFoundError("another config's program");
  }
  data.remove_prefix(key_bytes);
  absl::string_view unknown = data.substr(0, unknown_bytes);
  data.remove_prefix(unknown_bytes);
  absl::StatusOr<SeccompProgram> p = DecodeSeccompProgram(data);
  if (!p.ok()) return p.status();
  if (p->filter.empty() || p->filter.size() > BPF_MAXINSNS) {
    return absl::DataLossError("no program");
  }
  if (!unknown.empty()) {
    p->unknown_syscalls = absl::StrSplit(unknown, '\n');
  }
  return p;
}

absl::StatusOr<std::string> ReadCacheFile(const std::string& path) {
  // Never through a link: the directory is the runtime's own, and what
  // is in it must be what the runtime wrote.
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) return absl::NotFoundError(path);
  struct stat st;
  if (fstat(fd.get(), &st) != 0 || !S_ISREG(st.st_mode) ||
      st.st_uid != geteuid() ||
      static_cast<uint64_t>(st.st_size) > kMaxFileBytes) {
    return absl::DataLossError(path);
  }
  std::string out(static_cast<size_t>(st.st_size), '\0');
  size_t done = 0;
  while (done < out.size()) {
    ssize_t n = read(fd.get(), &out[done], out.size() - done);
    if (n <= 0) return absl::DataLossError(path);
    done += static_cast<size_t>(n);
  }
  return out;
}

void TrimCache(const std::string& dir) {
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return;
  std::vector<std::string> names;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name.size() > 4 && name.compare(name.size() - 4, 4, ".bpf") == 0) {
      names.push_back(name);
    }
  }
  closedir(d);
  if (names.size() < kMaxEntries) return;
  for (const std::string& n : names) unlink(JoinPath(dir, n).c_str());
}

}  // namespace

std::string SeccompCacheKey(const SeccompConfig& c) {
  std::string key;
  const scmp_version* v = seccomp_version();
  Field(key, "libseccomp");
  Field(key, v != nullptr ? v->major : 0);
  Field(key, v != nullptr ? v->minor : 0);
  Field(key, v != nullptr ? v->micro : 0);
  Field(key, seccomp_api_get());
  struct utsname u;
  Field(key, uname(&u) == 0 ? u.machine : "");
  Field(key, static_cast<uint64_t>(c.default_action));
  Field(key, c.default_errno_ret.has_value() ? 1 : 0);
  Field(key, c.default_errno_ret.value_or(0));
  Field(key, c.architectures.size());
  for (const std::string& a : c.architectures) Field(key, a);
  Field(key, c.flags.size());
  for (const std::string& f : c.flags) Field(key, f);
  Field(key, c.binary_tree ? 1 : 0);
  Field(key, c.syscalls.size());
  for (const SeccompSyscall& s : c.syscalls) {
    Field(key, s.names.size());
    for (const std::string& n : s.names) Field(key, n);
    Field(key, static_cast<uint64_t>(s.action));
    Field(key, s.errno_ret.has_value() ? 1 : 0);
    Field(key, s.errno_ret.value_or(0));
    Field(key, s.args.size());
    for (const SeccompArg& a : s.args) {
      Field(key, a.index);
      Field(key, a.value);
      Field(key, a.value_two);
      Field(key, static_cast<uint64_t>(a.op));
    }
  }
  return key;
}

absl::StatusOr<SeccompProgram> CompileSeccompCached(const SeccompConfig& config,
                                                    const std::string& dir) {
  if (dir.empty()) return CompileSeccomp(config);
  const std::string key = SeccompCacheKey(config);
  char name[32];
  std::snprintf(name, sizeof(name), "%016llx.bpf",
                static_cast<unsigned long long>(Fnv1a64(key)));
  const std::string path = JoinPath(dir, name);
  absl::StatusOr<std::string> cached = ReadCacheFile(path);
  if (cached.ok()) {
    absl::StatusOr<SeccompProgram> p = Decode(*cached, key);
    if (p.ok()) return p;
  }
  absl::StatusOr<SeccompProgram> program = CompileSeccomp(config);
  if (!program.ok()) return program;
  // Best effort: a cache that cannot be written costs the next compile.
  if (MakeDirs(dir, 0700).ok()) {
    TrimCache(dir);
    WriteFileAtomic(path, Encode(key, *program), 0600).IgnoreError();
  }
  return program;
}

}  // namespace security
}  // namespace crate
