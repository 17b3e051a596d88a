#!/bin/sh
# Fetches libvirt 9.0.0's protocol descriptions (.x files) from Debian's source archive into
# .cache/libvirt-protocol/ (git-ignored): the generator's input, never committed. Debian's
# libvirt 9.0.0 is the release the bundled virsh and python3-libvirt come from. apt runs with a
# private source list and state directory, so the host's apt setup is left alone.
set -eu
root=$(cd "$(dirname "$0")/../.." && pwd)
cache="$root/.cache/libvirt-protocol"
[ -f "$cache/remote_protocol.x" ] && exit 0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/lists/partial" "$work/archives/partial"
cat > "$work/sources.list" <<LIST
deb-src http://deb.debian.org/debian bookworm main
LIST
opts="-o Dir::Etc::sourcelist=$work/sources.list -o Dir::Etc::sourceparts=- -o Dir::State::Lists=$work/lists -o Dir::Cache::archives=$work/archives -o Debug::NoLocking=1 -o APT::Sandbox::User=root"
# shellcheck disable=SC2086
apt-get $opts update >/dev/null
# shellcheck disable=SC2086
(cd "$work" && apt-get $opts source --download-only libvirt=9.0.0-4+deb12u2 >/dev/null 2>&1 || apt-get $opts source --download-only libvirt >/dev/null)
tarball=$(ls "$work"/libvirt_9.0.0.orig.tar.xz)
mkdir -p "$cache"
tar -xJf "$tarball" -C "$work" libvirt-9.0.0/src/remote/remote_protocol.x libvirt-9.0.0/src/rpc/virnetprotocol.x \
  libvirt-9.0.0/src/rpc/virkeepaliveprotocol.x libvirt-9.0.0/src/remote/lxc_protocol.x libvirt-9.0.0/src/remote/qemu_protocol.x
cp "$work"/libvirt-9.0.0/src/remote/*.x "$work"/libvirt-9.0.0/src/rpc/*.x "$cache/"
echo "libvirt 9.0.0 protocol files in $cache"
