#include "runtime/cgroups/systemd/sd_bus.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace crate {
namespace cgroups {
namespace systemd {

// sd-bus's ABI is stable (libsystemd.so.0 since systemd 209); the few
// declarations needed are written here so no -dev package is needed.
extern "C" {
struct sd_bus;
struct sd_bus_message;
struct sd_bus_slot;
struct sd_bus_error {
  const char* name;
  const char* message;
  int need_free;
};
typedef int (*sd_bus_message_handler_t)(sd_bus_message* m, void* userdata,
                                        sd_bus_error* ret_error);
}

struct Bus::Api {
  int (*open_system)(sd_bus**);
  int (*open_user)(sd_bus**);
  int (*bus_new)(sd_bus**);
  int (*set_address)(sd_bus*, const char*);
  int (*start)(sd_bus*);
  sd_bus* (*flush_close_unref)(sd_bus*);
  int (*new_method_call)(sd_bus*, sd_bus_message**, const char*, const char*,
                         const char*, const char*);
  int (*append)(sd_bus_message*, const char*, ...);
  int (*append_array)(sd_bus_message*, char, const void*, size_t);
  int (*open_container)(sd_bus_message*, char, const char*);
  int (*close_container)(sd_bus_message*);
  int (*call)(sd_bus*, sd_bus_message*, uint64_t, sd_bus_error*,
              sd_bus_message**);
  int (*read)(sd_bus_message*, const char*, ...);
  sd_bus_message* (*message_unref)(sd_bus_message*);
  void (*error_free)(sd_bus_error*);
  int (*match_signal)(sd_bus*, sd_bus_slot**, const char*, const char*,
                      const char*, const char*, sd_bus_message_handler_t,
                      void*);
  sd_bus_slot* (*slot_unref)(sd_bus_slot*);
  int (*process)(sd_bus*, sd_bus_message**);
  int (*wait)(sd_bus*, uint64_t);
  int (*get_property_string)(sd_bus*, const char*, const char*, const char*,
                             const char*, sd_bus_error*, char**);
};

namespace {

constexpr char kLibrary[] = "libsystemd.so.0";
constexpr char kDest[] = "org.freedesktop.systemd1";
constexpr char kPath[] = "/org/freedesktop/systemd1";
constexpr char kManager[] = "org.freedesktop.systemd1.Manager";

template <typename F>
bool Load(void* lib, const char* name, F* out) {
  *out = reinterpret_cast<F>(dlsym(lib, name));
  return *out != nullptr;
}

absl::StatusOr<const Bus::Api*> LoadApi() {
  static Bus::Api api;
  static std::string error;
  static bool loaded = [] {
    void* lib = dlopen(kLibrary, RTLD_NOW | RTLD_LOCAL);
    if (lib == nullptr) {
      const char* e = dlerror();
      error = absl::StrCat("load ", kLibrary, ": ", e ? e : "unknown error",
                           " (package libsystemd0)");
      return false;
    }
    const char* missing = nullptr;
#define CRATE_SD_LOAD(field, symbol) \
  if (missing == nullptr && !Load(lib, symbol, &api.field)) missing = symbol
    CRATE_SD_LOAD(open_system, "sd_bus_open_system");
    CRATE_SD_LOAD(open_user, "sd_bus_open_user");
    CRATE_SD_LOAD(bus_new, "sd_bus_new");
    CRATE_SD_LOAD(set_address, "sd_bus_set_address");
    CRATE_SD_LOAD(start, "sd_bus_start");
    CRATE_SD_LOAD(flush_close_unref, "sd_bus_flush_close_unref");
    CRATE_SD_LOAD(new_method_call, "sd_bus_message_new_method_call");
    CRATE_SD_LOAD(append, "sd_bus_message_append");
    CRATE_SD_LOAD(append_array, "sd_bus_message_append_array");
    CRATE_SD_LOAD(open_container, "sd_bus_message_open_container");
    CRATE_SD_LOAD(close_container, "sd_bus_message_close_container");
    CRATE_SD_LOAD(call, "sd_bus_call");
    CRATE_SD_LOAD(read, "sd_bus_message_read");
    CRATE_SD_LOAD(message_unref, "sd_bus_message_unref");
    CRATE_SD_LOAD(error_free, "sd_bus_error_free");
    CRATE_SD_LOAD(match_signal, "sd_bus_match_signal");
    CRATE_SD_LOAD(slot_unref, "sd_bus_slot_unref");
    CRATE_SD_LOAD(process, "sd_bus_process");
    CRATE_SD_LOAD(wait, "sd_bus_wait");
    CRATE_SD_LOAD(get_property_string, "sd_bus_get_property_string");
#undef CRATE_SD_LOAD
    if (missing != nullptr) {
      error = absl::StrCat(kLibrary, " has no ", missing,
                           " (systemd older than 237?)");
      return false;
    }
    return true;
  }();
  if (!loaded) return absl::FailedPreconditionError(error);
  return &api;
}

std::string ErrnoText(int negative) { return strerror(-negative); }

bool IsSocket(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

// The D-Bus error as systemd's name and message, or errno.
std::string BusErrorText(const sd_bus_error& e, int r) {
  if (e.name != nullptr) {
    return absl::StrCat(e.name, ": ", e.message ? e.message : "");
  }
  return ErrnoText(r);
}

class Message {
 public:
  Message(const Bus::Api* api, sd_bus_message* m) : api_(api), m_(m) {}
  ~Message() {
    if (m_ != nullptr) api_->message_unref(m_);
  }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  sd_bus_message* get() const { return m_; }
  sd_bus_message** out() { return &m_; }

 private:
  const Bus::Api* api_;
  sd_bus_message* m_;
};

class Error {
 public:
  explicit Error(const Bus::Api* api) : api_(api) {}
  ~Error() { api_->error_free(&e_); }
  sd_bus_error* get() { return &e_; }
  const sd_bus_error& ref() const { return e_; }

 private:
  const Bus::Api* api_;
  sd_bus_error e_ = {nullptr, nullptr, 0};
};

int AppendValue(const Bus::Api* a, sd_bus_message* m, const Value& v) {
  int r = 0;
  switch (v.type) {
    case Value::Type::kString:
      return a->append(m, "s", v.s.c_str());
    case Value::Type::kBool:
      return a->append(m, "b", int(v.b));
    case Value::Type::kUint64:
      return a->append(m, "t", v.t);
    case Value::Type::kInt64:
      return a->append(m, "x", v.x);
    case Value::Type::kUint32:
      return a->append(m, "u", uint32_t(v.t));
    case Value::Type::kInt32:
      return a->append(m, "i", int32_t(v.x));
    case Value::Type::kUint32Array:
      return a->append_array(m, 'u', v.au.data(),
                             v.au.size() * sizeof(uint32_t));
    case Value::Type::kBytes:
      return a->append_array(m, 'y', v.ay.data(), v.ay.size());
    case Value::Type::kStringPairs:
      if ((r = a->open_container(m, 'a', "(ss)")) < 0) return r;
      for (const auto& [k, val] : v.pairs) {
        if ((r = a->append(m, "(ss)", k.c_str(), val.c_str())) < 0) return r;
      }
      return a->close_container(m);
  }
  return -EINVAL;
}

absl::Status AppendProperties(const Bus::Api* a, sd_bus_message* m,
                              const std::vector<Property>& ps) {
  int r = a->open_container(m, 'a', "(sv)");
  for (const Property& p : ps) {
    if (r >= 0) r = a->open_container(m, 'r', "sv");
    if (r >= 0) r = a->append(m, "s", p.name.c_str());
    if (r >= 0) r = a->open_container(m, 'v', p.value.Signature());
    if (r >= 0) r = AppendValue(a, m, p.value);
    if (r >= 0) r = a->close_container(m);
    if (r >= 0) r = a->close_container(m);
    if (r < 0) {
      return absl::InternalError(absl::StrCat(
          "D-Bus message: property ", PropertyToString(p), ": ", ErrnoText(r)));
    }
  }
  if (r >= 0) r = a->close_container(m);
  if (r < 0) {
    return absl::InternalError(
        absl::StrCat("D-Bus message: properties: ", ErrnoText(r)));
  }
  return absl::OkStatus();
}

struct JobWait {
  std::string path;  // Set once the call returned the job.
  bool done = false;
  std::string unit;
  std::string result;
};

int OnJobRemoved(sd_bus_message* m, void* userdata, sd_bus_error*) {
  JobWait* w = static_cast<JobWait*>(userdata);
  const Bus::Api* api = LoadApi().value();
  uint32_t id;
  const char *path, *unit, *result;
  if (api->read(m, "uoss", &id, &path, &unit, &result) < 0) return 0;
  if (!w->path.empty() && w->path == path) {
    w->done = true;
    w->unit = unit;
    w->result = result;
  }
  return 0;
}

uint64_t Usec(absl::Duration d) {
  return d <= absl::ZeroDuration() ? 0 : uint64_t(absl::ToInt64Microseconds(d));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Bus>> Bus::Open(bool user) {
  absl::StatusOr<const Api*> api = LoadApi();
  if (!api.ok()) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--systemd-cgroup: cannot talk to systemd: ", api.status().message()));
  }
  const Api* a = *api;
  std::string address;
  std::string fallback;
  if (user) {
    const char* env = getenv("DBUS_SESSION_BUS_ADDRESS");
    const char* xdg = getenv("XDG_RUNTIME_DIR");
    if (env != nullptr && *env != '\0') {
      address = env;
    } else if (xdg != nullptr && *xdg != '\0') {
      address = absl::StrCat("unix:path=", xdg, "/bus");
    } else {
      return absl::FailedPreconditionError(
          "--systemd-cgroup without root needs the user's systemd "
          "instance, and neither DBUS_SESSION_BUS_ADDRESS nor "
          "XDG_RUNTIME_DIR is set");
    }
    if (xdg != nullptr && *xdg != '\0') {
      fallback = absl::StrCat(xdg, "/systemd/private");
    }
  } else {
    const char* env = getenv("DBUS_SYSTEM_BUS_ADDRESS");
    address = env != nullptr && *env != '\0'
                  ? env
                  : "unix:path=/run/dbus/system_bus_socket";
    if (geteuid() == 0) fallback = "/run/systemd/private";
  }
  sd_bus* bus = nullptr;
  int r = user ? a->open_user(&bus) : a->open_system(&bus);
  if (r >= 0) {
    return std::unique_ptr<Bus>(new Bus(a, bus, user, address));
  }
  // No bus daemon: systemd's own socket speaks the same protocol, peer to
  // peer (systemctl uses it as root).
  if (!fallback.empty() && IsSocket(fallback)) {
    sd_bus* direct = nullptr;
    std::string addr = absl::StrCat("unix:path=", fallback);
    int d = a->bus_new(&direct);
    if (d >= 0) d = a->set_address(direct, addr.c_str());
    if (d >= 0) d = a->start(direct);
    if (d >= 0) return std::unique_ptr<Bus>(new Bus(a, direct, user, addr));
    if (direct != nullptr) a->flush_close_unref(direct);
  }
  std::string why = ErrnoText(r);
  if (!user && !IsSocket("/run/systemd/private")) {
    absl::StrAppend(&why, "; systemd is not running as PID 1 here (",
                    "/run/systemd/private is missing)");
  }
  return absl::FailedPreconditionError(absl::StrCat(
      "--systemd-cgroup: cannot reach ", user ? "the user's" : "the system's",
      " systemd: connect to ", address, ": ", why));
}

Bus::~Bus() {
  if (bus_ != nullptr) api_->flush_close_unref(static_cast<sd_bus*>(bus_));
}

absl::StatusOr<int> Bus::Version() {
  Error e(api_);
  char* s = nullptr;
  int r = api_->get_property_string(static_cast<sd_bus*>(bus_), kDest, kPath,
                                    kManager, "Version", e.get(), &s);
  if (r < 0) {
    return absl::UnavailableError(
        absl::StrCat("systemd Manager.Version: ", BusErrorText(e.ref(), r)));
  }
  std::string v = s;
  free(s);
  absl::string_view digits = v;
  while (!digits.empty() && !absl::ascii_isdigit(digits.front())) {
    digits.remove_prefix(1);
  }
  size_t n = 0;
  while (n < digits.size() && absl::ascii_isdigit(digits[n])) ++n;
  int version = 0;
  if (!absl::SimpleAtoi(digits.substr(0, n), &version)) {
    return absl::DataLossError(
        absl::StrCat("systemd Manager.Version: cannot read \"", v, "\""));
  }
  return version;
}

absl::StatusOr<std::string> Bus::ControlGroup() {
  Error e(api_);
  char* s = nullptr;
  int r = api_->get_property_string(static_cast<sd_bus*>(bus_), kDest, kPath,
                                    kManager, "ControlGroup", e.get(), &s);
  if (r < 0) {
    return absl::UnavailableError(absl::StrCat("systemd Manager.ControlGroup: ",
                                               BusErrorText(e.ref(), r)));
  }
  std::string v = s;
  free(s);
  return v;
}

absl::Status Bus::CallJob(const char* method, const std::string& unit,
                          const std::vector<Property>* properties,
                          absl::Duration timeout) {
  sd_bus* bus = static_cast<sd_bus*>(bus_);
  JobWait wait;
  sd_bus_slot* slot = nullptr;
  // On a direct connection messages carry no sender to match.
  const bool direct = address_.find("/systemd/private") != std::string::npos;
  int r = api_->match_signal(bus, &slot, direct ? nullptr : kDest, kPath,
                             kManager, "JobRemoved", OnJobRemoved, &wait);
  if (r < 0) {
    return absl::InternalError(
        absl::StrCat("D-Bus match JobRemoved: ", ErrnoText(r)));
  }
  struct SlotGuard {
    const Api* api;
    sd_bus_slot* slot;
    ~SlotGuard() { api->slot_unref(slot); }
  } guard{api_, slot};

  Message m(api_, nullptr);
  r = api_->new_method_call(bus, m.out(), kDest, kPath, kManager, method);
  if (r >= 0) r = api_->append(m.get(), "ss", unit.c_str(), "replace");
  if (r < 0) {
    return absl::InternalError(
        absl::StrCat("D-Bus message ", method, ": ", ErrnoText(r)));
  }
  if (properties != nullptr) {
    absl::Status s = AppendProperties(api_, m.get(), *properties);
    if (!s.ok()) return s;
    // No auxiliary units.
    r = api_->open_container(m.get(), 'a', "(sa(sv))");
    if (r >= 0) r = api_->close_container(m.get());
    if (r < 0) {
      return absl::InternalError(
          absl::StrCat("D-Bus message ", method, ": ", ErrnoText(r)));
    }
  }
  Error e(api_);
  Message reply(api_, nullptr);
  r = api_->call(bus, m.get(), Usec(timeout), e.get(), reply.out());
  if (r < 0) {
    absl::Status s = absl::UnavailableError(absl::StrCat(
        "systemd ", method, " ", unit, ": ", BusErrorText(e.ref(), r)));
    if (e.ref().name != nullptr) {
      absl::string_view name = e.ref().name;
      if (name == "org.freedesktop.systemd1.UnitExists") {
        return absl::AlreadyExistsError(s.message());
      }
      if (name == "org.freedesktop.systemd1.NoSuchUnit") {
        return absl::NotFoundError(s.message());
      }
    }
    return s;
  }
  const char* job = nullptr;
  r = api_->read(reply.get(), "o", &job);
  if (r < 0) {
    return absl::DataLossError(
        absl::StrCat("systemd ", method, " ", unit, ": reply: ", ErrnoText(r)));
  }
  wait.path = job;
  absl::Time deadline = absl::Now() + timeout;
  while (!wait.done) {
    r = api_->process(bus, nullptr);
    if (r < 0) {
      return absl::UnavailableError(
          absl::StrCat("systemd ", method, " ", unit, ": waiting for job ",
                       wait.path, ": ", ErrnoText(r)));
    }
    if (r > 0) continue;
    absl::Duration left = deadline - absl::Now();
    if (left <= absl::ZeroDuration()) {
      return absl::DeadlineExceededError(
          absl::StrCat("systemd ", method, " ", unit, ": job ", wait.path,
                       " not finished after ", absl::FormatDuration(timeout)));
    }
    r = api_->wait(bus, Usec(left));
    if (r < 0) {
      return absl::UnavailableError(
          absl::StrCat("systemd ", method, " ", unit, ": waiting for job ",
                       wait.path, ": ", ErrnoText(r)));
    }
  }
  if (wait.result != "done") {
    return absl::AbortedError(absl::StrCat("systemd ", method, " ", unit,
                                           ": job ", wait.path, " ended \"",
                                           wait.result, "\""));
  }
  return absl::OkStatus();
}

absl::Status Bus::StartTransientUnit(const std::string& unit,
                                     const std::vector<Property>& properties,
                                     absl::Duration timeout) {
  absl::Status s = CallJob("StartTransientUnit", unit, &properties, timeout);
  if (s.code() == absl::StatusCode::kAlreadyExists) {
    // A failed unit of the same name that systemd still keeps: runc resets
    // it and tries once more.
    if (ResetFailedUnit(unit).ok()) {
      s = CallJob("StartTransientUnit", unit, &properties, timeout);
    }
  } else if (s.code() == absl::StatusCode::kAborted) {
    ResetFailedUnit(unit).IgnoreError();
  }
  return s;
}

absl::Status Bus::SetUnitProperties(const std::string& unit,
                                    const std::vector<Property>& properties) {
  sd_bus* bus = static_cast<sd_bus*>(bus_);
  Message m(api_, nullptr);
  int r = api_->new_method_call(bus, m.out(), kDest, kPath, kManager,
                                "SetUnitProperties");
  if (r >= 0) r = api_->append(m.get(), "sb", unit.c_str(), 1);
  if (r < 0) {
    return absl::InternalError(
        absl::StrCat("D-Bus message SetUnitProperties: ", ErrnoText(r)));
  }
  absl::Status s = AppendProperties(api_, m.get(), properties);
  if (!s.ok()) return s;
  Error e(api_);
  Message reply(api_, nullptr);
  r = api_->call(bus, m.get(), 0, e.get(), reply.out());
  if (r < 0) {
    return absl::UnavailableError(absl::StrCat(
        "systemd SetUnitProperties ", unit, ": ", BusErrorText(e.ref(), r)));
  }
  return absl::OkStatus();
}

absl::Status Bus::StopUnit(const std::string& unit, absl::Duration timeout) {
  absl::Status s = CallJob("StopUnit", unit, nullptr, timeout);
  if (s.code() == absl::StatusCode::kNotFound) s = absl::OkStatus();
  // A stop job "canceled" or "failed" still leaves the unit going away;
  // what matters is that reset-failed lets systemd drop it.
  if (s.code() == absl::StatusCode::kAborted) s = absl::OkStatus();
  absl::Status reset = ResetFailedUnit(unit);
  if (s.ok() && reset.code() != absl::StatusCode::kNotFound) s = reset;
  return s;
}

absl::Status Bus::ResetFailedUnit(const std::string& unit) {
  sd_bus* bus = static_cast<sd_bus*>(bus_);
  Message m(api_, nullptr);
  int r = api_->new_method_call(bus, m.out(), kDest, kPath, kManager,
                                "ResetFailedUnit");
  if (r >= 0) r = api_->append(m.get(), "s", unit.c_str());
  if (r < 0) {
    return absl::InternalError(
        absl::StrCat("D-Bus message ResetFailedUnit: ", ErrnoText(r)));
  }
  Error e(api_);
  Message reply(api_, nullptr);
  r = api_->call(bus, m.get(), 0, e.get(), reply.out());
  if (r < 0) {
    absl::Status s = absl::UnavailableError(absl::StrCat(
        "systemd ResetFailedUnit ", unit, ": ", BusErrorText(e.ref(), r)));
    if (e.ref().name != nullptr && absl::string_view(e.ref().name) ==
                                       "org.freedesktop.systemd1.NoSuchUnit") {
      return absl::NotFoundError(s.message());
    }
    return s;
  }
  return absl::OkStatus();
}

}  // namespace systemd
}  // namespace cgroups
}  // namespace crate
