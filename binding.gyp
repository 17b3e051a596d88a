{
  "targets": [
    {
      "target_name": "vshim",
      "sources": [
        "shim/vshim.cc",
        "shim/kvm.cc",
        "shim/disk.cc",
        "shim/tap.cc",
        "shim/vhost.cc"
      ],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")"
      ],
      "dependencies": [
        "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra"
      ],
      "defines": [
        "NAPI_VERSION=8"
      ]
    },
    {
      "target_name": "virtkit-lxc-supervisor",
      "type": "executable",
      "sources": [
        "shim/lxc-supervisor.cc",
        "shim/container-net.cc"
      ],
      "cflags_cc": [
        "-std=c++17",
        "-O2",
        "-Wall",
        "-Wextra",
        "-fno-exceptions"
      ],
      "cflags_cc!": [
        "-fno-rtti"
      ],
      "ldflags": [
        "-static"
      ],
      "libraries": [
        "-lutil"
      ]
    }
  ]
}
