// Manifests and configs as registries serve them, for the parser tests.
#ifndef CRATE_REGISTRY_IMAGE_TESTDATA_H_
#define CRATE_REGISTRY_IMAGE_TESTDATA_H_

namespace crate::registry::testdata {

// docker.io/library/alpine:3.19, as Docker Hub serves it (abridged to four
// platforms).
inline constexpr char kDockerManifestList[] = R"({
   "manifests": [
      {
         "digest": "sha256:6457d53fb065d6f250e1504b9bc42d5b6c65941d57532c072d929dd0628977d0",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "amd64",
            "os": "linux"
         },
         "size": 528
      },
      {
         "digest": "sha256:b229a851dc9d8b46a2f5e3c4bd1bbd53ac1ff4e7b0a0a2e7b7ae7dc6cde7a2b1",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "variant": "v6"
         },
         "size": 528
      },
      {
         "digest": "sha256:ec299a7ba3c670e38642b0b62a0c779d84b249a3c3e3e8bdbe8d3a0f2f1dd3a4",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm",
            "os": "linux",
            "variant": "v7"
         },
         "size": 528
      },
      {
         "digest": "sha256:a0264d60f80df12bc1e6dd98bae6c43debe6667c0ba482711f0d806493467a46",
         "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
         "platform": {
            "architecture": "arm64",
            "os": "linux",
            "variant": "v8"
         },
         "size": 528
      }
   ],
   "mediaType": "application/vnd.docker.distribution.manifest.list.v2+json",
   "schemaVersion": 2
})";

// An OCI index as BuildKit pushes it: one image per platform plus an
// attestation manifest for each ("unknown/unknown").
inline constexpr char kOciIndexWithAttestations[] = R"({
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.index.v1+json",
  "manifests": [
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:1111111111111111111111111111111111111111111111111111111111111111",
      "size": 1042,
      "platform": {"architecture": "arm64", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
      "size": 1042,
      "platform": {"architecture": "amd64", "os": "linux"}
    },
    {
      "mediaType": "application/vnd.oci.image.manifest.v1+json",
      "digest": "sha256:3333333333333333333333333333333333333333333333333333333333333333",
      "size": 566,
      "annotations": {
        "vnd.docker.reference.digest": "sha256:2222222222222222222222222222222222222222222222222222222222222222",
        "vnd.docker.reference.type": "attestation-manifest"
      },
      "platform": {"architecture": "unknown", "os": "unknown"}
    }
  ],
  "annotations": {"org.opencontainers.image.created": "2024-01-01T00:00:00Z"}
})";

// docker.io/library/busybox (amd64), Docker schema 2.
inline constexpr char kDockerSchema2[] = R"({
   "schemaVersion": 2,
   "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
   "config": {
      "mediaType": "application/vnd.docker.container.image.v1+json",
      "size": 1457,
      "digest": "sha256:a416a98b71e224a31ee99cff8e16063554498227d2b696152a9c3e0aa65e5824"
   },
   "layers": [
      {
         "mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip",
         "size": 2220094,
         "digest": "sha256:3f4d90098f5b5a6f6a76e9d217da85aa39b2081e30fa1f7d287138d6e7bf0ad7"
      }
   ]
})";

// An OCI image manifest (no mediaType field, as early OCI tools wrote it)
// with a zstd layer.
inline constexpr char kOciManifestNoMediaType[] = R"({
  "schemaVersion": 2,
  "config": {
    "mediaType": "application/vnd.oci.image.config.v1+json",
    "digest": "sha256:4444444444444444444444444444444444444444444444444444444444444444",
    "size": 700
  },
  "layers": [
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip",
      "digest": "sha256:5555555555555555555555555555555555555555555555555555555555555555",
      "size": 3408729
    },
    {
      "mediaType": "application/vnd.oci.image.layer.v1.tar+zstd",
      "digest": "sha256:6666666666666666666666666666666666666666666666666666666666666666",
      "size": 120
    }
  ],
  "annotations": {"org.opencontainers.image.base.name": "alpine:3.19"}
})";

