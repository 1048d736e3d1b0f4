# Set-up shared by scripts/run.sh and scripts/test.sh; source it, don't run it.
#
# sb_prepare makes a fresh Debian machine ready: Python 3.12, the Debian packages that mysqlclient
# builds against, .venv with the pinned lock. Every step checks first, so a warm machine does no
# apt or pip work. The services (MariaDB, Redis) are started by sb_ensure_mariadb / sb_ensure_redis.

SB_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SB_VENV="$SB_ROOT/.venv"
SB_LOCK="$SB_ROOT/requirements-dev.txt"
SB_LOCK_STAMP="$SB_VENV/.installed-lock.sha256"
SB_APT_UPDATED=0

sb_say() { printf '==> %s\n' "$*" >&2; }
sb_die() { printf 'ERROR: %s\n' "$*" >&2; exit 1; }

sb_as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    sb_die "'$*' needs root and sudo is not available; run it as root, then retry."
  fi
}

# sb_apt_install PKG...: install the Debian packages among PKG that are missing (apt-get update once).
sb_apt_install() {
  local missing=() pkg
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || sb_die "missing system packages (${missing[*]}) and no apt-get to install them."
  sb_say "installing Debian packages: ${missing[*]}"
  if [ "$SB_APT_UPDATED" -eq 0 ]; then
    sb_as_root apt-get update -q
    SB_APT_UPDATED=1
  fi
  sb_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# sb_find_python: print the path of a Python 3.12 (pyenv honours .python-version; else python3.12 on PATH).
sb_find_python() {
  local candidate
  for candidate in \
    "$(cd "$SB_ROOT" && command -v pyenv >/dev/null 2>&1 && pyenv which python 2>/dev/null)" \
    "$(command -v python3.12 2>/dev/null)"; do
    [ -n "$candidate" ] && [ -x "$candidate" ] || continue
    if "$candidate" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
      echo "$candidate"
      return 0
    fi
  done
  sb_die "Python 3.12 not found. Install it (pyenv install $(cat "$SB_ROOT/.python-version" 2>/dev/null || echo 3.12), or put a python3.12 with its venv module on PATH) and retry."
}

sb_venv() {
  if [ -x "$SB_VENV/bin/python" ] &&
    ! "$SB_VENV/bin/python" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 12))' 2>/dev/null; then
    sb_say ".venv is not Python 3.12: recreating it"
    rm -rf "$SB_VENV"
  fi
  if [ ! -x "$SB_VENV/bin/python" ]; then
    local python
    python=$(sb_find_python)
    sb_say "creating .venv with $python"
    "$python" -m venv "$SB_VENV"
  fi
  [ -f "$SB_LOCK" ] || sb_die "$SB_LOCK is missing (make it with scripts/lock.sh)."
  local want
  want=$(sha256sum "$SB_LOCK" | cut -d' ' -f1)
  if [ "$(cat "$SB_LOCK_STAMP" 2>/dev/null)" != "$want" ]; then
    sb_say "installing requirements-dev.txt into .venv"
    # --no-deps: the lock is complete; django-celery-beat 2.9.0 declares Django<6.1 (see scripts/lock.sh).
    "$SB_VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -r "$SB_LOCK"
    echo "$want" >"$SB_LOCK_STAMP"
  fi
}

sb_prepare() {
  # mysqlclient compiles against MariaDB's client library; gcc builds it.
  sb_apt_install pkg-config libmariadb-dev gcc
  sb_venv
  export PATH="$SB_VENV/bin:$PATH"
  cd "$SB_ROOT"
}

# sb_wait_for DESCRIPTION SECONDS COMMAND...: retry COMMAND once a second until it succeeds.
sb_wait_for() {
  local what=$1 seconds=$2 i
  shift 2
  for ((i = 0; i < seconds; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 1
  done
  sb_die "$what did not answer within ${seconds}s."
}

sb_mariadb_answers() { mariadb-admin --host=127.0.0.1 --port=3306 --user=root ping >/dev/null 2>&1; }

sb_ensure_mariadb() {
  if ! sb_mariadb_answers; then
    sb_apt_install mariadb-server mariadb-client
    if ! sb_mariadb_answers; then
      sb_say "starting MariaDB"
      sb_as_root mkdir -p /run/mysqld
      sb_as_root chown mysql:mysql /run/mysqld
      sb_as_root start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
      sb_wait_for "MariaDB on 127.0.0.1:3306" 60 sb_mariadb_answers
    fi
  fi
  sb_mariadb_root_over_tcp
}

# The tests connect as root with an empty password over TCP; a stock Debian install lets root in only
# through the Unix socket, so open the TCP way for root@127.0.0.1 when it is closed.
sb_mariadb_root_over_tcp() {
  local probe=(mariadb --host=127.0.0.1 --port=3306 --user=root --execute='SELECT 1')
  "${probe[@]}" >/dev/null 2>&1 && return 0
  sb_say "allowing root@127.0.0.1 with an empty password (local test server)"
  sb_as_root mariadb --protocol=socket --user=root --execute="
    CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY '';
    GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;"
  "${probe[@]}" >/dev/null || sb_die "MariaDB runs but root cannot log in over 127.0.0.1:3306."
}

sb_redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

sb_ensure_redis() {
  sb_redis_answers && return 0
  sb_apt_install redis-server redis-tools
  sb_redis_answers && return 0
  sb_say "starting Redis"
  sb_as_root mkdir -p /var/lib/redis /var/log/redis
  sb_as_root redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  sb_wait_for "Redis on 127.0.0.1:6379" 30 sb_redis_answers
}

# --- The browser app (frontend/) -------------------------------------------------------------------
SB_FRONTEND="$SB_ROOT/frontend"

# sb_frontend_install: node_modules exactly as frontend/package-lock.json says (npm ci), redone only
# when the lock changes.
sb_frontend_install() {
  command -v npm >/dev/null 2>&1 || sb_die "npm is missing: install Node.js 20 (Debian: apt-get install nodejs npm) and retry."
  local want stamp="$SB_FRONTEND/node_modules/.installed-lock.sha256"
  want=$(sha256sum "$SB_FRONTEND/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    sb_say "installing the browser app's packages (npm ci)"
    (cd "$SB_FRONTEND" && npm ci --no-audit --no-fund --loglevel=error)
    echo "$want" >"$stamp"
  fi
}

# sb_frontend_build: build frontend/ into frontend/dist (Vite), redone only when its sources, config or
# lock change.
sb_frontend_build() {
  sb_frontend_install
  local want stamp="$SB_FRONTEND/dist/.built-from.sha256"
  want=$(cd "$SB_FRONTEND" && find src vite.config.ts tsconfig.json package.json package-lock.json -type f | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ] || [ ! -f "$SB_FRONTEND/dist/.vite/manifest.json" ]; then
    sb_say "building the browser app (vite build)"
    (cd "$SB_FRONTEND" && node_modules/.bin/vite build --logLevel warn)
    echo "$want" >"$stamp"
  fi
}
