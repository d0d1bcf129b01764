# Sourced by ./specdec, ./run-tests and .ci/run: finds a JDK >= 25 and exports JAVA_HOME.
# Looks at JAVA_HOME, then the usual install locations, then the java on PATH.

java_major() {  # the feature version of java binary $1, or nothing
  "$1" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n1
}

find_jdk() {
  local candidates=() d home v
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for d in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* "$HOME"/.jdks/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$d" ] && candidates+=("$d")
  done
  if command -v java >/dev/null 2>&1; then
    candidates+=("$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")")
  fi
  for home in "${candidates[@]}"; do
    if [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ]; then
      v="$(java_major "$home/bin/java")"
      if [ -n "$v" ] && [ "$v" -ge 25 ]; then echo "$home"; return 0; fi
    fi
  done
  return 1
}

use_jdk25() {  # $1: the calling program's name, for the error line
  local jdk
  if ! jdk="$(find_jdk)"; then
    echo "$1: needs a JDK 25 or newer (none found in JAVA_HOME, /usr/lib/jvm or on PATH); install Temurin 25 and set JAVA_HOME" >&2
    exit 1
  fi
  export JAVA_HOME="$jdk"
}
