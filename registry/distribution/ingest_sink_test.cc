// FetchToStore against the misbehaving stand-in registry: what a failed
// download leaves in the content store's ingest/ directory.
#include "registry/distribution/ingest_sink.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/distribution/test_blob_server.h"
#include "registry/reference/digest.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

class FetchToStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(tmp_, MakeTempDir("ingest_sink"));
    blob_.resize(1 << 20);
    for (size_t i = 0; i < blob_.size(); ++i) {
      blob_[i] = static_cast<char>((i * 2654435761u) >> 13);
    }
    digest_ = Digest::Sha256Of(blob_).ToString();
    ASSERT_OK_AND_ASSIGN(
        server_, testing::BlobServer::Start(JoinPath(tmp_, "server"), blob_));
    ASSERT_OK_AND_ASSIGN(ContentStore store,
                         ContentStore::Open(JoinPath(tmp_, "content")));
    store_ = std::make_unique<ContentStore>(std::move(store));
    client_ = NewClient(/*max_attempts=*/4);
    ASSERT_NE(client_, nullptr);
  }
  void TearDown() override {
    server_.reset();
    EXPECT_OK(RemoveTree(tmp_));
  }

  std::unique_ptr<RegistryClient> NewClient(int max_attempts) {
    RegistryConfig c;
    c.certs_dir = JoinPath(tmp_, "certs.d");
    c.initial_backoff = absl::Milliseconds(10);
    c.max_backoff = absl::Milliseconds(50);
    c.max_attempts = max_attempts;
    absl::StatusOr<std::unique_ptr<RegistryClient>> client =
        RegistryClient::Create(c);
    EXPECT_OK(client.status());
    return client.ok() ? std::move(*client) : nullptr;
  }

  absl::Status Fetch(RegistryClient& client, const std::string& repo,
                     const std::string& digest, int64_t size) {
    return FetchToStore(client, *store_, server_->host(), repo, digest, size,
                        "layer 1 of test");
  }

  std::vector<std::string> IngestFiles() {
    absl::StatusOr<std::vector<std::string>> names =
        ListDir(JoinPath(store_->root(), "ingest"));
    return names.ok() ? *names : std::vector<std::string>{"<error>"};
  }

  std::string tmp_, blob_, digest_;
  std::unique_ptr<testing::BlobServer> server_;
  std::unique_ptr<ContentStore> store_;
  std::unique_ptr<RegistryClient> client_;
};

TEST_F(FetchToStoreTest, StoresTheBlobAndLeavesNoIngest) {
  ASSERT_OK(Fetch(*client_, "ok", digest_, blob_.size()));
  EXPECT_TRUE(store_->Has(*Digest::Parse(digest_)));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(FetchToStoreTest, WrongDigestLeavesNoIngest) {
  EXPECT_THAT(Fetch(*client_, "corrupt", digest_, blob_.size()),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(digest_)));
  EXPECT_FALSE(store_->Has(*Digest::Parse(digest_)));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(FetchToStoreTest, SizeThatLiesLeavesNoIngest) {
  // The registry sends the whole blob, fewer bytes than claimed: the bytes
  // stored so far are dropped, and with them the ingest.
  EXPECT_THAT(
      Fetch(*client_, "ok", digest_, blob_.size() + 7),
      StatusIs(absl::StatusCode::kDataLoss,
               AllOf(HasSubstr(digest_),
                     HasSubstr(absl::StrCat("expected ", blob_.size() + 7)))));
  EXPECT_THAT(IngestFiles(), IsEmpty());
  // More bytes than claimed: cut off at the claimed size, which is bytes
  // that can never hash to the digest.
  EXPECT_THAT(Fetch(*client_, "ok", digest_, blob_.size() - 7),
              StatusIs(absl::StatusCode::kDataLoss,
                       AllOf(HasSubstr(digest_), HasSubstr("more than"))));
  EXPECT_THAT(IngestFiles(), IsEmpty());
  EXPECT_FALSE(store_->Has(*Digest::Parse(digest_)));
}

TEST_F(FetchToStoreTest, BlobUnknownToTheRegistryLeavesNoIngest) {
  const std::string other = Digest::Sha256Of("not served").ToString();
  EXPECT_THAT(Fetch(*client_, "ok", other, 10),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(other)));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST_F(FetchToStoreTest, InterruptedTransferIsKeptAndResumed) {
  std::unique_ptr<RegistryClient> once = NewClient(/*max_attempts=*/1);
  ASSERT_NE(once, nullptr);
  EXPECT_THAT(Fetch(*once, "broken", digest_, blob_.size()),
              StatusIs(absl::StatusCode::kUnavailable, HasSubstr(digest_)));
  // The half that arrived is a valid start of the blob: kept for a resume.
  ASSERT_OK_AND_ASSIGN(std::vector<IngestStatus> left, store_->ListIngests());
  ASSERT_EQ(left.size(), 1u);
  EXPECT_EQ(left[0].offset, blob_.size() / 2);
  EXPECT_FALSE(left[0].active);

  ASSERT_OK(Fetch(*client_, "broken", digest_, blob_.size()));
  EXPECT_THAT(server_->Ranges("broken"),
              ElementsAre("-", absl::StrCat("bytes=", blob_.size() / 2, "-")));
  EXPECT_TRUE(store_->Has(*Digest::Parse(digest_)));
  EXPECT_THAT(IngestFiles(), IsEmpty());
}

TEST(KeepForResumeTest, OnlyBytesThatCanStillBecomeTheBlob) {
  EXPECT_TRUE(KeepForResume(absl::UnavailableError("connection reset")));
  EXPECT_TRUE(KeepForResume(absl::DeadlineExceededError("timeout")));
  EXPECT_TRUE(KeepForResume(absl::ResourceExhaustedError("429")));
  EXPECT_FALSE(KeepForResume(absl::DataLossError("content has digest")));
  EXPECT_FALSE(KeepForResume(absl::OutOfRangeError("416")));
}

}  // namespace
}  // namespace crate::registry
