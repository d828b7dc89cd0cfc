// crate's release version and the OCI runtime-spec version it implements.
#ifndef CRATE_RUNTIME_BASE_VERSION_H_
#define CRATE_RUNTIME_BASE_VERSION_H_

namespace crate {

inline constexpr char kCrateVersion[] = "0.1.0";
inline constexpr char kOciRuntimeSpecVersion[] = "1.1.0";

}  // namespace crate

#endif  // CRATE_RUNTIME_BASE_VERSION_H_
