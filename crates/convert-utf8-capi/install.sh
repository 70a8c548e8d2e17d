#!/usr/bin/env bash
# Installs the C libraries: libconvert_utf8.so and .a, convert_utf8.h and the pkg-config file
# convert_utf8.pc generated from convert_utf8.pc.in; and the iconv(3)-compatible
# libconvert_utf8_iconv.so with convert_utf8_iconv.pc (docs/iconv-abi.md).
#
# Usage: crates/convert-utf8-capi/install.sh [PREFIX]        (PREFIX defaults to /usr/local)
# Environment:
#   DESTDIR     staging root prepended to every installed path (for packaging)
#   LIBDIR      where the libraries and pkgconfig/ go (default PREFIX/lib)
#   INCLUDEDIR  where the header goes (default PREFIX/include)
#   CU8_LIB_DIR take the built libraries from this directory instead of running
#               `cargo build --release -p convert-utf8-capi -p convert-utf8-iconv`
set -euo pipefail

crate_dir="$(cd "$(dirname "$0")" && pwd)"
root_dir="$(cd "$crate_dir/../.." && pwd)"
prefix="${1:-/usr/local}"
libdir="${LIBDIR:-$prefix/lib}"
includedir="${INCLUDEDIR:-$prefix/include}"
destdir="${DESTDIR:-}"

if [[ -z "${CU8_LIB_DIR:-}" ]]; then
  cargo build --release --locked -p convert-utf8-capi -p convert-utf8-iconv \
    --manifest-path "$root_dir/Cargo.toml"
  target_dir="$(cargo metadata --format-version 1 --no-deps --manifest-path "$root_dir/Cargo.toml" \
    | sed -n 's/.*"target_directory":"\([^"]*\)".*/\1/p')"
  CU8_LIB_DIR="$target_dir/release"
fi

# The package version, from `cargo pkgid` (".../convert-utf8-capi#convert-utf8-capi@0.1.0").
version="$(cargo pkgid -p convert-utf8-capi --manifest-path "$root_dir/Cargo.toml")"
version="${version##*[@#]}"
# What a Rust static library needs from the system (`rustc --print native-static-libs`).
native_static_libs="-lgcc_s -lutil -lrt -lpthread -lm -ldl -lc"

install -d "$destdir$libdir/pkgconfig" "$destdir$includedir"
install -m 755 "$CU8_LIB_DIR/libconvert_utf8.so" "$destdir$libdir/"
install -m 644 "$CU8_LIB_DIR/libconvert_utf8.a" "$destdir$libdir/"
install -m 644 "$root_dir/include/convert_utf8.h" "$destdir$includedir/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@INCLUDEDIR@|$includedir|" \
    -e "s|@VERSION@|$version|" -e "s|@NATIVE_STATIC_LIBS@|$native_static_libs|" \
    "$crate_dir/convert_utf8.pc.in" > "$destdir$libdir/pkgconfig/convert_utf8.pc"
chmod 644 "$destdir$libdir/pkgconfig/convert_utf8.pc"

install -m 755 "$CU8_LIB_DIR/libconvert_utf8_iconv.so" "$destdir$libdir/"
sed -e "s|@PREFIX@|$prefix|" -e "s|@LIBDIR@|$libdir|" -e "s|@VERSION@|$version|" \
    "$root_dir/crates/convert-utf8-iconv/convert_utf8_iconv.pc.in" \
    > "$destdir$libdir/pkgconfig/convert_utf8_iconv.pc"
chmod 644 "$destdir$libdir/pkgconfig/convert_utf8_iconv.pc"
echo "installed libconvert_utf8 and libconvert_utf8_iconv $version under $destdir$prefix"
