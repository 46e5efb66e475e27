# Sourced by the scripts that run a Java program from its jars on Maven Central (deploy/kafka/kafka.sh,
# deploy/s3proxy/s3proxy.sh): fetches the runtime jars a pom names into a lib/ folder, once per pom.
#
# install_jars POM HOME_DIR WHAT
#   POM       the pom.xml naming the jars
#   HOME_DIR  where lib/ (the jars, and the pom's sha256 as .pom.sha256) and the install log are kept
#   WHAT      what the jars are, for messages ("the Kafka jars")
# A no-op while the pom is unchanged. Needs mvn only when it fetches.

install_jars() {
  local pom="$1" home_dir="$2" what="$3"
  local lib_dir="$home_dir/lib"
  local marker="$lib_dir/.pom.sha256"
  local want
  want="$(sha256sum "$pom" | cut -d' ' -f1)"
  [[ "$(cat "$marker" 2>/dev/null)" == "$want" ]] && return 0

  if ! command -v mvn >/dev/null; then
    echo "mvn not found; needed once to fetch $what" >&2
    return 1
  fi
  mkdir -p "$home_dir"
  # Two worktrees' installs, or `make run` and the test suite, may meet here.
  exec 9>"$home_dir/.install.lock"
  flock 9
  if [[ "$(cat "$marker" 2>/dev/null)" != "$want" ]]; then
    echo "fetching $what into $lib_dir" >&2
    # Into a fresh folder, swapped in whole: copy-dependencies never deletes, so jars of an older pom would
    # otherwise stay on the classpath.
    local tmp="$home_dir/lib.tmp"
    rm -rf "$tmp"
    if ! mvn -B -q -Dstyle.color=never -f "$pom" dependency:copy-dependencies \
        -DincludeScope=runtime -DoutputDirectory="$tmp" >"$home_dir/install.log" 2>&1; then
      cat "$home_dir/install.log" >&2
      echo "maven could not fetch $what" >&2
      exec 9>&-
      return 1
    fi
    echo "$want" >"$tmp/.pom.sha256"
    rm -rf "$lib_dir"
    mv "$tmp" "$lib_dir"
  fi
  exec 9>&-
}
