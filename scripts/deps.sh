#!/bin/sh
# Install the Debian packages dtsim needs, one check per package; apt-get runs
# only when something is missing. Used by `make test` and `make run`.
set -eu
PKGS="${DT_PKGS:-build-essential pkg-config libsimgrid-dev libinih-dev libcunit1-dev libpfm4-dev zlib1g-dev gnuplot-nox libturbojpeg0-dev libibverbs-dev iproute2 valgrind}"
missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0
echo "deps: installing missing Debian packages:$missing" >&2
if [ "$(id -u)" -ne 0 ]; then
    echo "deps: error: not root; run as root or install:$missing" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends $missing >/dev/null
echo "deps: done" >&2
