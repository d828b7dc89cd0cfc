#include "registry/reference/reference.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kF64(64, 'f');
const std::string kSha256F = "sha256:" + kF64;

struct StrictCase {
  std::string input;
  std::string err;  // substring of the error; empty when the input is valid
  std::string domain;
  std::string name;
  std::string tag;
  std::string digest;
};

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// The cases of distribution/reference's TestReferenceParse.
std::vector<StrictCase> StrictCases() {
  return {
      {"test_com", "", "", "test_com"},
      {"test.com:tag", "", "", "test.com", "tag"},
      {"test.com:5000", "", "", "test.com", "5000"},
      {"test.com/repo:tag", "", "test.com", "test.com/repo", "tag"},
      {"test:5000/repo", "", "test:5000", "test:5000/repo"},
      {"test:5000/repo:tag", "", "test:5000", "test:5000/repo", "tag"},
      {"test:5000/repo@" + kSha256F, "", "test:5000", "test:5000/repo", "",
       kSha256F},
      {"test:5000/repo:tag@" + kSha256F, "", "test:5000", "test:5000/repo",
       "tag", kSha256F},
      {"", "at least one component"},
      {":justtag", "invalid reference format"},
      {"@" + kSha256F, "invalid reference format"},
      {"repo@sha256:" + std::string(60, 'f'), "invalid checksum digest length"},
      {"validname@invaliddigest:" + kF64, "unsupported digest algorithm"},
      {"Uppercase:tag", "must be lowercase"},
      // distribution treats an uppercase first component as a domain.
      {"Uppercase/lowercase:tag", "", "Uppercase", "Uppercase/lowercase",
       "tag"},
      {"test:5000/Uppercase/lowercase:tag", "must be lowercase"},
      {"lowercase:Uppercase", "", "", "lowercase", "Uppercase"},
      {Repeat("a/", 128) + "a:tag", "not be more than 255 characters"},
      {Repeat("a/", 127) + "a:tag-puts-this-over-max", "", "a",
       Repeat("a/", 127) + "a", "tag-puts-this-over-max"},
      {"aa/asdf$$^/aa", "invalid reference format"},
      {"sub-dom1.foo.com/bar/baz/quux", "", "sub-dom1.foo.com",
       "sub-dom1.foo.com/bar/baz/quux"},
      {"sub-dom1.foo.com/bar/baz/quux:some-long-tag", "", "sub-dom1.foo.com",
       "sub-dom1.foo.com/bar/baz/quux", "some-long-tag"},
      {"b.gcr.io/test.example.com/my-app:test.example.com", "", "b.gcr.io",
       "b.gcr.io/test.example.com/my-app", "test.example.com"},
      {"xn--n3h.com/myimage:xn--n3h.com", "", "xn--n3h.com",
       "xn--n3h.com/myimage", "xn--n3h.com"},
      {"xn--7o8h.com/myimage:xn--7o8h.com@sha512:" + std::string(128, 'f'), "",
       "xn--7o8h.com", "xn--7o8h.com/myimage", "xn--7o8h.com",
       "sha512:" + std::string(128, 'f')},
      {"foo_bar.com:8080", "", "", "foo_bar.com", "8080"},
      {"foo/foo_bar.com:8080", "", "foo", "foo/foo_bar.com", "8080"},
      {"192.168.1.1", "", "", "192.168.1.1"},
      {"192.168.1.1:tag", "", "", "192.168.1.1", "tag"},
      {"192.168.1.1:5000", "", "", "192.168.1.1", "5000"},
      {"192.168.1.1/repo", "", "192.168.1.1", "192.168.1.1/repo"},
      {"192.168.1.1:5000/repo", "", "192.168.1.1:5000",
       "192.168.1.1:5000/repo"},
      {"192.168.1.1:5000/repo:5050", "", "192.168.1.1:5000",
       "192.168.1.1:5000/repo", "5050"},
      {"[2001:db8::1]", "invalid reference format"},
      {"[2001:db8::1]:5000", "invalid reference format"},
      {"[2001:db8::1]:tag", "invalid reference format"},
      {"[2001:db8::1]/repo", "", "[2001:db8::1]", "[2001:db8::1]/repo"},
      {"[2001:db8:1:2:3:4:5:6]/repo:tag", "", "[2001:db8:1:2:3:4:5:6]",
       "[2001:db8:1:2:3:4:5:6]/repo", "tag"},
      {"[2001:db8::1]:5000/repo", "", "[2001:db8::1]:5000",
       "[2001:db8::1]:5000/repo"},
      {"[2001:db8::1]:5000/repo:tag", "", "[2001:db8::1]:5000",
       "[2001:db8::1]:5000/repo", "tag"},
      {"[2001:db8::1]:5000/repo@" + kSha256F, "", "[2001:db8::1]:5000",
       "[2001:db8::1]:5000/repo", "", kSha256F},
      {"[2001:db8::1]:5000/repo:tag@" + kSha256F, "", "[2001:db8::1]:5000",
       "[2001:db8::1]:5000/repo", "tag", kSha256F},
      {"[2001:db8::]:5000/repo", "", "[2001:db8::]:5000",
       "[2001:db8::]:5000/repo"},
      {"[::1]:5000/repo", "", "[::1]:5000", "[::1]:5000/repo"},
      {"[fe80::1%eth0]:5000/repo", "invalid reference format"},
      {"[fe80::1%@invalidzone]:5000/repo", "invalid reference format"},
      // Separators.
      {"a__b/c", "", "", "a__b/c"},
      {"a---b", "", "", "a---b"},
      {"a___b", "invalid reference format"},
      {"a..b", "invalid reference format"},
      {"a.-b", "invalid reference format"},
      {"-a", "invalid reference format"},
      {"a-", "invalid reference format"},
      {"a//b", "invalid reference format"},
      {"a/", "invalid reference format"},
      {"repo:", "invalid reference format"},
      {"repo:-tag", "invalid reference format"},
      {"repo:_tag", "", "", "repo", "_tag"},
      {"repo:" + std::string(128, 'a'), "", "", "repo", std::string(128, 'a')},
      {"repo:" + std::string(129, 'a'), "invalid reference format"},
      {"repo@sha256:" + std::string(64, 'F'), "invalid checksum digest format"},
      {"repo@sha256:" + kF64 + "@" + kSha256F, "invalid reference format"},
  };
}

