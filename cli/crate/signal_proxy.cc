#include "cli/crate/signal_proxy.h"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <mutex>
#include <thread>

#include "cli/crate/terminal.h"

namespace crate::cli {
namespace {

constexpr int kProxied[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};

std::mutex& Mu() {
  static auto* mu = new std::mutex;
  return *mu;
}
std::function<void(int)>& Forward() {
  static auto* forward = new std::function<void(int)>;
  return *forward;
}
std::function<void()>& WindowChanged() {
  static auto* changed = new std::function<void()>;
  return *changed;
}

sigset_t ProxiedSet() {
  sigset_t set;
  sigemptyset(&set);
  for (int s : kProxied) sigaddset(&set, s);
  sigaddset(&set, SIGWINCH);
  return set;
}

// What the signal would have done: the default action, taken in this
// thread (the only one that may receive it).
[[noreturn]] void DieBy(int sig) {
  RestoreTerminalNow();
  std::fflush(stdout);
  signal(sig, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, sig);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  raise(sig);
  _exit(128 + sig);  // for a signal whose default is to be ignored
}

void Receive() {
  sigset_t set = ProxiedSet();
  int interrupts = 0;
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0) continue;
    if (sig == SIGWINCH) {
      std::function<void()> changed;
      {
        std::lock_guard<std::mutex> lock(Mu());
        changed = WindowChanged();
      }
      if (changed) changed();
      continue;
    }
    std::function<void(int)> forward;
    {
      std::lock_guard<std::mutex> lock(Mu());
      forward = Forward();
    }
    if (!forward) DieBy(sig);
    if (sig == SIGINT && ++interrupts >= 3) {
      std::fprintf(stderr, "got 3 SIGINT, exiting and leaving the container\n");
      DieBy(sig);
    }
    forward(sig);
  }
}

}  // namespace

void InstallSignalProxy() {
  sigset_t set = ProxiedSet();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  std::thread(Receive).detach();
}

SignalForwarding::SignalForwarding(std::function<void(int)> forward) {
  std::lock_guard<std::mutex> lock(Mu());
  Forward() = std::move(forward);
}

SignalForwarding::~SignalForwarding() {
  std::lock_guard<std::mutex> lock(Mu());
  Forward() = nullptr;
}

WindowChanges::WindowChanges(std::function<void()> changed) {
  std::lock_guard<std::mutex> lock(Mu());
  WindowChanged() = std::move(changed);
}

WindowChanges::~WindowChanges() {
  std::lock_guard<std::mutex> lock(Mu());
  WindowChanged() = nullptr;
}

}  // namespace crate::cli
