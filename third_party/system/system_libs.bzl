"""Wires Debian's system libraries into Bazel without downloading anything.

Each library becomes a cc_library in @system whose link flags come from
pkg-config, so the build follows whatever the installed packages say.
Headers live in /usr/include, which the C++ toolchain already searches.
"""

# name -> (pkg-config modules, extra link flags when pkg-config knows nothing)
_LIBS = {
    "absl": ([
        "absl_status",
        "absl_statusor",
        "absl_strings",
        "absl_str_format",
        "absl_flat_hash_map",
        "absl_flat_hash_set",
        "absl_synchronization",
        "absl_time",
        "absl_cleanup",
        "absl_span",
        "absl_optional",
    ], []),
    "archive": (["libarchive"], []),
    "curl": (["libcurl"], []),
    "seccomp": (["libseccomp"], []),
    "sqlite3": (["sqlite3"], []),
    "openssl": (["openssl"], []),
    "zstd": (["libzstd"], []),
    "protobuf": (["protobuf"], []),
    "grpc++": (["grpc++"], []),
    "grpc++_reflection": ([], ["-lgrpc++_reflection"]),
    "gtest": (["gtest"], []),
    "gmock": (["gmock"], []),
    "gtest_main": (["gtest_main"], []),
    "nlohmann_json": (["nlohmann_json"], []),
    "tomlplusplus": (["tomlplusplus"], []),
    "cli11": ([], []),
}

# Libraries linked statically into the binaries whose start-up time matters
# (crate-runtime, crate-shim): every shared object costs a mapping and
# relocations at each exec.
_STATIC = {
    "absl_static": ["absl"],
    "seccomp_static": ["seccomp"],
}

def _pkg_config(ctx, args):
    res = ctx.execute(["pkg-config"] + args)
    if res.return_code != 0:
        fail("pkg-config %s failed: %s\nInstall the Debian -dev package (see README.md)." %
             (" ".join(args), res.stderr))
    return [f for f in res.stdout.strip().split(" ") if f]

def _link_flags(ctx, modules, extra):
    flags = []
    if modules:
        flags = _pkg_config(ctx, ["--libs"] + modules)
    return flags + extra

def _static_flags(flags):
    out = []
    for f in flags:
        if f.startswith("-l") and (f.startswith("-labsl_") or f == "-lseccomp"):
            out.append("-l:lib%s.a" % f[2:])
        else:
            out.append(f)
    return out

# gRPC, protobuf and everything under them as archives, for the binaries
# that start often (the crate CLI, crated): about 60 shared objects cost
# a third of their start-up in the dynamic loader's symbol lookups. In one
# group, since the archives refer to each other in every direction. libc's
# own libraries stay shared, and so do OpenSSL and zlib, which libcurl and
# libarchive load anyway: one copy of each in the process.
_SHARED_ALWAYS = ["-ldl", "-lrt", "-lm", "-lpthread", "-latomic", "-lssl",
                  "-lcrypto", "-lz"]

def _static_grpc_flags(ctx):
    flags = _pkg_config(ctx, ["--static", "--libs", "grpc++", "protobuf"])
    archives = []
    shared = []
    for f in flags:
        if not f.startswith("-l") or f in _SHARED_ALWAYS:
            if f.startswith("-l") and f not in shared:
                shared.append(f)
            continue
        a = "-l:lib%s.a" % f[2:]
        if a not in archives:
            archives.append(a)
    for extra in ["grpc++_reflection"]:
        archives.insert(0, "-l:lib%s.a" % extra)
    return ["-Wl,--as-needed", "-Wl,--start-group"] + archives + \
           ["-Wl,--end-group"] + shared

def _quote(items):
    return "[" + ", ".join(['"%s"' % i for i in items]) + "]"

def _system_libs_impl(ctx):
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    flags_of = {}
    for name, spec in _LIBS.items():
        modules, extra = spec
        flags = _link_flags(ctx, modules, extra)
        flags_of[name] = flags
        build.append("cc_library(\n    name = \"%s\",\n    linkopts = %s,\n)\n" %
                     (name, _quote(flags)))
    # Headers only: libraries depend on this and leave the choice of shared
    # or static abseil to the binary that links them (see //third_party:defs.bzl).
    build.append("cc_library(\n    name = \"absl_headers\",\n)\n")
    build.append("cc_library(\n    name = \"seccomp_headers\",\n)\n")
    for name, bases in _STATIC.items():
        flags = []
        for b in bases:
            flags += _static_flags(flags_of[b])
        build.append("cc_library(\n    name = \"%s\",\n    linkopts = %s,\n)\n" %
                     (name, _quote(flags)))
    ctx.file("WORKSPACE", "workspace(name = \"%s\")\n" % ctx.name)
    ctx.file("BUILD.bazel", "\n".join(build))
    ctx.file("static_grpc.bzl", "STATIC_GRPC_LINKOPTS = %s\n" %
             _quote(_static_grpc_flags(ctx)))

system_libs = repository_rule(
    implementation = _system_libs_impl,
    local = True,
    environ = ["PKG_CONFIG_PATH"],
)