TEST(ReferenceTest, ParseStrictFollowsDistributionGrammar) {
  for (const StrictCase& c : StrictCases()) {
    SCOPED_TRACE(c.input);
    auto r = Reference::ParseStrict(c.input);
    if (!c.err.empty()) {
      EXPECT_THAT(
          r, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.err)));
      continue;
    }
    ASSERT_OK(r);
    EXPECT_EQ(r->domain(), c.domain);
    EXPECT_EQ(r->Name(), c.name);
    EXPECT_EQ(r->tag(), c.tag);
    EXPECT_EQ(r->has_digest() ? r->digest()->ToString() : "", c.digest);
    EXPECT_EQ(r->String(), c.input);
  }
}

TEST(ReferenceTest, ErrorsQuoteTheInput) {
  EXPECT_THAT(Reference::Parse("Foo/Bar"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("invalid reference \"Foo/Bar\"")));
  EXPECT_THAT(Reference::Parse("ALPINE"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("repository name (library/ALPINE) must be "
                                 "lowercase")));
}

// distribution/reference TestValidateReferenceName.
TEST(ReferenceTest, NormalizedValidNames) {
  for (const std::string& name : std::vector<std::string>{
           "docker/docker",
           "library/debian",
           "debian",
           "docker.io/docker/docker",
           "docker.io/library/debian",
           "docker.io/debian",
           "index.docker.io/docker/docker",
           "index.docker.io/library/debian",
           "index.docker.io/debian",
           "127.0.0.1:5000/docker/docker",
           "127.0.0.1:5000/library/debian",
           "127.0.0.1:5000/debian",
           "192.168.0.1",
           "192.168.0.1:80",
           "192.168.0.1:8/debian",
           "192.168.0.2:25000/debian",
           "thisisthesongthatneverendsitgoesonandonandonthisisthesongthatnev",
           "[fc00::1]:5000/docker",
           "[fc00::1]:5000/docker/docker",
           "[fc00:1:2:3:4:5:6:7]:5000/library/debian",
           "docker.io/1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7"
           "d9c1b3a",
           "Docker/docker",
       }) {
    EXPECT_OK(Reference::Parse(name)) << name;
  }
}

