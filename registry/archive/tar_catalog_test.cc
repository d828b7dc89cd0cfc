#include "registry/archive/tar_catalog.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "registry/archive/tar_writer.h"
#include "registry/unpack/test_tar.h"
#include "runtime/base/file_util.h"
#include "runtime/base/status_matchers.h"
#include "runtime/base/unique_fd.h"

namespace crate::registry {
namespace {

using ::crate::testing::StatusIs;
using ::testing::AllOf;
using testing::Compression;
using testing::Dir;
using ::testing::ElementsAre;
using testing::File;
using testing::Hardlink;
using ::testing::HasSubstr;
using testing::Symlink;
using testing::TarEntry;

class TarCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK_AND_ASSIGN(dir_, MakeTempDir("tar-catalog"));
  }
  void TearDown() override { RemoveTree(dir_).IgnoreError(); }

  std::string Write(const std::vector<TarEntry>& entries,
                    Compression compression = Compression::kNone) {
    const std::string path = JoinPath(dir_, absl::StrCat("a", ++n_, ".tar"));
    EXPECT_OK(WriteTar(path, entries, compression));
    return path;
  }

  absl::StatusOr<TarCatalog> Scan(const std::string& path,
                                  const TarScanOptions& options = {}) {
    fd_ = UniqueFd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
    EXPECT_TRUE(fd_.valid()) << path;
    return TarCatalog::Scan(fd_.get(), path, options);
  }

  std::string dir_;
  int n_ = 0;
  UniqueFd fd_;
};

TEST_F(TarCatalogTest, ResolvesFilesThroughLinks) {
  const std::string big(100000, 'x');
  const std::string path =
      Write({Dir("./"), File("./manifest.json", " \n{\"a\": 1}"),
             File("blobs//sha256/abc", big), Symlink("abc", "blobs/sha256/abc"),
             Dir("d"), Symlink("d/layer.tar", "../blobs/sha256/abc"),
             Symlink("link-dir", "blobs"), Symlink("chain", "d/layer.tar"),
             Hardlink("hard", "blobs/sha256/abc"), File("arr.json", "[1]")});
  ASSERT_OK_AND_ASSIGN(TarCatalog c, Scan(path));
  EXPECT_EQ(c.file_count(), 3u);
  for (const char* name :
       {"blobs/sha256/abc", "./blobs/sha256/abc", "abc", "d/layer.tar",
        "link-dir/sha256/abc", "chain", "hard"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(std::string r, c.Resolve(name));
    EXPECT_EQ(r, "blobs/sha256/abc");
  }
  const TarFile& f = c.file("blobs/sha256/abc");
  EXPECT_EQ(f.size, big.size());
  EXPECT_EQ(f.head, std::string(16, 'x'));
  EXPECT_FALSE(f.json.has_value());
  ASSERT_OK_AND_ASSIGN(absl::string_view json, c.Json("manifest.json", 100));
  EXPECT_EQ(json, " \n{\"a\": 1}");
  EXPECT_OK(c.Json("arr.json", 100).status());
  EXPECT_THAT(c.Json("manifest.json", 3),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("manifest.json")));
  EXPECT_THAT(c.Json("abc", 1 << 20),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a JSON document")));
  EXPECT_THAT(c.Resolve("missing"),
              StatusIs(absl::StatusCode::kNotFound,
                       AllOf(HasSubstr("\"missing\""),
                             HasSubstr("not in the archive"))));
  EXPECT_THAT(c.Resolve("d"), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("directory")));
  EXPECT_THAT(c.Resolve("../abc"),
              StatusIs(absl::StatusCode::kPermissionDenied, HasSubstr("..")));
}

TEST_F(TarCatalogTest, LinkLoopsAreRefused) {
  ASSERT_OK_AND_ASSIGN(TarCatalog c,
                       Scan(Write({Symlink("a", "b"), Symlink("b", "a")})));
  EXPECT_THAT(c.Resolve("a"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("loop")));
}

