// The registries file, login and multi-platform pushes end to end, through
// ImageService against real docker-registry fixtures on 127.0.0.1.
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
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

  // crate-pull reads the same file.
  const char* srcdir = getenv("TEST_SRCDIR");
  const char* ws = getenv("TEST_WORKSPACE");
  ASSERT_OK_AND_ASSIGN(
      crate::fixtures::CommandResult tool,
      crate::fixtures::RunCommand(
          {absl::StrCat(srcdir ? srcdir : ".", "/", ws ? ws : "crate",
                        "/registry/images/crate-pull"),
           "--registries-conf", conf, name, JoinPath(tmp.path(), "tool")}));
  EXPECT_EQ(tool.exit_code, 0) << tool.err;
  EXPECT_THAT(tool.out, HasSubstr(name));

  // A per-call empty list turns the mirrors of that host off again.
  PullOptions off;
  off.access.mirrors[upstream->host()] = {};
  EXPECT_THAT(service->Pull(name, off).status(),
              crate::testing::StatusIs(absl::StatusCode::kNotFound,
                                       HasSubstr(busybox.repository)));
}

// A TLS registry whose CA crate was not given is refused, unless the
// registries file lists it as insecure.
TEST(InsecureTest, UnverifiedTlsOnlyForListedHosts) {
  crate::fixtures::RegistryOptions ro;
  ro.tls = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(ro));
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *registry, "", {"busybox"}));
  const auto& busybox = images.images.at("busybox");
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  RegistryAccess strict;
  strict.certs_dir = JoinPath(tmp.path(), "no-certs");
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ImageService> service,
      ImageService::Open(JoinPath(tmp.path(), "root"), strict));
  EXPECT_THAT(service->Pull(busybox.reference).status(),
              crate::testing::StatusIs(absl::StatusCode::kFailedPrecondition,
                                       HasSubstr("not trusted")));
  const std::string conf = JoinPath(tmp.path(), "registries.toml");
  ASSERT_OK(WriteFileAtomic(
      conf, absl::StrCat("[[registry]]\nlocation = \"", registry->host(),
                         "\"\ninsecure = true\n")));
  ASSERT_OK_AND_ASSIGN(RegistryAccess access, LoadRegistryAccess(conf));
  access.certs_dir = strict.certs_dir;
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ImageService> lax,
      ImageService::Open(JoinPath(tmp.path(), "root"), access));
  ASSERT_OK_AND_ASSIGN(PullResult r, lax->Pull(busybox.reference));
  EXPECT_EQ(r.top_digest.ToString(), busybox.digest);
}

// Login checks the credentials with the registry before storing them;
// pulls use what it stored; logout takes them away again. Basic auth and
// bearer tokens.
class LoginTest : public ::testing::TestWithParam<bool> {};

TEST_P(LoginTest, StoresOnlyWhatTheRegistryAccepts) {
  crate::fixtures::RegistryOptions ro;
  (GetParam() ? ro.token : ro.auth) = true;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start(ro));
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *registry, "", {"busybox"}));
  const auto& busybox = images.images.at("busybox");
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  const std::string auth = JoinPath(tmp.path(), "cfg/auth.json");
  RegistryAccess access;
  access.auth_files = {auth};
  ASSERT_OK_AND_ASSIGN(
      std::unique_ptr<ImageService> service,
      ImageService::Open(JoinPath(tmp.path(), "root"), access));
  EXPECT_EQ(service->AuthFile(), auth);
  EXPECT_FALSE(service->Pull(busybox.reference).ok());

  EXPECT_THAT(service->Login(registry->host(), registry->user(),
                             registry->password() + "x"),
              crate::testing::StatusIs(
                  absl::StatusCode::kUnauthenticated,
                  HasSubstr(absl::StrCat("login to ", registry->host()))));
  EXPECT_FALSE(PathExists(auth));
  EXPECT_FALSE(service->Pull(busybox.reference).ok());

  ASSERT_OK(service->Login(absl::StrCat("https://", registry->host(), "/v1/"),
                           registry->user(), registry->password()));
  struct stat st;
  ASSERT_EQ(stat(auth.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0600u);
  ASSERT_OK_AND_ASSIGN(std::string stored, ReadFile(auth));
  EXPECT_THAT(stored, HasSubstr(absl::StrCat("\"", registry->host(), "\"")));
  ASSERT_OK_AND_ASSIGN(PullResult r, service->Pull(busybox.reference));
  EXPECT_EQ(r.top_digest.ToString(), busybox.digest);

  ASSERT_OK(service->Logout(registry->host()));
  EXPECT_THAT(service->Logout(registry->host()),
              crate::testing::StatusIs(absl::StatusCode::kNotFound,
                                       HasSubstr(registry->host())));
  ASSERT_OK(service->Remove(busybox.reference).status());
  ASSERT_OK(service->GarbageCollect().status());
  EXPECT_FALSE(service->Pull(busybox.reference).ok());
}

INSTANTIATE_TEST_SUITE_P(BasicAndToken, LoginTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Token" : "Basic";
                         });

std::string InspectRaw(const LocalRegistry& registry, const std::string& ref) {
  absl::StatusOr<crate::fixtures::CommandResult> r =
      crate::fixtures::RunCommand({"skopeo", "inspect", "--raw",
                                   "--tls-verify=false", "docker://" + ref});
  if (!r.ok() || r->exit_code != 0) {
    ADD_FAILURE() << "skopeo inspect " << ref << ": "
                  << (r.ok() ? r->err : r.status().ToString());
    return "";
  }
  return r->out;
}

