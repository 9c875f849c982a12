#!/bin/sh
# Tests exit code pass-through: exits with the code given as its first argument (0..255).
exit "${1:?usage: exit-with.sh CODE}"
