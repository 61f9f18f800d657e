#!/bin/sh
# As the official image: flags run valkey-server; valkey-server started as root drops to valkey.
set -e
if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
  set -- valkey-server "$@"
fi
if [ "$1" = valkey-server ] && [ "$(id -u)" = 0 ]; then
  find . \! -user valkey -exec chown valkey '{}' +
  exec gosu valkey "$0" "$@"
fi
exec "$@"
