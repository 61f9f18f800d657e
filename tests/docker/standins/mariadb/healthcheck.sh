#!/bin/bash
# The MariaDB image's healthcheck.sh, for the options the generated stacks use:
# --connect (a TCP connection answers) and --innodb_initialized (InnoDB has started).
set -eo pipefail
CNF=(--defaults-extra-file=/var/lib/mysql/.my-healthcheck.cnf)
for arg in "$@"; do
  case "$arg" in
    --connect) mariadb-admin "${CNF[@]}" --protocol=tcp -h 127.0.0.1 ping --silent ;;
    --innodb_initialized) mariadb "${CNF[@]}" --socket=/run/mysqld/mysqld.sock -sNe \
                 "SELECT 1 FROM information_schema.ENGINES WHERE engine='InnoDB' AND support IN ('YES','DEFAULT')" \
                 | grep -q 1 ;;
    *) echo "healthcheck.sh stand-in: $arg is not implemented" >&2; exit 1 ;;
  esac
done
