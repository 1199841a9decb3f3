#!/bin/sh
# Build the trading webapp: build.sh VERSION OUTDIR -> OUTDIR/trading-VERSION.war
# Offline: javac + jar against jars from Debian packages (tomcat10 servlet API, libpostgresql-jdbc-java).
set -eu

if [ $# -ne 2 ]; then
    echo "usage: $0 VERSION OUTDIR" >&2
    exit 2
fi
VERSION=$1
OUTDIR=$2
case $VERSION in
    *[!A-Za-z0-9._-]*|'') echo "build.sh: invalid version '$VERSION'" >&2; exit 2 ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd)
SERVLET_API=${SERVLET_API_JAR:-/usr/share/java/tomcat10-servlet-api.jar}
PGJDBC=${PGJDBC_JAR:-/usr/share/java/postgresql.jar}
for f in "$SERVLET_API" "$PGJDBC"; do
    [ -r "$f" ] || { echo "build.sh: missing $f" >&2; exit 1; }
done

case $VERSION in
    1.4.0) SCHEMA=1 ;;
    *) SCHEMA=2 ;;
esac

# Fingerprint of the sources: sha256 of the sorted source files concatenated.
SRCLIST=$(cd "$HERE" && find src -type f -name '*.java' | LC_ALL=C sort)
[ -n "$SRCLIST" ] || { echo "build.sh: no sources under $HERE/src" >&2; exit 1; }
BUILD=$(cd "$HERE" && cat $SRCLIST | sha256sum | cut -d' ' -f1)

mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)
WORK=$(mktemp -d "${TMPDIR:-/tmp}/trading-build.XXXXXX")
trap 'rm -rf "$WORK"' EXIT INT TERM

STAGE=$WORK/war
mkdir -p "$STAGE/WEB-INF/classes" "$STAGE/WEB-INF/lib"
(cd "$HERE" && javac --release 17 -encoding UTF-8 -nowarn -Xlint:none -g:source,lines \
    -cp "$SERVLET_API" -d "$STAGE/WEB-INF/classes" $SRCLIST)
cp "$HERE/WEB-INF/web.xml" "$STAGE/WEB-INF/web.xml"
cp -L "$PGJDBC" "$STAGE/WEB-INF/lib/postgresql.jar"
printf 'version=%s\nbuild=%s\nschema.required=%s\n' "$VERSION" "$BUILD" "$SCHEMA" \
    > "$STAGE/WEB-INF/classes/build.properties"

# Fixed timestamp and sorted entries so rebuilding the same source gives the same WAR bytes.
WAR=$OUTDIR/trading-$VERSION.war
(cd "$STAGE" && find WEB-INF -type f | LC_ALL=C sort > "$WORK/entries" \
    && jar --create --file "$WORK/out.war" --date=2024-01-01T00:00:00Z --no-manifest @"$WORK/entries")
mv -f "$WORK/out.war" "$WAR.tmp.$$"
mv -f "$WAR.tmp.$$" "$WAR"
echo "$WAR"
