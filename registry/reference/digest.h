// Content digests ("sha256:<hex>") as the OCI image and distribution specs
// define them, and a streaming hasher that produces them.
//
// Parsing follows opencontainers/go-digest: the algorithm must be one crate
// can compute (sha256, sha384, sha512) and the hex part must be lowercase and
// exactly as long as that algorithm's output, so that two spellings of the same
// digest can never name two different blobs.
#ifndef CRATE_REGISTRY_REFERENCE_DIGEST_H_
#define CRATE_REGISTRY_REFERENCE_DIGEST_H_

#include <cstdint>
#include <memory>
#include <ostream>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace crate::registry {

class Digest {
 public:
  // An empty digest; valid() is false. Exists so that Digest can sit in
  // structs and containers; never hand one to the content store.
  Digest() = default;

  // Parses and validates "algo:hex". Errors (kInvalidArgument) quote the
  // input: `invalid digest "sha256:abc": invalid checksum digest length`.
  static absl::StatusOr<Digest> Parse(absl::string_view s);

  // The sha256 digest of `data`.
  static Digest Sha256Of(absl::string_view data);

  // "sha256", "sha384" or "sha512".
  const std::string& algorithm() const { return algorithm_; }
  // The lowercase hex part.
  const std::string& hex() const { return hex_; }
  // "sha256:<hex>".
  std::string ToString() const;
  bool valid() const { return !algorithm_.empty(); }

  friend bool operator==(const Digest& a, const Digest& b) {
    return a.algorithm_ == b.algorithm_ && a.hex_ == b.hex_;
  }
  friend bool operator!=(const Digest& a, const Digest& b) { return !(a == b); }
  friend bool operator<(const Digest& a, const Digest& b) {
    return a.algorithm_ != b.algorithm_ ? a.algorithm_ < b.algorithm_
                                        : a.hex_ < b.hex_;
  }
  template <typename H>
  friend H AbslHashValue(H h, const Digest& d) {
    return H::combine(std::move(h), d.algorithm_, d.hex_);
  }
  friend std::ostream& operator<<(std::ostream& os, const Digest& d) {
    return os << d.ToString();
  }

 private:
  Digest(std::string algorithm, std::string hex)
      : algorithm_(std::move(algorithm)), hex_(std::move(hex)) {}
  friend class Digester;

  std::string algorithm_;
  std::string hex_;
};

// Whether crate can compute digests of this algorithm.
bool IsSupportedDigestAlgorithm(absl::string_view algorithm);

// Incremental hashing through OpenSSL's EVP digest API (the subset BoringSSL
// shares). Feed bytes with Update, then call Finish once.
class Digester {
 public:
  // kInvalidArgument for an algorithm other than sha256/sha384/sha512.
  static absl::StatusOr<Digester> Create(absl::string_view algorithm);
  static Digester Sha256();

  Digester(Digester&&) noexcept;
  Digester& operator=(Digester&&) noexcept;
  ~Digester();

  void Update(absl::string_view data);
  void Update(const void* data, size_t size);
  // The digest of everything passed to Update. The digester is spent after
  // this; Reset makes it usable again.
  Digest Finish();
  // Forgets everything hashed so far.
  void Reset();
  // Bytes passed to Update since creation or the last Reset.
  uint64_t bytes() const { return bytes_; }
  const std::string& algorithm() const { return algorithm_; }

 private:
  struct Ctx;
  Digester(std::string algorithm, std::unique_ptr<Ctx> ctx);

  std::string algorithm_;
  std::unique_ptr<Ctx> ctx_;
  uint64_t bytes_ = 0;
};

}  // namespace crate::registry

#endif  // CRATE_REGISTRY_REFERENCE_DIGEST_H_
