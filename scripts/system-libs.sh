#!/usr/bin/env bash
# WeasyPrint renders PDFs with Pango and HarfBuzz from the system. Check they are there;
# install them when we can (root with apt-get), otherwise print the command and go on.
# libharfbuzz-subset0 matters: without it WeasyPrint subsets fonts in Python, ~4x slower.
set -uo pipefail

PACKAGES="libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz0b libharfbuzz-subset0 fonts-dejavu-core"
LIBRARIES="libpango-1.0.so.0 libpangoft2-1.0.so.0 libharfbuzz.so.0 libharfbuzz-subset.so.0"

if [ "$(uname -s)" != "Linux" ]; then
  echo "PDF rendering needs Pango and HarfBuzz (macOS: brew install pango)."
  exit 0
fi

missing=""
library_cache=$( (ldconfig -p 2>/dev/null || /sbin/ldconfig -p 2>/dev/null) || true)
for lib in $LIBRARIES; do
  grep -qF "$lib" <<<"$library_cache" || missing="$missing $lib"
done
if ! ls /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf >/dev/null 2>&1 \
   && ! (command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list 2>/dev/null | head -n 1)" ]); then
  missing="$missing fonts"
fi

if [ -z "$missing" ]; then
  exit 0
fi

echo "WeasyPrint's system libraries are missing:$missing"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing: $PACKAGES"
  export DEBIAN_FRONTEND=noninteractive
  if apt-get update -qq && apt-get install -y -qq --no-install-recommends $PACKAGES >/dev/null; then
    exit 0
  fi
  echo "apt-get failed; PDF tickets and invoices will not render until they are installed."
elif command -v apt-get >/dev/null 2>&1; then
  echo "Install them with:"
  echo "  sudo apt-get install -y $PACKAGES"
else
  echo "Install Pango, HarfBuzz (with its subset library) and a TrueType font with your"
  echo "system's package manager; the Debian names are: $PACKAGES"
fi
echo "Continuing: everything except PDF rendering works without them."
exit 0
