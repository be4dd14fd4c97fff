#!/usr/bin/env bash
# Builds the benchmark's large multi-layer image into DIR/oci (tag big) from the Debian image in
# DEBIAN_DIR: the Debian base layer plus layers of incompressible data, a node_modules tree,
# Python site-packages, two copies of /usr (ELF binaries) and text — over 500 MB uncompressed.
# Layers are made by GNU tar and added verbatim (umoci 0.4.7's `insert` can truncate them).
set -euo pipefail
dir=${1:?usage: build-big-image.sh DIR DEBIAN_DIR}
debian=${2:?usage: build-big-image.sh DIR DEBIAN_DIR}
[ -f "$dir/.complete" ] && exit 0
rm -rf "$dir"
mkdir -p "$dir/parts"
cp -r "$debian/oci" "$dir/oci"
umoci tag --image "$dir/oci:bookworm" big

add_layer() { # add_layer TAR-ARGS...
  tar --numeric-owner -cf "$dir/layer.tar" "$@"
  umoci raw add-layer --image "$dir/oci:big" "$dir/layer.tar"
  rm "$dir/layer.tar"
}

# 1: 160 MB of random data (incompressible).
mkdir -p "$dir/parts/data/srv/data"
for i in $(seq 1 32); do head -c 5242880 /dev/urandom >"$dir/parts/data/srv/data/blob-$i.bin"; done
add_layer -C "$dir/parts/data" srv

# 2: a node_modules tree with 2,000 packages (a large application's worth) and 80 MB of code.
nm="$dir/parts/nm/app/node_modules"
for i in $(seq 1 2000); do
  mkdir -p "$nm/pkg-$i/lib"
  printf '{"name":"pkg-%d","version":"1.%d.0","license":"MIT"}\n' "$i" "$((i % 97))" >"$nm/pkg-$i/package.json"
  head -c 40960 < <(yes "module.exports.f$i = (x) => x + $i;") >"$nm/pkg-$i/lib/index.js"
done
add_layer -C "$dir/parts/nm" app

# 3: Python site-packages with 500 distributions.
sp="$dir/parts/py/usr/lib/python3/dist-packages"
for i in $(seq 1 500); do
  mkdir -p "$sp/dist_$i-2.$i.dist-info"
  printf 'Metadata-Version: 2.1\nName: dist-%d\nVersion: 2.%d\nLicense: MIT\n' "$i" "$i" >"$sp/dist_$i-2.$i.dist-info/METADATA"
done
add_layer -C "$dir/parts/py" usr

# 4 and 5: two copies of Debian's /usr (ELF binaries, libraries, text).
add_layer -C "$debian/rootfs" --transform 'flags=rh;s,^usr,opt/usr-a,' usr
add_layer -C "$debian/rootfs" --transform 'flags=rh;s,^usr,opt/usr-b,' usr

# 6: a large text layer (logs), very compressible.
mkdir -p "$dir/parts/logs/var/log/app"
for i in $(seq 1 8); do
  head -c 20971520 < <(yes "moat benchmark line $i with some text to compress") >"$dir/parts/logs/var/log/app/app-$i.log"
done
add_layer -C "$dir/parts/logs" var

rm -rf "$dir/parts"
date -u +%FT%TZ >"$dir/.complete"
