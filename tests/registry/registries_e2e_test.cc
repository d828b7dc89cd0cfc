// The registries file, login and multi-platform pushes end to end, through
// ImageService against real docker-registry fixtures on 127.0.0.1.
#include <stdlib.h>
#include <unistd.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/images/image_service.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "tests/fixtures/fixtures.h"

namespace crate::registry {
namespace {

using ::crate::fixtures::LocalRegistry;
using ::crate::fixtures::TestImages;
using ::testing::HasSubstr;

// A temporary directory removed with everything in it.
class TempDir {
 public:
  TempDir() {
    const char* base = getenv("TEST_TMPDIR");
    std::string templ =
        JoinPath(base != nullptr ? base : "/tmp", "registries-e2e-XXXXXX");
    if (mkdtemp(templ.data()) != nullptr) path_ = templ;
  }
  ~TempDir() {
    if (!path_.empty()) RemoveTree(path_).IgnoreError();
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// An image only the mirror holds is pulled under the upstream's name once
// the registries file names the mirror; a dead mirror listed first is
// passed over.
TEST(MirrorTest, PullComesFromTheMirror) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> upstream,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> mirror,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *mirror, "", {"busybox"}));
  const auto& busybox = images.images.at("busybox");
  const std::string name =
      absl::StrCat(upstream->host(), "/", busybox.repository, ":latest");
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());

  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> plain,
                         ImageService::Open(JoinPath(tmp.path(), "plain")));
    EXPECT_THAT(plain->Pull(name).status(),
                crate::testing::StatusIs(absl::StatusCode::kNotFound,
                                         HasSubstr(busybox.repository)));
  }

  // Port 1 on loopback: nothing listens, the connection is refused.
  const std::string conf = JoinPath(tmp.path(), "registries.toml");
  ASSERT_OK(WriteFileAtomic(
      conf, absl::StrCat("[[registry]]\nlocation = \"", upstream->host(),
                         "\"\nmirrors = [\"127.0.0.1:1\", \"", mirror->host(),
                         "\"]\n")));
  ASSERT_OK_AND_ASSIGN(RegistryAccess access, LoadRegistryAccess(conf));
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ImageService> service,
      ImageService::Open(JoinPath(tmp.path(), "root"), access));
  ASSERT_OK_AND_ASSIGN(PullResult r, service->Pull(name));
  EXPECT_EQ(r.top_digest.ToString(), busybox.digest);
  EXPECT_EQ(r.reference.String(), name);
  ASSERT_OK_AND_ASSIGN(ResolvedImage resolved, service->Resolve(name));
  EXPECT_EQ(resolved.record.manifest_digest, r.record.manifest_digest);
  ASSERT_OK_AND_ASSIGN(ServiceVerifyReport verify, service->Verify());
  EXPECT_TRUE(verify.image_problems.empty());

  // A per-call empty list turns the mirrors of that host off again.
  PullOptions off;
  off.access.mirrors[upstream->host()] = {};
  EXPECT_THAT(service->Pull(name, off).status(),
              crate::testing::StatusIs(absl::StatusCode::kNotFound,
                                       HasSubstr(busybox.repository)));
}

}  // namespace
}  // namespace crate::registry
