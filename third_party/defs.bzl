"""Build macros shared by the whole tree.

Libraries depend on @system//:absl_headers and @system//:seccomp_headers
only; the binary decides how abseil and libseccomp are linked. Tests and gRPC
binaries link the shared abseil that gRPC itself uses (one copy in the
process); crate-runtime and crate-shim link both statically to keep exec
cheap.
"""

load("@system//:static_grpc.bzl", "STATIC_GRPC_LINKOPTS")

def crate_cc_test(name, deps = [], linkopts = [], **kwargs):
    native.cc_test(
        name = name,
        deps = deps + [
            "@system//:gmock",
            "@system//:gtest_main",
            "@system//:absl",
            "@system//:seccomp",
        ],
        linkopts = linkopts,
        **kwargs
    )

def crate_cc_binary(name, deps = [], static_absl = False, static_runtime = False,
                    static_grpc = False, linkopts = [], **kwargs):
    """A binary; static_absl also links libseccomp statically.

    static_grpc links gRPC, protobuf, abseil, OpenSSL and the rest under
    them from their archives, ahead of the shared libraries the
    dependencies name, which --as-needed then leaves out.

    static_runtime links libstdc++ and libgcc statically too, leaving libc as
    the only shared object the dynamic loader maps at exec.
    """
    extra = []
    if static_absl:
        extra = ["@system//:absl_static", "@system//:seccomp_static"]
    else:
        extra = ["@system//:absl", "@system//:seccomp"]
    opts = list(linkopts)
    if static_grpc:
        opts = STATIC_GRPC_LINKOPTS + opts
    if static_runtime:
        # The toolchain names -lstdc++ itself, which -static-libstdc++ does
        # not affect: the archive must come after every library that needs
        # it (hence a last dependency), and --as-needed then drops the
        # shared libstdc++ that nothing refers to any more.
        native.cc_library(
            name = name + "_static_runtime",
            linkopts = ["-l:libstdc++.a"],
        )
        extra = extra + [":" + name + "_static_runtime"]
        opts += ["-static-libgcc", "-Wl,--as-needed"]
    native.cc_binary(
        name = name,
        deps = deps + extra,
        linkopts = opts,
        **kwargs
    )

def cc_grpc_library(name, srcs, deps = [], grpc = True, **kwargs):
    """C++ Protobuf (+ gRPC) code from .proto files, by protoc in a genrule.

    srcs are .proto files in this package; imports are resolved from the
    workspace root, so `import "api/proto/crate/v1/x.proto";` works, and from
    /usr/include for the well-known types.
    """
    pkg = native.package_name()
    outs = []
    for src in srcs:
        base = src[:-len(".proto")]
        outs += [base + ".pb.h", base + ".pb.cc"]
        if grpc:
            outs += [base + ".grpc.pb.h", base + ".grpc.pb.cc"]
    out_root = "$(GENDIR)"
    cmd = "protoc -I. -I/usr/include --cpp_out=%s" % out_root
    if grpc:
        cmd += " --grpc_out=%s --plugin=protoc-gen-grpc=$$(command -v grpc_cpp_plugin)" % out_root
    cmd += " " + " ".join(["%s/%s" % (pkg, s) if pkg else s for s in srcs])
    native.genrule(
        name = name + "_gen",
        srcs = srcs,
        outs = outs,
        cmd = cmd,
    )
    native.cc_library(
        name = name,
        srcs = [o for o in outs if o.endswith(".cc")],
        hdrs = [o for o in outs if o.endswith(".h")],
        deps = deps + ["@system//:protobuf"] + (["@system//:grpc++"] if grpc else []),
        **kwargs
    )
