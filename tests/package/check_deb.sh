#!/usr/bin/env bash
# Checks the Debian package that `cmake --build <build dir> --target package`
# wrote: its metadata (dpkg-deb -I), its contents, modes and owners
# (dpkg-deb -c), lintian (no errors), and the unit file
# (systemd-analyze verify, and security: exposure "OK" or better).
#
# Usage: check_deb.sh BUILD_DIR VERSION
set -euo pipefail
build=$1 version=$2
arch=$(dpkg --print-architecture)
deb="$build/barrier_${version}_${arch}.deb"
fail() { echo "FAIL: $*" >&2; exit 1; }
[ -f "$deb" ] || fail "$deb was not built (cmake --build $build --target package)"
echo "package: $deb ($(du -k "$deb" | cut -f1) KiB)"

# --- metadata ---------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = barrier ] || fail "Package is $(field Package)"
[ "$(field Version)" = "$version" ] || fail "Version is $(field Version)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture is $(field Architecture)"
depends=$(field Depends)
echo "Depends: $depends"
# dpkg-shlibdeps found the libraries the binary links (none written by hand
# but adduser, which the maintainer scripts need).
for lib in libc6 libssl3 libcurl4 libsqlite3-0 libyaml-cpp0.7 libhiredis0.14 libzip4 adduser; do
  grep -q "\b$lib\b" <<<"$depends" || fail "Depends lacks $lib: $depends"
done
grep -q "(>= " <<<"$depends" || fail "Depends has no versions: not from dpkg-shlibdeps"
info=$(dpkg-deb -I "$deb")
for control in conffiles postinst prerm postrm md5sums; do
  grep -q "^ *[0-9]* bytes, *[0-9]* lines *\*\? *$control\b" <<<"$info" || fail "no $control in control.tar"
done
[ "$(dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles)" = /etc/barrier/barrier.yaml ] ||
  fail "conffiles is not /etc/barrier/barrier.yaml"

# --- contents: path, mode, owner ---------------------------------------------
listing=$(dpkg-deb -c "$deb")
expect() {  # MODE PATH
  grep -qE "^$1 root/root +[0-9]+ [0-9-]+ [0-9:]+ \.$2\$" <<<"$listing" ||
    fail "not in the package as $1 root/root: $2"
}
expect -rwxr-xr-x /usr/bin/barrier
expect -rw-r--r-- /lib/systemd/system/barrier.service
expect -rw-r----- /etc/barrier/barrier.yaml
expect -rw-r--r-- /usr/share/man/man1/barrier.1.gz
expect -rw-r--r-- /usr/share/doc/barrier/copyright
expect -rw-r--r-- /usr/share/doc/barrier/changelog.gz
expect -rw-r--r-- /usr/share/doc/barrier/examples/nginx/barrier.conf
expect -rw-r--r-- /usr/share/doc/barrier/examples/traefik/dynamic.yml
expect -rw-r--r-- /usr/share/doc/barrier/examples/caddy/Caddyfile
if grep -v ' root/root ' <<<"$listing"; then fail "files not owned by root"; fi

root=$(mktemp -d "${TMPDIR:-/tmp}/barrier-deb-check.XXXXXX")
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
file "$root/usr/bin/barrier" | grep -q ', stripped' || fail "barrier is not stripped"
man -l "$root/usr/share/man/man1/barrier.1.gz" >/dev/null 2>&1 || fail "the man page does not render"
# Every subcommand of `barrier --help` has its entry in the man page.
commands=$("$root/usr/bin/barrier" --help | awk '/^Subcommands:/{on=1;next} on&&NF{print $1}')
[ -n "$commands" ] || fail "barrier --help lists no subcommands"
page=$(MANWIDTH=200 man -l "$root/usr/share/man/man1/barrier.1.gz" 2>/dev/null)
for c in $commands; do
  grep -qE "^ {7}$c( |$)" <<<"$page" || fail "the man page has no entry for '$c'"
done

# --- lintian: errors fail, warnings are shown -------------------------------
if command -v lintian >/dev/null; then
  start=$SECONDS
  lintian --fail-on error --display-info "$deb" | sed 's/^/lintian: /' ||
    fail "lintian reported errors"
  echo "lintian: done in $((SECONDS - start)) s"
else
  fail "lintian is not installed (scripts/setup.sh installs it)"
fi

# --- the unit ---------------------------------------------------------------
# verify: the unit as shipped but for ExecStart's path, which points into
# the unpacked tree (verify checks that the program exists); the man page
# it names was checked above. Any complaint fails.
unit="$root/lib/systemd/system/barrier.service"
mkdir "$root/verify"
sed "s|/usr/bin/barrier|$root/usr/bin/barrier|g" "$unit" >"$root/verify/barrier.service"
complaints=$(SYSTEMD_LOG_LEVEL=notice systemd-analyze verify --man=no "$root/verify/barrier.service" 2>&1) ||
  fail "systemd-analyze verify: $complaints"
[ -z "$complaints" ] || fail "systemd-analyze verify: $complaints"
echo "systemd-analyze verify: no complaints"
# security --offline reads the file alone. Exposure below 1 is SAFE, below
# 5 OK; --threshold counts in tenths.
security=$(systemd-analyze security --offline=true --threshold=49 "$unit" 2>&1) ||
  { echo "$security"; fail "systemd-analyze security rates the unit worse than OK"; }
grep "Overall exposure" <<<"$security"
