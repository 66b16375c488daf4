#!/usr/bin/env bash
# Runs the U-Net forward-throughput benchmark (JMH, batch 1 and 64) and its PyTorch CPU peer side by side.
# Needs a JDK 25 (found as the ./tdi launcher finds it, or TDI_JAVA_HOME) and python3-torch (TDI_PYTHON, default
# /usr/bin/python3 where it exists). Usage: benchmarks/run-unet-forward.sh
set -euo pipefail
cd "$(dirname "$0")/.."
java_home="${TDI_JAVA_HOME:-$(ls -d /usr/lib/jvm/temurin-25* 2>/dev/null | head -n1)}"
cp_file="$(mktemp)"
mvn -B -q -pl benchmarks -am -DskipTests package dependency:build-classpath -Dmdep.outputFile="$cp_file" >/dev/null
cp="benchmarks/target/tdi-benchmarks-0.1.0-SNAPSHOT.jar:$(cat "$cp_file")"
rm -f "$cp_file"
export TDI_PYTHON="${TDI_PYTHON:-$( [ -x /usr/bin/python3 ] && echo /usr/bin/python3 || echo python3 )}"
exec "$java_home/bin/java" --add-modules jdk.incubator.vector -cp "$cp" dev.tdi.bench.unet.UNetForwardReport
