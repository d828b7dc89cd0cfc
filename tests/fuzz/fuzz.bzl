"""Fuzz targets: one LLVMFuzzerTestOneInput per parser, built two ways.

crate_fuzz_target(name, srcs, deps, corpus) makes
  * NAME: a libFuzzer binary, built only with --config=fuzz (clang,
    ASan, UBSan); tests/fuzz/run.sh SECONDS runs each;
  * NAME_regression_test: the same function under the normal toolchain,
    driven by regression_main.cc over the checked-in corpus and seeded
    mutations of it, so every `bazel test //...` (and CI) replays it.
"""

def crate_fuzz_target(name, srcs, deps = [], corpus = None):
    corpus = corpus or ("corpus/" + name)
    native.cc_library(
        name = name + "_lib",
        testonly = True,
        srcs = srcs,
        deps = deps + ["@system//:absl_headers"],
        alwayslink = True,
    )
    native.cc_test(
        name = name + "_regression_test",
        size = "small",
        deps = [
            ":" + name + "_lib",
            ":regression_main",
            "@system//:absl",
        ],
        data = native.glob([corpus + "/**"]),
        args = [native.package_name() + "/" + corpus],
    )
    native.cc_binary(
        name = name,
        testonly = True,
        deps = [":" + name + "_lib", "@system//:absl"],
        linkopts = ["-fsanitize=fuzzer"],
        tags = ["manual"],
    )
