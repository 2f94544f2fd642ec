#!/usr/bin/env bash
# Resolves Apache Kafka (broker, storage tool, tools) and its runtime
# dependencies from Maven into
#   ${AUDIT_SERVER_CACHE:-~/.cache/audit-logger/servers}/kafka-<version>/libs
# and prints that directory (a Java classpath folder: use "DIR/*").
# A complete cache is reused at once; a cold fetch takes a few seconds and
# about 45 MB (plus Maven's own ~/.m2 copy).
set -euo pipefail
VERSION=4.1.1
LOG4J=2.24.3
CACHE=${AUDIT_SERVER_CACHE:-$HOME/.cache/audit-logger/servers}
DIR=$CACHE/kafka-$VERSION
if [ -f "$DIR/libs/.complete" ]; then
    echo "$DIR/libs"
    exit 0
fi
command -v mvn >/dev/null || { echo "kafka.sh: mvn is not installed" >&2; exit 1; }
command -v java >/dev/null || { echo "kafka.sh: java is not installed" >&2; exit 1; }
mkdir -p "$DIR/pom"
cat > "$DIR/pom/pom.xml" <<XML
<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
  <groupId>audit-logger.test</groupId><artifactId>kafka-dist</artifactId><version>1</version><packaging>pom</packaging>
  <dependencies>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId><version>$VERSION</version></dependency>
    <dependency><groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId><version>$VERSION</version>
      <!-- Connect (Jetty, Jersey) is not needed by the broker or the topic tool. -->
      <exclusions><exclusion><groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId></exclusion></exclusions>
    </dependency>
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-core</artifactId><version>$LOG4J</version></dependency>
    <!-- Kafka brings slf4j-api 1.7, so the 1.x binding. -->
    <dependency><groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId><version>$LOG4J</version></dependency>
  </dependencies></project>
XML
rm -rf "$DIR/libs.tmp"
(cd "$DIR/pom" && mvn -q -B dependency:copy-dependencies -DoutputDirectory="$DIR/libs.tmp" -DincludeScope=runtime >&2)
touch "$DIR/libs.tmp/.complete"
rm -rf "$DIR/libs"
mv "$DIR/libs.tmp" "$DIR/libs"
echo "$DIR/libs"
