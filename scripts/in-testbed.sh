#!/usr/bin/env bash
# Runs a command (the test runner, the benchmarks) in the test bed: a private network namespace
# and mount namespace of its own, with only a loopback interface. The Docker engine the tests
# start there (test/support/engine.ts) owns its bridge and mounts inside them, and reaches the
# loopback registries the tests start; the host's network and mounts stay untouched, and all of
# it is gone when the command ends. Needs root (unshare).
set -euo pipefail

if [ "${CMH_IN_TESTBED:-}" != 1 ]; then
    [ "$(id -u)" -eq 0 ] || { echo "in-testbed: run as root (it makes a network namespace): sudo bash $0 $*" >&2; exit 1; }
    # CMH_HOST_NETNS lets the tests check that they run in a namespace other than the host's.
    exec unshare --net --mount --propagation private -- \
        env CMH_IN_TESTBED=1 CMH_HOST_NETNS="$(readlink /proc/self/ns/net)" bash "$0" "$@"
fi
ip link set lo up
# One address that is not loopback, on a veth pair inside this namespace only (TEST-NET-1,
# RFC 5737): verify must treat a plain-HTTP registry there as remote (test/verify/network.test.ts).
ip link add cmh0 type veth peer name cmh1
ip addr add 192.0.2.1/24 dev cmh0
ip link set cmh1 up
ip link set cmh0 up
exec "$@"
