// crate-runtime and crate-shim never use the standard streams, yet every
// translation unit
// that includes <iostream> (absl/status/status.h does) runs
// std::ios_base::Init at start-up, which builds std::cout and friends and
// the classic locale's facets: about 1 MiB of libstdc++ made resident and
// ~0.1 ms, in binaries that run for (and beside) every container.
//
// With libstdc++ linked statically, these definitions take the place of
// libstdc++'s ios_init.o. Should anything come to need the rest of that
// object (ios_base::sync_with_stdio), the link fails with a duplicate
// symbol instead of silently using unconstructed streams, and
// :no_iostreams_test fails if the binary refers to std::cout, cerr, clog
// or cin. Code that builds a std::locale (ostringstream, ...) still works:
// the locale initialises itself on first use.
#include <ios>

namespace std {

ios_base::Init::Init() {}
ios_base::Init::~Init() {}

}  // namespace std
