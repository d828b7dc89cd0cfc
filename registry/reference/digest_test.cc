#include "registry/reference/digest.h"

#include <string>

#include "absl/container/flat_hash_set.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

constexpr char kEmptySha256[] =
    "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

TEST(DigestTest, ParsesValidDigests) {
  ASSERT_OK_AND_ASSIGN(Digest d, Digest::Parse(kEmptySha256));
  EXPECT_EQ(d.algorithm(), "sha256");
  EXPECT_EQ(d.hex(),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(d.ToString(), kEmptySha256);
  EXPECT_TRUE(d.valid());
  EXPECT_OK(Digest::Parse("sha512:" + std::string(128, '0')));
  EXPECT_OK(Digest::Parse("sha384:" + std::string(96, 'a')));
}

TEST(DigestTest, RefusesInvalidDigests) {
  struct Case {
    std::string input, err;
  };
  for (const Case& c : std::vector<Case>{
           {"", "invalid checksum digest format"},
           {"sha256", "invalid checksum digest format"},
           {"sha256:", "invalid checksum digest format"},
           {":abc", "invalid checksum digest format"},
           {"sha256:abc", "invalid checksum digest length"},
           {"sha256:" + std::string(65, 'a'), "invalid checksum digest length"},
           {"sha256:" + std::string(64, 'A'), "invalid checksum digest format"},
           {"sha256:" + std::string(63, 'a') + "g",
            "invalid checksum digest format"},
           {"md5:" + std::string(32, 'a'), "unsupported digest algorithm"},
           {"SHA256:" + std::string(64, 'a'), "invalid checksum digest format"},
           {"sha256+b64u:LCa0a2j_xo_5m0U8HTBBNBNCLXBkg7-g-YpeiGJm564",
            "unsupported digest algorithm"},
       }) {
    EXPECT_THAT(Digest::Parse(c.input),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("\"" + c.input + "\": " + c.err)))
        << c.input;
  }
}

TEST(DigestTest, HashesKnownVectors) {
  EXPECT_EQ(Digest::Sha256Of("").ToString(), kEmptySha256);
  EXPECT_EQ(Digest::Sha256Of("abc").hex(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  ASSERT_OK_AND_ASSIGN(Digester d, Digester::Create("sha512"));
  d.Update("abc");
  EXPECT_EQ(d.Finish().hex().substr(0, 16), "ddaf35a193617aba");
}

TEST(DigestTest, StreamingMatchesOneShotAndResets) {
  Digester d = Digester::Sha256();
  d.Update("a");
  d.Update("b");
  d.Update(std::string("c"));
  EXPECT_EQ(d.bytes(), 3u);
  EXPECT_EQ(d.Finish(), Digest::Sha256Of("abc"));
  d.Reset();
  EXPECT_EQ(d.bytes(), 0u);
  d.Update("xyz");
  EXPECT_EQ(d.Finish(), Digest::Sha256Of("xyz"));
  Digester moved = std::move(d);
  moved.Reset();
  EXPECT_EQ(moved.Finish(), Digest::Sha256Of(""));
}

TEST(DigestTest, UnknownAlgorithmForDigester) {
  EXPECT_THAT(Digester::Create("md5"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("md5")));
}

TEST(DigestTest, Hashable) {
  absl::flat_hash_set<Digest> set;
  set.insert(Digest::Sha256Of("a"));
  set.insert(Digest::Sha256Of("a"));
  set.insert(Digest::Sha256Of("b"));
  EXPECT_EQ(set.size(), 2u);
  EXPECT_LT(Digest(), Digest::Sha256Of("a"));
}

}  // namespace
}  // namespace crate::registry
