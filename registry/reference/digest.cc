#include "registry/reference/digest.h"

#include <openssl/evp.h>

#include <cstdlib>
#include <utility>

#include "absl/strings/str_cat.h"

namespace crate::registry {
namespace {

const EVP_MD* MdFor(absl::string_view algorithm) {
  if (algorithm == "sha256") return EVP_sha256();
  if (algorithm == "sha384") return EVP_sha384();
  if (algorithm == "sha512") return EVP_sha512();
  return nullptr;
}

size_t HexLengthFor(absl::string_view algorithm) {
  if (algorithm == "sha256") return 64;
  if (algorithm == "sha384") return 96;
  if (algorithm == "sha512") return 128;
  return 0;
}

bool IsLowerAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

// go-digest's algorithm grammar: [a-z0-9]+(?:[.+_-][a-z0-9]+)*
bool ValidAlgorithmSyntax(absl::string_view a) {
  if (a.empty()) return false;
  bool prev_sep = true;
  for (char c : a) {
    if (IsLowerAlnum(c)) {
      prev_sep = false;
    } else if (c == '.' || c == '+' || c == '_' || c == '-') {
      if (prev_sep) return false;
      prev_sep = true;
    } else {
      return false;
    }
  }
  return !prev_sep;
}

}  // namespace

bool IsSupportedDigestAlgorithm(absl::string_view algorithm) {
  return MdFor(algorithm) != nullptr;
}

absl::StatusOr<Digest> Digest::Parse(absl::string_view s) {
  auto fail = [&](absl::string_view why) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid digest \"", s, "\": ", why));
  };
  size_t colon = s.find(':');
  if (colon == absl::string_view::npos || colon == 0 || colon + 1 == s.size()) {
    return fail("invalid checksum digest format");
  }
  absl::string_view algorithm = s.substr(0, colon);
  absl::string_view hex = s.substr(colon + 1);
  if (!ValidAlgorithmSyntax(algorithm)) {
    return fail("invalid checksum digest format");
  }
  if (!IsSupportedDigestAlgorithm(algorithm)) {
    return fail("unsupported digest algorithm");
  }
  if (hex.size() != HexLengthFor(algorithm)) {
    return fail("invalid checksum digest length");
  }
  for (char c : hex) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
      return fail("invalid checksum digest format");
    }
  }
  return Digest(std::string(algorithm), std::string(hex));
}

Digest Digest::Sha256Of(absl::string_view data) {
  Digester d = Digester::Sha256();
  d.Update(data);
  return d.Finish();
}

std::string Digest::ToString() const {
  if (!valid()) return "";
  return absl::StrCat(algorithm_, ":", hex_);
}

struct Digester::Ctx {
  EVP_MD_CTX* ctx = nullptr;
  const EVP_MD* md = nullptr;
  ~Ctx() {
    if (ctx != nullptr) EVP_MD_CTX_free(ctx);
  }
};

Digester::Digester(std::string algorithm, std::unique_ptr<Ctx> ctx)
    : algorithm_(std::move(algorithm)), ctx_(std::move(ctx)) {}
Digester::Digester(Digester&&) noexcept = default;
Digester& Digester::operator=(Digester&&) noexcept = default;
Digester::~Digester() = default;

absl::StatusOr<Digester> Digester::Create(absl::string_view algorithm) {
  const EVP_MD* md = MdFor(algorithm);
  if (md == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("unsupported digest algorithm \"", algorithm, "\""));
  }
  auto ctx = std::make_unique<Ctx>();
  ctx->md = md;
  ctx->ctx = EVP_MD_CTX_new();
  // Allocation failure or a broken libcrypto leaves nothing sensible to do:
  // every digest would be wrong.
  if (ctx->ctx == nullptr || EVP_DigestInit_ex(ctx->ctx, md, nullptr) != 1) {
    std::abort();
  }
  return Digester(std::string(algorithm), std::move(ctx));
}

Digester Digester::Sha256() { return *Create("sha256"); }

void Digester::Update(absl::string_view data) {
  Update(data.data(), data.size());
}

void Digester::Update(const void* data, size_t size) {
  if (size == 0) return;
  if (EVP_DigestUpdate(ctx_->ctx, data, size) != 1) std::abort();
  bytes_ += size;
}

Digest Digester::Finish() {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx_->ctx, out, &len) != 1) std::abort();
  static const char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    hex.push_back(kHex[out[i] >> 4]);
    hex.push_back(kHex[out[i] & 0xf]);
  }
  return Digest(algorithm_, std::move(hex));
}

void Digester::Reset() {
  if (EVP_DigestInit_ex(ctx_->ctx, ctx_->md, nullptr) != 1) std::abort();
  bytes_ = 0;
}

}  // namespace crate::registry
