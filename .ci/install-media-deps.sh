#!/bin/sh
# Installs what Parley's media layer and its tests need on a fresh Debian 12 machine (as root):
#   janus, janus-tools  Janus 1.1 SFU and janus-pp-rec (the supervised media engine)
#   coturn              TURN/STUN server (TURN REST API tests)
#   chromium            the browser the media tests drive through playwright-core (never downloaded)
#   iproute2, util-linux  ip and unshare for the tests' private network namespace
#   redis-server        a throwaway Redis inside that namespace (calls across two server nodes)
#   fonts-noto-color-emoji  emoji in the web client's screenshots (reactions), not boxes
# Idempotent and quiet: does nothing when everything is already installed. Debian's package
# scripts may try to start janus/coturn services; Parley never uses /etc/janus or /etc/turnserver.conf.
set -eu

packages="janus janus-tools coturn chromium iproute2 util-linux redis-server fonts-noto-color-emoji"
missing=""
for package in $packages; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
    missing="$missing $package"
  fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
  echo "install-media-deps: missing:$missing; run as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
# Debian enables the system services on install where an init system runs; Parley starts its own.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  systemctl disable --now janus coturn >/dev/null 2>&1 || true
fi
echo "install-media-deps: installed$missing"