TEST_F(TarCatalogTest, UnsafeEntriesRefuseTheArchive) {
  struct Case {
    std::string name;
    std::vector<TarEntry> entries;
    absl::StatusCode code;
    std::string entry;
    std::string reason;
  };
  TarEntry dev;
  dev.path = "dev";
  dev.type = TarEntry::Type::kChar;
  dev.dev_major = 1;
  dev.dev_minor = 3;
  std::vector<Case> cases = {
      {"dotdot",
       {File("../x", "x")},
       absl::StatusCode::kPermissionDenied,
       "../x",
       "contains \"..\""},
      {"nested dotdot",
       {File("a/../../x", "x")},
       absl::StatusCode::kPermissionDenied,
       "a/../../x",
       "contains \"..\""},
      {"absolute",
       {File("/etc/x", "x")},
       absl::StatusCode::kPermissionDenied,
       "/etc/x",
       "absolute path"},
      {"absolute symlink",
       {Symlink("blob", "/etc/passwd")},
       absl::StatusCode::kPermissionDenied,
       "blob",
       "absolute path \"/etc/passwd\""},
      {"escaping symlink",
       {Dir("a"), Symlink("a/blob", "../../etc/passwd")},
       absl::StatusCode::kPermissionDenied,
       "a/blob",
       "leads out of the archive"},
      {"hard link out",
       {Hardlink("h", "../etc/passwd")},
       absl::StatusCode::kPermissionDenied,
       "h",
       "contains \"..\""},
      {"device",
       {dev},
       absl::StatusCode::kInvalidArgument,
       "dev",
       "character device"},
      {"duplicate",
       {File("manifest.json", "[]"), File("manifest.json", "[1]")},
       absl::StatusCode::kInvalidArgument,
       "manifest.json",
       "appears twice"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string path = Write(c.entries);
    EXPECT_THAT(Scan(path),
                StatusIs(c.code, AllOf(HasSubstr(path),
                                       HasSubstr("\"" + c.entry + "\""),
                                       HasSubstr(c.reason))));
  }
}

TEST_F(TarCatalogTest, TruncatedArchivesAreRefused) {
  const std::string big(200000, 'b');
  const std::string path =
      Write({File("index.json", "{}"), File("blob", big), File("last", "z")});
  struct stat st;
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  // Cut in the middle of a blob that is skipped (not read), and in a header.
  for (off_t cut :
       {off_t{1024 + 512 + 100000}, off_t{1024 + 512 + 200192 + 100}}) {
    SCOPED_TRACE(cut);
    const std::string cut_path = path + ".cut";
    ASSERT_OK_AND_ASSIGN(std::string bytes, ReadFile(path, 1 << 20));
    ASSERT_OK(WriteFileAtomic(cut_path, bytes.substr(0, cut)));
    EXPECT_THAT(Scan(cut_path),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr(cut_path)));
  }
}

TEST_F(TarCatalogTest, CompressedArchivesAndStream) {
  const std::string blob(300000, 'q');
  for (Compression compression :
       {Compression::kNone, Compression::kGzip, Compression::kZstd}) {
    SCOPED_TRACE(static_cast<int>(compression));
    const std::string path =
        Write({File("index.json", "{}"), File("one", blob), File("two", "2222"),
               Symlink("three", "two")},
              compression);
    ASSERT_OK_AND_ASSIGN(TarCatalog c, Scan(path));
    std::vector<std::string> seen;
    std::string got;
    ASSERT_OK(c.Stream(fd_.get(), {"one", "two"},
                       [&](const std::string& name, const TarFile& file,
                           const TarCatalog::EntryReader& read) {
                         seen.push_back(name);
                         if (name != "one") return absl::OkStatus();
                         char buf[7000];
                         while (true) {
                           absl::StatusOr<size_t> n = read(buf, sizeof(buf));
                           if (!n.ok()) return n.status();
                           if (*n == 0) break;
                           got.append(buf, *n);
                         }
                         EXPECT_EQ(got.size(), file.size);
                         return absl::OkStatus();
                       }));
    EXPECT_THAT(seen, ElementsAre("one", "two"));
    EXPECT_EQ(got, blob);
    EXPECT_THAT(c.Stream(fd_.get(), {"nothere"},
                         [](const std::string&, const TarFile&,
                            const TarCatalog::EntryReader&) {
                           return absl::OkStatus();
                         }),
                StatusIs(absl::StatusCode::kDataLoss, HasSubstr("nothere")));
  }
}