// A schema 1 manifest, signed (abridged).
inline constexpr char kSchema1[] = R"({
   "schemaVersion": 1,
   "name": "library/hello-world",
   "tag": "latest",
   "architecture": "amd64",
   "fsLayers": [
      {"blobSum": "sha256:a3ed95caeb02ffe68cdd9fd84406680ae93d633cb16422d00e8a7c22955b46d4"}
   ],
   "history": [{"v1Compatibility": "{}"}],
   "signatures": []
})";

// docker.io/library/alpine:3.19 (amd64) config, as Docker Hub serves it.
inline constexpr char kAlpineConfig[] = R"({
  "architecture": "amd64",
  "config": {
    "Hostname": "",
    "Domainname": "",
    "User": "",
    "AttachStdin": false,
    "AttachStdout": false,
    "AttachStderr": false,
    "Tty": false,
    "OpenStdin": false,
    "StdinOnce": false,
    "Env": [
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    ],
    "Cmd": [
      "/bin/sh"
    ],
    "Image": "sha256:ef0f4c5a0f1a5b3e4e1f5c0d8f5d06b2a7bd5d4b8c4b3e6a6e0b7d6e0a7f1a2b",
    "Volumes": null,
    "WorkingDir": "",
    "Entrypoint": null,
    "OnBuild": null,
    "Labels": null
  },
  "container": "fc3c5b0fe5f8e1bcbe33e0b2cc0a5f3b7f4a5b9b5c0e3c6b3f2a0d6c3e9b2d1a",
  "created": "2024-01-27T00:30:48.743965523Z",
  "docker_version": "20.10.23",
  "history": [
    {
      "created": "2024-01-27T00:30:48.624602109Z",
      "created_by": "/bin/sh -c #(nop) ADD file:37a76ec18f9887751cd8473744917d08b7431fc4085097bb6a09d81b41775473 in / "
    },
    {
      "created": "2024-01-27T00:30:48.743965523Z",
      "created_by": "/bin/sh -c #(nop)  CMD [\"/bin/sh\"]",
      "empty_layer": true
    }
  ],
  "os": "linux",
  "rootfs": {
    "type": "layers",
    "diff_ids": [
      "sha256:d4fc045c9e3a848011de66f34b81f052d4f2c15a17bb196d637e526349601820"
    ]
  }
})";

// An OCI config with everything crate reads.
inline constexpr char kFullOciConfig[] = R"({
  "created": "2015-10-31T22:22:56.015925234Z",
  "author": "Alyssa P. Hacker <alyspdev@example.com>",
  "architecture": "arm64",
  "variant": "v8",
  "os": "linux",
  "config": {
    "User": "alice",
    "ExposedPorts": {"8080/tcp": {}, "53/udp": {}},
    "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
            "FOO=oci_is_a"],
    "Entrypoint": ["/bin/my-app-binary"],
    "Cmd": ["--foreground", "--config", "/etc/my-app.d/default.cfg"],
    "Volumes": {"/var/job-result-data": {}, "/var/log/my-app-logs": {}},
    "WorkingDir": "/home/alice",
    "Labels": {"com.example.project.git.url": "https://example.com/project.git"},
    "StopSignal": "SIGTERM"
  },
  "rootfs": {
    "diff_ids": [
      "sha256:c6f988f4874bb0add23a778f753c65efe992244e148a1d2ec2a8b664fb66bbd1",
      "sha256:5f70bf18a086007016e948b04aed3b82103a36bea41755b6cddfaf10ace3c6ef"
    ],
    "type": "layers"
  },
  "history": [
    {"created": "2015-10-31T22:22:54.690851953Z",
     "created_by": "/bin/sh -c #(nop) ADD file:a3bc1e842b69636f9df5256c49c5374fb4eef1e281fe3f282c65fb853ee171c5 in /"},
    {"created": "2015-10-31T22:22:55.613815829Z",
     "created_by": "/bin/sh -c #(nop) CMD [\"sh\"]",
     "empty_layer": true},
    {"created": "2015-10-31T22:22:56.329850019Z",
     "created_by": "/bin/sh -c apk add curl"}
  ]
})";

}  // namespace crate::registry::testdata

#endif  // CRATE_REGISTRY_IMAGE_TESTDATA_H_