// An image pulled with all platforms is pushed as the whole index, byte for
// byte; one pulled for the host's platform only goes as that manifest, with
// a note saying why.
TEST(MultiPlatformPushTest, WholeIndexWhenEveryPlatformIsStored) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *registry, "", {"multiarch"}));
  const auto& multiarch = images.images.at("multiarch");
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> service,
                       ImageService::Open(JoinPath(tmp.path(), "root")));
  PullOptions all;
  all.all_platforms = true;
  ASSERT_OK_AND_ASSIGN(PullResult pulled,
                       service->Pull(multiarch.reference, all));
  EXPECT_FALSE(pulled.record.platform_blobs.empty());
  // What the other platforms need survives garbage collection.
  ASSERT_OK(service->GarbageCollect().status());

  const std::string dest = registry->host() + "/crate-copy/multiarch:all";
  ASSERT_OK_AND_ASSIGN(PushResult pushed,
                       service->Push(multiarch.reference, dest));
  EXPECT_TRUE(pushed.pushed_index);
  EXPECT_EQ(pushed.note, "");
  EXPECT_EQ(pushed.manifest_digest.ToString(), multiarch.digest);
  const std::string raw = InspectRaw(*registry, dest);
  EXPECT_EQ(raw, InspectRaw(*registry, multiarch.reference));
  nlohmann::json index = nlohmann::json::parse(raw, nullptr, false);
  ASSERT_TRUE(index.is_object()) << raw;
  std::set<std::string> archs;
  for (const auto& m : index.value("manifests", nlohmann::json::array())) {
    archs.insert(m["platform"].value("architecture", ""));
    // Each platform manifest was pushed too: skopeo reads it by digest.
    EXPECT_NE(
        InspectRaw(*registry, registry->host() + "/crate-copy/multiarch@" +
                                  m.value("digest", "")),
        "");
  }
  EXPECT_EQ(pushed.manifests_pushed, index["manifests"].size());
  EXPECT_TRUE(archs.count("amd64") && archs.count("arm64")) << raw;

  // The host's platform only: the index cannot go, its manifest does.
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ImageService> one,
                       ImageService::Open(JoinPath(tmp.path(), "one")));
  ASSERT_OK_AND_ASSIGN(PullResult host, one->Pull(multiarch.reference));
  const std::string dest1 = registry->host() + "/crate-copy/multiarch:one";
  ASSERT_OK_AND_ASSIGN(PushResult single,
                       one->Push(multiarch.reference, dest1));
  EXPECT_FALSE(single.pushed_index);
  EXPECT_EQ(single.manifest_digest, host.record.manifest_digest);
  EXPECT_THAT(single.note, HasSubstr("is not stored here"));
  EXPECT_THAT(single.note, HasSubstr("all platforms"));
}

// Byte progress per layer: growing values that end at the layer's size,
// as often as asked, or throttled.
TEST(ProgressTest, LayerBytesGrowToTheLayerSize) {
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<LocalRegistry> registry,
                       LocalRegistry::Start());
  ASSERT_OK_AND_ASSIGN(TestImages images, crate::fixtures::PushTestImages(
                                              *registry, "", {"layers"}));
  const auto& layers = images.images.at("layers");
  TempDir tmp;
  ASSERT_FALSE(tmp.path().empty());
  for (absl::Duration interval : {absl::ZeroDuration(), absl::Seconds(10)}) {
    SCOPED_TRACE(absl::FormatDuration(interval));
    ASSERT_OK_AND_ASSIGN(
        std::unique_ptr<ImageService> service,
        ImageService::Open(JoinPath(
            tmp.path(), interval == absl::ZeroDuration() ? "every" : "few")));
    std::map<std::string, std::vector<PullProgress>> bytes;
    PullOptions options;
    options.progress_interval = interval;
    options.progress = [&](const PullProgress& p) {
      if (p.stage == PullProgress::Stage::kLayerBytes) {
        bytes[p.detail].push_back(p);
      }
    };
    ASSERT_OK_AND_ASSIGN(PullResult r,
                         service->Pull(layers.reference, options));
    ASSERT_EQ(bytes.size(), r.record.layers.size());
    size_t most = 0;
    for (size_t i = 0; i < r.record.layers.size(); ++i) {
      const std::vector<PullProgress>& seen =
          bytes[r.record.layers[i].ToString()];
      ASSERT_FALSE(seen.empty()) << i;
      for (size_t k = 0; k < seen.size(); ++k) {
        EXPECT_EQ(seen[k].bytes_total, r.record.layer_sizes[i]);
        if (k > 0) {
          EXPECT_GT(seen[k].bytes_done, seen[k - 1].bytes_done);
        }
      }
      EXPECT_EQ(seen.back().bytes_done, r.record.layer_sizes[i]);
      most = std::max(most, seen.size());
      if (interval != absl::ZeroDuration()) {
        // Throttled: the first bytes, then nothing until the end.
        EXPECT_LE(seen.size(), 2u);
      }
    }
    if (interval == absl::ZeroDuration()) {
      // The largest layer arrives in many writes.
      EXPECT_GT(most, 2u);
    }
  }
}

}  // namespace
}  // namespace crate::registry