TEST(ReferenceTest, NormalizedInvalidNames) {
  for (const std::string& name : std::vector<std::string>{
           "https://github.com/docker/docker",
           "docker/Docker",
           "-docker",
           "-docker/docker",
           "-docker.io/docker/docker",
           "docker///docker",
           "docker.io/docker/Docker",
           "docker.io/docker///docker",
           "[fc00::1]",
           "[fc00::1]:5000",
           "fc00::1:5000/debian",
           "[fe80::1%eth0]:5000/debian",
           "[2001:db8:3:4::192.0.2.33]:5000/debian",
           "1a3f5e7d9c1b3a5f7e9d1c3b5a7f9e1d3c5b7a9f1e3d5d7c9b1a3f5e7d9c1b3a",
           "",
       }) {
    EXPECT_THAT(Reference::Parse(name),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(name)))
        << name;
  }
}

struct NormalizedCase {
  std::string input;
  std::string full_name;
  std::string familiar_name;
  std::string domain;
  std::string path;
};

// distribution/reference TestParseRepositoryInfo.
TEST(ReferenceTest, NormalizedNames) {
  std::vector<NormalizedCase> cases = {
      {"fooo/bar", "docker.io/fooo/bar", "fooo/bar", "docker.io", "fooo/bar"},
      {"library/ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io",
       "library/ubuntu"},
      {"nonlibrary/ubuntu", "docker.io/nonlibrary/ubuntu", "nonlibrary/ubuntu",
       "docker.io", "nonlibrary/ubuntu"},
      {"ubuntu", "docker.io/library/ubuntu", "ubuntu", "docker.io",
       "library/ubuntu"},
      {"other/library", "docker.io/other/library", "other/library", "docker.io",
       "other/library"},
      {"127.0.0.1:8000/private/moonbase", "127.0.0.1:8000/private/moonbase",
       "127.0.0.1:8000/private/moonbase", "127.0.0.1:8000", "private/moonbase"},
      {"127.0.0.1:8000/privatebase", "127.0.0.1:8000/privatebase",
       "127.0.0.1:8000/privatebase", "127.0.0.1:8000", "privatebase"},
      {"example.com/private/moonbase", "example.com/private/moonbase",
       "example.com/private/moonbase", "example.com", "private/moonbase"},
      {"example.com/privatebase", "example.com/privatebase",
       "example.com/privatebase", "example.com", "privatebase"},
      {"example.com:8000/private/moonbase", "example.com:8000/private/moonbase",
       "example.com:8000/private/moonbase", "example.com:8000",
       "private/moonbase"},
      {"example.com:8000/privatebase", "example.com:8000/privatebase",
       "example.com:8000/privatebase", "example.com:8000", "privatebase"},
      {"localhost:8000/private/moonbase", "localhost:8000/private/moonbase",
       "localhost:8000/private/moonbase", "localhost:8000", "private/moonbase"},
      {"localhost:8000/privatebase", "localhost:8000/privatebase",
       "localhost:8000/privatebase", "localhost:8000", "privatebase"},
      {"localhost/privatebase", "localhost/privatebase",
       "localhost/privatebase", "localhost", "privatebase"},
      {"ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base",
       "ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base"},
      {"docker.io/ubuntu-12.04-base", "docker.io/library/ubuntu-12.04-base",
       "ubuntu-12.04-base", "docker.io", "library/ubuntu-12.04-base"},
      {"docker.io/library/ubuntu-12.04-base",
       "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io",
       "library/ubuntu-12.04-base"},
      {"index.docker.io/ubuntu-12.04-base",
       "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io",
       "library/ubuntu-12.04-base"},
      {"index.docker.io/library/ubuntu-12.04-base",
       "docker.io/library/ubuntu-12.04-base", "ubuntu-12.04-base", "docker.io",
       "library/ubuntu-12.04-base"},
      {"docker.io/library/a/b", "docker.io/library/a/b", "library/a/b",
       "docker.io", "library/a/b"},
  };
  for (const NormalizedCase& c : cases) {
    SCOPED_TRACE(c.input);
    ASSERT_OK_AND_ASSIGN(Reference r, Reference::Parse(c.input));
    EXPECT_EQ(r.Name(), c.full_name);
    EXPECT_EQ(r.FamiliarName(), c.familiar_name);
    EXPECT_EQ(r.domain(), c.domain);
    EXPECT_EQ(r.path(), c.path);
    EXPECT_FALSE(r.has_tag());
  }
}

