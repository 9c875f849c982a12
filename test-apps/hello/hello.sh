#!/bin/sh
# The built-in demo app: shows that it runs from the assembled app dir with the container's environment.
echo "hello from $(basename "$(pwd)"): ${GREETING:-an app delivered as an OCI artifact}"
echo "files: $(ls | tr '\n' ' ')"
