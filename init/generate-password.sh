#!/bin/sh
# pg-cluster step "generate-password": prints a random 32-character password (about 190 bits)
# from the kernel's CSPRNG. Pulumi runs it once; the result lives in state as a secret and stays
# the same across updates.
set -eu
LC_ALL=C tr -dc 'A-Za-z0-9' </dev/urandom | head -c 32
