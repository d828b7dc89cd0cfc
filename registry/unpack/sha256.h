// Incremental SHA-256 over OpenSSL's EVP interface (the subset BoringSSL
// shares), for digests computed while bytes stream past.
#ifndef CRATE_REGISTRY_UNPACK_SHA256_H_
#define CRATE_REGISTRY_UNPACK_SHA256_H_

#include <memory>
#include <string>

#include "absl/strings/string_view.h"

namespace crate::registry {

class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(absl::string_view data);
  // Lower-case hex of the digest; the hasher must not be used afterwards.
  std::string HexDigest();
  // "sha256:<hex>".
  std::string Digest() { return "sha256:" + HexDigest(); }

  static std::string Of(absl::string_view data) {
    Sha256 h;
    h.Update(data);
    return h.Digest();
  }

 private:
  struct Ctx;
  std::unique_ptr<Ctx> ctx_;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_UNPACK_SHA256_H_
