// A main for a fuzz target outside libFuzzer: every file of the corpus
// directories given, then seeded mutations of each (bit flips, cut ends,
// repeated and inserted bytes), through LLVMFuzzerTestOneInput. The target
// asserts its own properties (abort on a violation), so a pass here means
// the corpus and the mutations keep them under the normal toolchain; the
// real search runs under libFuzzer (tests/fuzz/run.sh).
#include <dirent.h>
#include <sys/stat.h>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

constexpr int kMutationsPerInput = 300;

void Run(const std::string& input) {
  LLVMFuzzerTestOneInput(reinterpret_cast<const uint8_t*>(input.data()),
                         input.size());
}

void CollectFiles(const std::string& path, std::vector<std::string>* out) {
  struct stat st;
  if (stat(path.c_str(), &st) != 0) return;
  if (S_ISREG(st.st_mode)) {
    out->push_back(path);
    return;
  }
  DIR* d = opendir(path.c_str());
  if (d == nullptr) return;
  while (struct dirent* e = readdir(d)) {
    std::string name = e->d_name;
    if (name != "." && name != "..") CollectFiles(path + "/" + name, out);
  }
  closedir(d);
}

std::string Mutate(std::string s, std::mt19937_64& rng) {
  std::uniform_int_distribution<int> kind(0, 5);
  auto pos = [&](size_t n) {
    return n == 0 ? 0 : std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  };
  int rounds = 1 + static_cast<int>(rng() % 4);
  for (int i = 0; i < rounds; ++i) {
    switch (kind(rng)) {
      case 0:
        if (!s.empty()) s[pos(s.size())] ^= static_cast<char>(1 << (rng() % 8));
        break;
      case 1:
        s.resize(pos(s.size() + 1));
        break;
      case 2:
        if (!s.empty()) s.erase(0, pos(s.size()));
        break;
      case 3:
        s.insert(pos(s.size() + 1), 1, static_cast<char>(rng() & 0xff));
        break;
      case 4:
        if (!s.empty()) {
          size_t at = pos(s.size());
          s.insert(at, s.substr(at, 1 + rng() % 16));
        }
        break;
      default: {
        static const char* kTokens[] = {"\"", "{",  "}", "[", "]",   ":",   ",",
                                        "\\", "\n", "@", "/", "%00", "\xff"};
        s.insert(pos(s.size() + 1), kTokens[rng() % 13]);
        break;
      }
    }
  }
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> files;
  for (int i = 1; i < argc; ++i) CollectFiles(argv[i], &files);
  if (files.empty()) {
    std::fprintf(stderr, "no corpus files under the given paths\n");
    return 1;
  }
  std::mt19937_64 rng(20261207);
  size_t runs = 0;
  Run("");
  for (const std::string& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::stringstream buf;
    buf << in.rdbuf();
    const std::string input = buf.str();
    Run(input);
    ++runs;
    for (int m = 0; m < kMutationsPerInput; ++m) {
      Run(Mutate(input, rng));
      ++runs;
    }
  }
  std::printf("%zu inputs from %zu corpus files: every property held\n", runs,
              files.size());
  return 0;
}
