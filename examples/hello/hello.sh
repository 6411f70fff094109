#!/bin/sh
echo "hello from $(uname -m) (built on $(cat /etc/built-on-arch))"
