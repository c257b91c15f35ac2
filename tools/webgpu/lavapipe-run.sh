#!/usr/bin/env bash
# Runs a command with Mesa lavapipe as the Vulkan driver (a software WebGPU adapter for Dawn),
# installing it first when missing (install-lavapipe.sh; needs root the first time):
#   bash tools/webgpu/lavapipe-run.sh npx vitest run ...
set -euo pipefail
env_lines=$(bash "$(dirname "$0")/install-lavapipe.sh")
eval "$env_lines"
exec "$@"
