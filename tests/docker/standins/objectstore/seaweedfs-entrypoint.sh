#!/bin/sh
# As the official chrislusf/seaweedfs entrypoint: a weed subcommand runs weed, logging to
# stderr, and `server` advertises the container's address.
set -e
case "$1" in
  server) shift; exec weed -logtostderr=true server -ip="$(hostname -i | cut -d' ' -f1)" -ip.bind=0.0.0.0 "$@" ;;
  master|volume|filer|s3|mini|shell|version|iam|webdav) exec weed -logtostderr=true "$@" ;;
  *) exec "$@" ;;
esac
