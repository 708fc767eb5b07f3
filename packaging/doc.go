// Package packaging holds what `make package` builds the site's packages
// from, and the tests that check them; it has no Go API.
//
//   - kiosk.yaml and kioskctl.yaml: the nfpm configs of the player's and the
//     department tool's .deb packages. nfpm (github.com/goreleaser/nfpm, a
//     well-kept packager that needs no Debian build tree) is built into bin/
//     by `make deps` as a command rather than linked as a library, so its
//     many modules stay out of the product's go.mod.
//   - kiosk.service: the player's systemd unit, which the kiosk package
//     installs.
//   - scripts/: the player package's maintainer scripts. postinst creates
//     the kiosk system user and gives it /var/lib/kiosk; with DPKG_ROOT set
//     (an install into another root) it works on that root's /etc files.
//   - windows/README.txt: the README of the Windows zip.
//   - build.sh: builds the binaries and runs nfpm and zip; version.sh: the
//     packages' version, from git.
//
// The tests build the packages, read them with dpkg-deb, install them with
// dpkg into a scratch root and check files, conffile, user, ownership and
// unit there, and open the Windows zip.
package packaging
