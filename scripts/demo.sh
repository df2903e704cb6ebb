#!/bin/sh
# The quick start in one command (as root on Debian 12): installs what rt
# needs, builds it, makes a busybox bundle in ./demo and runs it.
set -e
cd "$(dirname "$0")/.."
export PATH="/usr/local/go/bin:$PATH"
./scripts/install-deps.sh
go build -trimpath -o rt .
rm -rf demo
./scripts/mkbundle.sh demo 'echo "Hello from a container run by rt (hostname: $(hostname))"'
exec ./rt --root /run/rt run demo
