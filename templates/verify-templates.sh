#!/usr/bin/env bash
# The heavy, Maven-based check of the plug-in templates (the light one is cli's PluginPathEndToEndTest): installs
# tdi's API modules into a private local repository (a copy of ~/.m2/repository without dev/tdi, so the shared one
# is never written), then runs `mvn verify` in a copy of each template, as a plug-in author would. The backend's
# verify runs the whole conformance kit on the template backend. Works offline once dependencies are cached
# (pass -o through MVN_FLAGS). A few minutes on 2 cores.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="$(mktemp -d /tmp/tdi-templates.XXXXXX)"
repo="$work/repository"
flags="${MVN_FLAGS:-}"
mkdir -p "$repo"
if [ -d "$HOME/.m2/repository" ]; then
  cp -r "$HOME/.m2/repository/." "$repo/"
  rm -rf "$repo/dev/tdi"
fi
echo "templates: installing tdi into $repo ..." >&2
(cd "$root" && mvn -B -q $flags install -DskipTests -Dmaven.javadoc.skip=true -Dmaven.source.skip=true \
    -Dmaven.repo.local="$repo" -pl substrate-api,substrate-tck,coupling,interface -am)
for t in backend coupling-strategy interface; do
  echo "templates: mvn verify in $t ..." >&2
  cp -r "$root/templates/$t" "$work/$t"
  (cd "$work/$t" && mvn -B -q $flags verify -Dmaven.repo.local="$repo")
  ls "$work/$t/target/"*.jar >&2
done
echo "templates: all three built and tested ($work)" >&2