TEST_F(TarCatalogTest, Bounds) {
  const std::string path =
      Write({File("a.json", "{\"a\": 1}"), File("b.json", "{\"b\": 2}"),
             File("c", std::string(1000, 'c'))});
  TarScanOptions total;
  total.max_total_bytes = 1000;
  EXPECT_THAT(Scan(path, total),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       AllOf(HasSubstr("\"c\""), HasSubstr("1000 bytes"))));
  TarScanOptions entries;
  entries.max_entries = 2;
  EXPECT_THAT(Scan(path, entries),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("more than 2 entries")));
  TarScanOptions json;
  json.max_json_total = 10;
  EXPECT_THAT(Scan(path, json), StatusIs(absl::StatusCode::kResourceExhausted,
                                         HasSubstr("JSON")));
  TarScanOptions small;
  small.max_json_size = 4;
  ASSERT_OK_AND_ASSIGN(TarCatalog c, Scan(path, small));
  EXPECT_THAT(c.Json("a.json", 100),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a JSON document")));
}

TEST_F(TarCatalogTest, NotATar) {
  const std::string path = JoinPath(dir_, "junk");
  ASSERT_OK(WriteFileAtomic(path, std::string(5000, '\x01')));
  EXPECT_THAT(Scan(path),
              StatusIs(absl::StatusCode::kDataLoss, HasSubstr(path)));
}

TEST_F(TarCatalogTest, WriterIsAtomicAndReadBack) {
  const std::string path = JoinPath(dir_, "out.tar");
  ASSERT_OK(WriteFileAtomic(path, "old"));
  {
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<TarWriter> w, TarWriter::Create(path));
    ASSERT_OK(w->AddDirectory("blobs"));
    ASSERT_OK(w->AddFile("index.json", "{}"));
    // Dropped before Commit: the old file stays, no temporary is left.
  }
  ASSERT_OK_AND_ASSIGN(std::string old, ReadFile(path));
  EXPECT_EQ(old, "old");
  ASSERT_OK_AND_ASSIGN(std::vector<std::string> names, ListDir(dir_));
  EXPECT_THAT(names, ElementsAre("out.tar"));

  ASSERT_OK_AND_ASSIGN(std::unique_ptr<TarWriter> w, TarWriter::Create(path));
  ASSERT_OK(w->AddDirectory("blobs"));
  ASSERT_OK(w->AddFile("index.json", "{\"x\": 1}"));
  const std::string data(70000, 'd');
  size_t at = 0;
  ASSERT_OK(
      w->AddFileFrom("blobs/data", data.size(),
                     [&](char* buf, size_t len) -> absl::StatusOr<size_t> {
                       size_t n = std::min(len, data.size() - at);
                       std::copy(data.data() + at, data.data() + at + n, buf);
                       at += n;
                       return n;
                     }));
  // A source shorter than announced fails the file and the archive.
  EXPECT_THAT(
      w->AddFileFrom("short", 10,
                     [](char*, size_t) -> absl::StatusOr<size_t> { return 0; }),
      StatusIs(absl::StatusCode::kDataLoss, HasSubstr("short")));
  EXPECT_FALSE(w->Commit().ok());
  ASSERT_OK_AND_ASSIGN(old, ReadFile(path));
  EXPECT_EQ(old, "old");

  ASSERT_OK_AND_ASSIGN(w, TarWriter::Create(path));
  ASSERT_OK(w->AddFile("index.json", "{\"x\": 1}"));
  at = 0;
  ASSERT_OK(
      w->AddFileFrom("blobs/data", data.size(),
                     [&](char* buf, size_t len) -> absl::StatusOr<size_t> {
                       size_t n = std::min(len, data.size() - at);
                       std::copy(data.data() + at, data.data() + at + n, buf);
                       at += n;
                       return n;
                     }));
  ASSERT_OK(w->Commit());
  w.reset();
  ASSERT_OK_AND_ASSIGN(names, ListDir(dir_));
  EXPECT_THAT(names, ElementsAre("out.tar"));
  ASSERT_OK_AND_ASSIGN(TarCatalog c, Scan(path));
  EXPECT_EQ(c.file("blobs/data").size, data.size());
  EXPECT_OK(c.Json("index.json", 100).status());

  EXPECT_FALSE(TarWriter::Create(JoinPath(dir_, "no/such/dir.tar")).ok());
}

}  // namespace
}  // namespace crate::registry
