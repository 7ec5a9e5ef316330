#!/usr/bin/env bash
# Installs the Debian 12 packages libreplicate needs to build and test, if any is missing.
# Usage: install_deps.sh [build|test|freetds]   (test adds what the test suite uses; freetds
# installs FreeTDS's ODBC driver and its tsql, for a SQL Server reached through FreeTDS)
set -euo pipefail
what=${1:-build}
packages=(cmake g++ make pkgconf libsoci-dev unixodbc unixodbc-dev libpq-dev libsqliteodbc sqlite3
          libsqlite3-dev libboost-program-options-dev libboost-log-dev libboost-dev doctest-dev
          libtomlplusplus-dev nlohmann-json3-dev libxxhash-dev
          libhowardhinnant-date-dev tzdata)
# The test suite measures peak memory with /usr/bin/time and reads --report files with jq.
if [ "$what" = test ]; then packages+=(time jq tmux faketime python3-yaml); fi
if [ "$what" = freetds ]; then packages=(unixodbc tdsodbc freetds-bin python3); fi
missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
    exit 0
fi
echo "installing: ${missing[*]}"
sudo=""
if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "error: not root and no sudo: install ${missing[*]}" >&2; exit 2; }
    sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [ "$what" = freetds ]; then
    # tdsodbc registers FreeTDS in /etc/odbcinst.ini; make sure it is there.
    if ! odbcinst -q -d -n FreeTDS >/dev/null 2>&1; then
        printf '[FreeTDS]\nDescription=FreeTDS ODBC driver (SQL Server)\nDriver=libtdsodbc.so\n' | $sudo odbcinst -i -d -r >/dev/null
    fi
    exit 0
fi
# libsqliteodbc registers its drivers in /etc/odbcinst.ini; make sure SQLite3 is there.
if ! odbcinst -q -d -n SQLite3 >/dev/null 2>&1; then
    printf '[SQLite3]\nDescription=SQLite3 ODBC Driver\nDriver=libsqlite3odbc.so\nSetup=libsqlite3odbc.so\n' \
        | $sudo odbcinst -i -d -r >/dev/null
fi
