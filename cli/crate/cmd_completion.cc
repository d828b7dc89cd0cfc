// completion bash: a completion script made from the command tree itself,
// so that it always knows every command and flag of this build.
#include <cstdio>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "cli/crate/commands.h"

namespace crate::cli {
namespace {

// Which names complete a command's arguments.
const char* ArgumentKind(const std::string& path) {
  static const std::set<std::string> kContainers = {"start",
                                                    "stop",
                                                    "kill",
                                                    "rm",
                                                    "logs",
                                                    "wait",
                                                    "container start",
                                                    "container stop",
                                                    "container kill",
                                                    "container rm",
                                                    "container logs",
                                                    "container wait",
                                                    "container inspect"};
  static const std::set<std::string> kImages = {
      "run",        "create",   "pull",          "rmi",
      "tag",        "images",   "container run", "container create",
      "image pull", "image rm", "image tag",     "image inspect",
      "image ls"};
  if (kContainers.count(path)) return "containers";
  if (kImages.count(path)) return "images";
  if (path == "inspect") return "both";
  return "files";
}

std::string Flags(const CLI::App* app) {
  std::vector<std::string> flags;
  for (const CLI::Option* o : app->get_options()) {
    for (const std::string& s : o->get_snames()) flags.push_back("-" + s);
    for (const std::string& l : o->get_lnames()) flags.push_back("--" + l);
  }
  return absl::StrJoin(flags, " ");
}

std::string Names(const CLI::App* app) {
  std::vector<std::string> names;
  for (const CLI::App* sub : app->get_subcommands({})) {
    names.push_back(sub->get_name());
    for (const std::string& a : sub->get_aliases()) names.push_back(a);
  }
  return absl::StrJoin(names, " ");
}

void Cases(const CLI::App* app, const std::string& prefix, std::string* out) {
  for (const CLI::App* sub : app->get_subcommands({})) {
    if (sub->get_name() == "completion") continue;
    std::string path = prefix.empty()
                           ? sub->get_name()
                           : absl::StrCat(prefix, " ", sub->get_name());
    std::vector<std::string> labels = {absl::StrCat("\"", path, "\"")};
    for (const std::string& a : sub->get_aliases()) {
      labels.push_back(
          absl::StrCat("\"", prefix.empty() ? a : prefix + " " + a, "\""));
    }
    if (!sub->get_subcommands({}).empty()) {
      absl::StrAppend(out, "    ", absl::StrJoin(labels, "|"), ") subs=\"",
                      Names(sub), "\"; flags=\"", Flags(sub), "\" ;;\n");
      Cases(sub, path, out);
    } else {
      absl::StrAppend(out, "    ", absl::StrJoin(labels, "|"), ") flags=\"",
                      Flags(sub), "\"; kind=", ArgumentKind(path), " ;;\n");
    }
  }
}

std::string BashScript(const CLI::App* root) {
  std::string cases;
  Cases(root, "", &cases);
  return absl::StrCat(R"sh(# bash completion for crate: source it, or put it in
# /usr/share/bash-completion/completions/crate.
_crate() {
  local cur="${COMP_WORDS[COMP_CWORD]}" path="" i w
  for ((i = 1; i < COMP_CWORD; i++)); do
    w="${COMP_WORDS[i]}"
    case "$w" in -*) continue ;; esac
    case "$path" in "" | image | container | system) path="${path:+$path }$w" ;; esac
  done
  local subs="" flags="" kind=""
  case "$path" in
    "") subs=")sh",
                      Names(root), R"sh("; flags=")sh", Flags(root), R"sh(" ;;
)sh",
                      cases, R"sh(  esac
  if [[ "$cur" == -* ]]; then
    COMPREPLY=($(compgen -W "$flags" -- "$cur"))
  elif [ -n "$subs" ]; then
    COMPREPLY=($(compgen -W "$subs" -- "$cur"))
  else
    case "$kind" in
      containers) COMPREPLY=($(compgen -W "$(crate ps -a --format '{{.Names}}' 2>/dev/null)" -- "$cur")) ;;
      images) COMPREPLY=($(compgen -W "$(crate images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>')" -- "$cur")) ;;
      both) COMPREPLY=($(compgen -W "$(crate ps -a --format '{{.Names}}' 2>/dev/null) $(crate images --format '{{.Repository}}:{{.Tag}}' 2>/dev/null | grep -v '<none>')" -- "$cur")) ;;
      *) COMPREPLY=($(compgen -f -- "$cur")) ;;
    esac
  fi
}
complete -F _crate crate
)sh");
}

}  // namespace

void AddCompletionCommand(const CommandGroups& g, Context& ctx) {
  CLI::App* completion = g.root->add_subcommand(
      "completion",
      "Generate the autocompletion script for the specified shell");
  completion->group(kCommandsGroup);
  completion->require_subcommand(1);
  CLI::App* bash = completion->add_subcommand(
      "bash", "Generate the autocompletion script for bash");
  CLI::App* root = g.root;
  OnRun(bash, ctx, [root] {
    std::string script = BashScript(root);
    std::fwrite(script.data(), 1, script.size(), stdout);
    return 0;
  });
}

}  // namespace crate::cli
