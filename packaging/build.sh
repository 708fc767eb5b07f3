#!/usr/bin/env bash
# Builds the site's packages into OUT (default out/packages):
#
#   kiosk_VERSION_amd64.deb      the player, its systemd unit, an example
#                                site config, /var/lib/kiosk for the kiosk user
#   kioskctl_VERSION_amd64.deb   the department tool (static, no cgo)
#   kiosk_VERSION_windows_amd64.zip   kiosk.exe, kioskctl.exe, an example
#                                config and a README
#
# The .deb files are made by nfpm (NFPM, default bin/nfpm, which `make deps`
# builds) from packaging/kiosk.yaml and packaging/kioskctl.yaml.
# VERSION defaults to the one packaging/version.sh derives from git.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
: "${GO:=go}"
: "${NFPM:=$root/bin/nfpm}"
: "${OUT:=$root/out/packages}"
: "${VERSION:=$(packaging/version.sh)}"
export VERSION

# Only a Debian version's characters: VERSION goes into file names, a sed
# script and the packages' control files.
case "$VERSION" in
*[!A-Za-z0-9.+~-]*) echo "package: VERSION \"$VERSION\": want a Debian version, of letters, digits and . + ~ - only" >&2; exit 1 ;;
[0-9]*) ;;
*) echo "package: VERSION \"$VERSION\": want a Debian version, starting with a digit (outside a git checkout, set VERSION)" >&2; exit 1 ;;
esac
[ -x "$NFPM" ] || { echo "package: no nfpm at $NFPM (make deps builds it)" >&2; exit 1; }

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
export STAGE=$stage
# Files in the packages carry the time of the commit, not of the build.
SOURCE_DATE_EPOCH=$(git log -1 --format=%ct 2>/dev/null || date +%s)
export SOURCE_DATE_EPOCH

# The player links X11 and loads OpenGL through cgo on Linux; on Windows
# Ebiten needs no cgo. The department tool never uses cgo.
# Without the symbol table and DWARF (stack traces keep their names), as
# Debian strips binaries; only the link differs from a test build, so the
# compiled packages come from the build cache.
goflags=(-ldflags="-s -w -X github.com/vnict/kiosk/cmd/kiosk/internal/cli.Version=$VERSION")
echo "package: building $VERSION"
GOOS=linux GOARCH=amd64 CGO_ENABLED=1 "$GO" build "${goflags[@]}" -o "$stage/kiosk" ./cmd/kiosk
GOOS=linux GOARCH=amd64 CGO_ENABLED=0 "$GO" build "${goflags[@]}" -o "$stage/kioskctl" ./cmd/kioskctl
mkdir "$stage/windows"
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build "${goflags[@]}" -o "$stage/windows/kiosk.exe" ./cmd/kiosk
GOOS=windows GOARCH=amd64 CGO_ENABLED=0 "$GO" build "${goflags[@]}" -o "$stage/windows/kioskctl.exe" ./cmd/kioskctl

mkdir -p "$OUT"
for pkg in kiosk kioskctl; do
	"$NFPM" package --config "packaging/$pkg.yaml" --packager deb \
		--target "$OUT/${pkg}_${VERSION}_amd64.deb"
done

# The Windows zip: one folder, with the example config's Linux paths made
# relative to the config (so beside site.yaml).
dir=kiosk-$VERSION-windows-amd64
win=$stage/zip/$dir
mkdir -p "$win"
cp "$stage/windows/kiosk.exe" "$stage/windows/kioskctl.exe" "$win/"
sed 's#/var/lib/kiosk/##' configs/tinh-bien-gate.yaml >"$win/site.yaml"
sed "s/@VERSION@/$VERSION/" packaging/windows/README.txt | sed 's/$/\r/' >"$win/README.txt"
find "$stage/zip" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
zip="$OUT/kiosk_${VERSION}_windows_amd64.zip"
rm -f "$zip"
(cd "$stage/zip" && zip -q -X -r "$zip" "$dir")
echo "package: wrote $OUT/kiosk_${VERSION}_amd64.deb, $OUT/kioskctl_${VERSION}_amd64.deb, $zip"
