#include "api/engine/names.h"

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "api/engine/ids.h"
#include "runtime/base/status_macros.h"

namespace crate::engine {
namespace {

constexpr const char* kAdjectives[] = {
    "agile",      "amazing",  "angry",    "awesome",   "bold",     "brave",
    "busy",       "calm",     "charming", "clever",    "cool",     "curious",
    "dazzling",   "eager",    "elastic",  "elegant",   "epic",     "fervent",
    "festive",    "focused",  "friendly", "frosty",    "gallant",  "gentle",
    "gracious",   "happy",    "hardcore", "hopeful",   "hungry",   "inspiring",
    "jolly",      "keen",     "kind",     "laughing",  "lucid",    "magical",
    "modest",     "musing",   "mystic",   "nervous",   "nifty",    "nostalgic",
    "optimistic", "peaceful", "pensive",  "practical", "quirky",   "quiet",
    "relaxed",    "romantic", "serene",   "sharp",     "silly",    "sleepy",
    "stoic",      "sweet",    "tender",   "thirsty",   "trusting", "upbeat",
    "vibrant",    "vigilant", "wizardly", "wonderful", "youthful", "zealous",
};

constexpr const char* kSurnames[] = {
    "agnesi",        "archimedes", "babbage",  "bardeen",    "bell",
    "bohr",          "boole",      "cannon",   "carson",     "cerf",
    "chandrasekhar", "clarke",     "curie",    "darwin",     "dijkstra",
    "einstein",      "euclid",     "euler",    "faraday",    "fermat",
    "fermi",         "feynman",    "franklin", "galileo",    "gauss",
    "goodall",       "hamilton",   "hawking",  "heisenberg", "hodgkin",
    "hopper",        "hypatia",    "johnson",  "kepler",     "knuth",
    "lamarr",        "lamport",    "leakey",   "liskov",     "lovelace",
    "maxwell",       "mcclintock", "meitner",  "mendel",     "mirzakhani",
    "morse",         "newton",     "noether",  "pascal",     "pasteur",
    "planck",        "ramanujan",  "ritchie",  "sammet",     "shannon",
    "somerville",    "tesla",      "thompson", "torvalds",   "turing",
    "volta",         "wilson",     "wing",     "yalow",
};

bool IsNameStart(char c) { return absl::ascii_isalnum(c); }
bool IsNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '_' || c == '.' || c == '-';
}

bool MatchesNameRule(absl::string_view name, size_t min_length) {
  if (name.size() < min_length || name.size() > kMaxNameLength) return false;
  if (!IsNameStart(name[0])) return false;
  for (char c : name.substr(1)) {
    if (!IsNameChar(c)) return false;
  }
  return true;
}

absl::StatusOr<uint32_t> RandomBelow(uint32_t bound) {
  uint32_t r;
  RETURN_IF_ERROR(RandomBytes(&r, sizeof(r)));
  return r % bound;  // The bias over 2^32 is immaterial for a name.
}

}  // namespace

absl::Status ValidateContainerName(absl::string_view name) {
  if (MatchesNameRule(name, 1)) return absl::OkStatus();
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid container name \"", name.substr(0, 32),
                     "...\": longer than ", kMaxNameLength, " characters"));
  }
  return absl::InvalidArgumentError(
      absl::StrCat("invalid container name \"", name,
                   "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed"));
}

absl::Status ValidateVolumeName(absl::string_view name) {
  if (MatchesNameRule(name, 2)) return absl::OkStatus();
  if (name.size() > kMaxNameLength) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid volume name \"", name.substr(0, 32),
                     "...\": longer than ", kMaxNameLength, " characters"));
  }
  std::string msg =
      absl::StrCat("invalid volume name \"", name,
                   "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed, and at "
                   "least two characters");
  if (absl::StrContains(name, '/')) {
    absl::StrAppend(&msg,
                    "; to mount a host directory, give an absolute path "
                    "(a bind mount) instead of a volume name");
  }
  return absl::InvalidArgumentError(msg);
}

absl::StatusOr<std::string> RandomContainerName(int attempt) {
  constexpr uint32_t kNumAdjectives =
      sizeof(kAdjectives) / sizeof(kAdjectives[0]);
  constexpr uint32_t kNumSurnames = sizeof(kSurnames) / sizeof(kSurnames[0]);
  ASSIGN_OR_RETURN(uint32_t adjective, RandomBelow(kNumAdjectives));
  ASSIGN_OR_RETURN(uint32_t surname, RandomBelow(kNumSurnames));
  std::string name =
      absl::StrCat(kAdjectives[adjective], "_", kSurnames[surname]);
  if (attempt > 0) {
    ASSIGN_OR_RETURN(uint32_t digit, RandomBelow(10));
    absl::StrAppend(&name, digit);
  }
  return name;
}

}  // namespace crate::engine
