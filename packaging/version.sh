#!/bin/sh
# Prints the packages' version, from git: 1.2.0 at the tag v1.2.0;
# 1.2.0+3.gabc1234 three commits after it; 0.0.0+412.gabc1234 (the commit
# count, so that later builds sort later) before any tag; v1.3.0-rc1 gives
# 1.3.0~rc1, which sorts before 1.3.0. A tree with
# uncommitted changes adds .dirty. Every form is a valid Debian version.
set -eu
cd "$(dirname "$0")/.."
dirty=
[ -z "$(git status --porcelain --untracked-files=no 2>/dev/null)" ] || dirty=.dirty
if d=$(git describe --tags --long --match 'v[0-9]*' 2>/dev/null); then
	# v1.2.0-3-gabc1234
	n=${d%-g*}; n=${n##*-}
	tag=${d%-*-g*}; tag=$(echo "${tag#v}" | tr - '~')
	hash=${d##*-}
	if [ "$n" = 0 ] && [ -z "$dirty" ]; then
		echo "$tag"
	else
		echo "$tag+$n.$hash$dirty"
	fi
else
	echo "0.0.0+$(git rev-list --count HEAD).g$(git rev-parse --short HEAD)$dirty"
fi
