#!/usr/bin/env bash
# Docker Engine for the container tests (docs/CONTAINER-TESTS.md).
#
#   engine.sh install   install dockerd 26.1 + buildx + compose plugin if missing (idempotent)
#   engine.sh start     install, then start dockerd unless one answers; prints "started" or "running"
#   engine.sh stop      stop the dockerd this script started (its pid file), nothing else
#
# Debian bookworm's docker.io (20.10) has no buildx: Compose falls back to the classic
# builder, which refuses build.additional_contexts. Debian trixie's docker.io, docker-cli,
# docker-buildx and docker-compose .debs install on bookworm (their dependencies are met
# there), so they are downloaded with `apt-get download` through a private trixie source
# list (the system's apt sources are left alone) and installed with dpkg. Versions pinned.
set -euo pipefail

STATE=${CLOUDEXIT_DOCKER_STATE:-/var/cache/cloudexit-docker}
MIRROR=${CLOUDEXIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
PIDFILE=$STATE/dockerd.pid
LOG=$STATE/dockerd.log
# Debian trixie versions (override with CLOUDEXIT_TRIXIE_PINS="pkg=ver ..." when trixie moves on).
PINS=${CLOUDEXIT_TRIXIE_PINS:-"docker.io=26.1.5+dfsg1-9+deb13u1+b1 docker-cli=26.1.5+dfsg1-9+deb13u1+b1 docker-buildx=0.13.1+ds1-3 docker-compose=2.26.1-4"}
# From bookworm itself: what the trixie engine depends on, and debootstrap for base images.
BOOKWORM_PKGS="containerd runc tini iptables debootstrap ca-certificates xz-utils"
DOCKER=/usr/bin/docker   # trixie's CLI (a /usr/local/bin/docker may shadow it on PATH)

log() { printf 'engine: %s\n' "$*" >&2; }

installed_ok() {
  local pkg ver have
  for pin in $PINS; do
    pkg=${pin%%=*} ver=${pin#*=}
    have=$(dpkg-query -W -f='${Status} ${Version}' "$pkg" 2>/dev/null || true)
    [ "$have" = "install ok installed $ver" ] || return 1
  done
  for pkg in $BOOKWORM_PKGS; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q '^install ok installed$' || return 1
  done
}

trixie_apt() {
  local dir=$STATE/apt
  apt-get -q -o Dir::Etc::SourceList="$dir/trixie.list" -o Dir::Etc::SourceParts=/dev/null \
    -o Dir::State::Lists="$dir/lists" -o Dir::Cache="$dir/cache" -o Debug::NoLocking=1 -o APT::Sandbox::User=root "$@"
}

download_trixie() {
  local dir=$STATE/apt
  mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial" "$dir/debs"
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $MIRROR trixie main" \
    >"$dir/trixie.list"
  trixie_apt update >/dev/null
  (cd "$dir/debs" && trixie_apt download $PINS >/dev/null)
}

install() {
  if installed_ok; then return 0; fi
  export DEBIAN_FRONTEND=noninteractive
  log "installing bookworm packages: $BOOKWORM_PKGS"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends $BOOKWORM_PKGS >/dev/null
  log "downloading trixie packages: $PINS"
  rm -rf "$STATE/apt/debs"
  download_trixie
  dpkg -i "$STATE"/apt/debs/*.deb >/dev/null
  # The packages' init scripts may have started a daemon of their own: stop it, this
  # script starts dockerd itself (and so knows what to stop).
  if command -v service >/dev/null && service docker status >/dev/null 2>&1; then
    service docker stop >/dev/null 2>&1 || true
  fi
  installed_ok || { log "install failed"; exit 1; }
  log "installed: $($DOCKER version --format '{{.Client.Version}}' 2>/dev/null)"
}

answers() { timeout 10 "$DOCKER" info >/dev/null 2>&1; }

start() {
  install
  mkdir -p "$STATE"
  if answers; then echo running; return 0; fi
  # containerd is started by dockerd itself when it is not running as a service.
  log "starting dockerd (log: $LOG)"
  setsid dockerd --pidfile "$STATE/dockerd.self.pid" >"$LOG" 2>&1 </dev/null &
  echo $! >"$PIDFILE"
  for _ in $(seq 1 120); do
    if answers; then echo started; return 0; fi
    if ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then break; fi
    sleep 0.5
  done
  log "dockerd did not answer; last log lines:"; tail -n 30 "$LOG" >&2
  exit 1
}

stop() {
  [ -f "$PIDFILE" ] || { log "no dockerd started by this script"; return 0; }
  local pid; pid=$(cat "$PIDFILE")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
  fi
  rm -f "$PIDFILE"
  log "stopped dockerd $pid"
}

case "${1:-}" in
  install) install ;;
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 install|start|stop" >&2; exit 2 ;;
esac
