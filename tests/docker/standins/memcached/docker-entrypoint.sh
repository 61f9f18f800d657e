#!/bin/sh
# As the official image: flags run memcached.
set -e
if [ "${1#-}" != "$1" ]; then
  set -- memcached "$@"
fi
exec "$@"