TEST(ReferenceTest, DockerRefAddsLatestOnlyWithoutTagOrDigest) {
  struct Case {
    std::string input, full, familiar;
  };
  std::vector<Case> cases = {
      {"alpine", "docker.io/library/alpine:latest", "alpine:latest"},
      {"alpine:3.19", "docker.io/library/alpine:3.19", "alpine:3.19"},
      {"localhost:5000/app", "localhost:5000/app:latest",
       "localhost:5000/app:latest"},
      {"localhost:5000", "docker.io/library/localhost:5000", "localhost:5000"},
      {"alpine@" + kSha256F, "docker.io/library/alpine@" + kSha256F,
       "alpine@" + kSha256F},
      {"user/app:v1@" + kSha256F, "docker.io/user/app:v1@" + kSha256F,
       "user/app:v1@" + kSha256F},
      {"ghcr.io/o/r:t", "ghcr.io/o/r:t", "ghcr.io/o/r:t"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.input);
    ASSERT_OK_AND_ASSIGN(Reference r, Reference::ParseDockerRef(c.input));
    EXPECT_EQ(r.String(), c.full);
    EXPECT_EQ(r.FamiliarString(), c.familiar);
    // The full form parses back to itself.
    ASSERT_OK_AND_ASSIGN(Reference again, Reference::Parse(r.String()));
    EXPECT_EQ(again, r);
  }
}

// Found by tests/fuzz:reference_fuzz: a Docker Hub path whose first
// component looks like a domain keeps docker.io in its familiar form, or
// that form would name another registry.
TEST(ReferenceTest, FamiliarFormKeepsAnAmbiguousHubDomain) {
  for (const char* in : {"docker.io/registry.lan/x", "index.docker.io/a.b/c",
                         "docker.io/localhost/app:1", "docker.io/Up/x"}) {
    absl::StatusOr<Reference> r = Reference::Parse(in);
    if (!r.ok()) continue;  // "Up" is refused (uppercase repository)
    absl::StatusOr<Reference> back = Reference::Parse(r->FamiliarString());
    ASSERT_TRUE(back.ok()) << in;
    EXPECT_EQ(back->String(), r->String()) << in;
  }
  ASSERT_OK_AND_ASSIGN(Reference r, Reference::Parse("docker.io/reg.lan/x:1"));
  EXPECT_EQ(r.FamiliarString(), "docker.io/reg.lan/x:1");
  ASSERT_OK_AND_ASSIGN(r, Reference::Parse("docker.io/user/app"));
  EXPECT_EQ(r.FamiliarString(), "user/app");
  // An official image named like an image ID keeps "library/": the bare
  // name would be refused as an ID.
  const std::string hex(64, 'a');
  ASSERT_OK_AND_ASSIGN(r, Reference::Parse("library/" + hex));
  EXPECT_EQ(r.FamiliarString(), "library/" + hex);
  ASSERT_OK(Reference::Parse(r.FamiliarString()).status());
}

TEST(ReferenceTest, WithTagDigestAndNameOnly) {
  ASSERT_OK_AND_ASSIGN(Reference r, Reference::Parse("busybox:1@" + kSha256F));
  EXPECT_EQ(r.NameOnly().String(), "docker.io/library/busybox");
  EXPECT_EQ(r.WithTag("2").String(), "docker.io/library/busybox:2");
  ASSERT_OK_AND_ASSIGN(Digest d, Digest::Parse(kSha256F));
  EXPECT_EQ(r.WithDigest(d).String(), "docker.io/library/busybox@" + kSha256F);
}

TEST(ReferenceTest, FullHexId) {
  EXPECT_TRUE(IsFullHexId(kF64));
  EXPECT_FALSE(IsFullHexId(std::string(63, 'f')));
  EXPECT_FALSE(IsFullHexId(std::string(64, 'F')));
}

}  // namespace
}  // namespace crate::registry
