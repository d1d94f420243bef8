#!/bin/sh
# Install the Debian packages salvo needs that this machine lacks.
# Does nothing when everything is present; uses sudo when not root.
set -e
PKGS="build-essential pkg-config libsdl2-dev libsdl2-ttf-dev libsdl2-image-dev libcjson-dev check \
fonts-dejavu-core xvfb xauth libopenmpi-dev openmpi-bin python3-jsonschema python3-pandas jq r-base-core \
librsvg2-bin libxml2-utils tidy"
# chromium is optional (about 300 MB): suite_report renders the HTML report
# with it when present and skips that check otherwise; `make screenshot`
# needs it for docs/report.png. Install it yourself: apt-get install chromium
missing=""
for p in $PKGS; do
    st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing
