#!/bin/bash
# Entrypoint written for the stand-in after the official images' documented behaviour.
set -Eeo pipefail
SOCKET=/run/mysqld/mysqld.sock

env_of() {  # NAME: MARIADB_NAME, MYSQL_NAME, or the file their _FILE variable names
  local prefix var file
  for prefix in MARIADB MYSQL; do
    var="${prefix}_$1" file="${prefix}_$1_FILE"
    if [ -n "${!var:-}" ]; then printf '%s' "${!var}"; return; fi
    if [ -n "${!file:-}" ]; then cat "${!file}"; return; fi
  done
}

quote() { printf "'%s'" "${1//\'/\'\'}"; }

init_db() {
  local root db user password
  root=$(env_of ROOT_PASSWORD) db=$(env_of DATABASE) user=$(env_of USER) password=$(env_of PASSWORD)
  if [ -z "$root" ] && [ -z "$(env_of ALLOW_EMPTY_ROOT_PASSWORD)$(env_of ALLOW_EMPTY_PASSWORD)" ]; then
    echo "error: database is uninitialized and password option is not specified" >&2
    echo "  You need to specify one of MARIADB_ROOT_PASSWORD, MARIADB_ALLOW_EMPTY_ROOT_PASSWORD" >&2
    exit 1
  fi
  if [ "$user" = root ]; then
    echo "error: MYSQL_USER=root: MYSQL_USER and MYSQL_PASSWORD are for a regular user" >&2; exit 1
  fi
  mariadb-install-db --user=mysql --datadir=/var/lib/mysql --skip-test-db \
    --auth-root-authentication-method=normal >/dev/null
  "$@" --skip-networking --socket="$SOCKET" &
  local pid=$! i check
  check=$(head -c 18 /dev/urandom | od -An -tx1 | tr -d ' \n')
  printf '[mariadb-client]\nuser=healthcheck\npassword=%s\n' "$check" >/var/lib/mysql/.my-healthcheck.cnf
  for i in $(seq 1 60); do mariadb-admin --socket="$SOCKET" ping --silent 2>/dev/null && break; sleep 1; done
  {
    echo "SET @@SESSION.SQL_LOG_BIN=0;"
    echo "ALTER USER 'root'@'localhost' IDENTIFIED BY $(quote "$root");"
    echo "CREATE USER 'root'@'%' IDENTIFIED BY $(quote "$root");"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
    echo "CREATE USER 'healthcheck'@'localhost' IDENTIFIED BY '$check';"
    echo "CREATE USER 'healthcheck'@'127.0.0.1' IDENTIFIED BY '$check';"
    [ -n "$db" ] && echo "CREATE DATABASE IF NOT EXISTS \`${db//\`/\`\`}\`;"
    if [ -n "$user" ] && [ -n "$password" ]; then
      echo "CREATE USER $(quote "$user")@'%' IDENTIFIED BY $(quote "$password");"
      [ -n "$db" ] && echo "GRANT ALL ON \`${db//\`/\`\`}\`.* TO $(quote "$user")@'%';"
    fi
    echo "FLUSH PRIVILEGES;"
  } | mariadb --socket="$SOCKET" -uroot
  kill "$pid"; wait "$pid" || true
  echo "MariaDB init process done. Ready for start up."
}

if [ "${1:0:1}" = - ]; then set -- mariadbd "$@"; fi
case "$1" in
  mysqld|mariadbd) ;;
  *) exec "$@" ;;
esac
if [ "$(id -u)" = 0 ]; then
  chown -R mysql:mysql /var/lib/mysql /run/mysqld
  exec gosu mysql "$0" "$@"
fi
if [ ! -d /var/lib/mysql/mysql ]; then
  init_db "$@"
fi
exec "$@"
