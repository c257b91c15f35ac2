#!/usr/bin/env bash
# Installs a software WebGPU adapter for Dawn (the `webgpu` npm package) on Debian 12: the
# Vulkan loader from Debian, and Mesa 25 lavapipe (Vulkan on the CPU) from bookworm-backports,
# unpacked under a cache folder without touching apt's sources or the installed packages
# (Debian 12's own Mesa 22.3 lavapipe is rejected by Dawn: "shaderUniform*ArrayDynamicIndexing
# required"). Run as root on a fresh machine; a second run finds everything and returns at once.
#
# Prints nothing on stdout but the environment to use it, as shell assignments:
#   eval "$(bash tools/webgpu/install-lavapipe.sh)"
# or `bash tools/webgpu/lavapipe-run.sh <command>` (which installs when needed and runs the
# command with that environment). Cache folder: $UQJS_LAVAPIPE_DIR, default /var/cache/uqjs-lavapipe.
set -euo pipefail

dir="${UQJS_LAVAPIPE_DIR:-/var/cache/uqjs-lavapipe}"
lib="$dir/root/usr/lib/x86_64-linux-gnu"
icd="$dir/lvp_icd.json"

log() { echo "[install-lavapipe] $*" >&2; }

print_env() {
  echo "export VK_ICD_FILENAMES='$icd'"
  echo "export LD_LIBRARY_PATH='$lib'\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}"
  echo "export XDG_RUNTIME_DIR='$dir/xdg'"
}

if [ "$(uname -m)" != x86_64 ]; then
  log "only x86-64 is scripted here (found $(uname -m))"
  exit 2
fi

# Already installed: the ICD file, the driver it names, and the loader.
if [ -f "$icd" ] && [ -f "$lib/libvulkan_lvp.so" ] && ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  print_env
  exit 0
fi

if [ "$(id -u)" != 0 ]; then
  log "needs root (apt-get); run it with sudo, or as root in the container"
  exit 2
fi
if ! command -v apt-get >/dev/null || ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release; then
  log "expects Debian 12 (bookworm) with apt-get; elsewhere install a Mesa >= 24 lavapipe (mesa-vulkan-drivers) and libvulkan1 from the distribution"
  exit 2
fi

export DEBIAN_FRONTEND=noninteractive
# The loader, and Debian's own Mesa for the libLLVM-15 that backports' lavapipe 25 links to.
missing=()
for p in libvulkan1 mesa-vulkan-drivers; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  log "apt-get install ${missing[*]}"
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
fi

# bookworm-backports' Mesa, downloaded with a private apt state (no change to /etc/apt).
mkdir -p "$dir/apt/lists/partial" "$dir/apt/etc" "$dir/debs" "$dir/xdg"
chmod 700 "$dir/xdg"
echo 'deb http://deb.debian.org/debian bookworm-backports main' >"$dir/apt/etc/sources.list"
o=(-oDir::Etc::SourceList="$dir/apt/etc/sources.list" -oDir::Etc::SourceParts=/nonexistent
  -oDir::State::Lists="$dir/apt/lists" -oDir::Cache="$dir/apt/cache" -oAPT::Sandbox::User=root -qq)
mkdir -p "$dir/apt/cache/archives/partial"
log "downloading mesa-vulkan-drivers, libdrm2, libdrm-amdgpu1 from bookworm-backports"
apt-get "${o[@]}" update >&2
(cd "$dir/debs" && apt-get "${o[@]}" download mesa-vulkan-drivers libdrm2 libdrm-amdgpu1 >&2)
rm -rf "$dir/root"
for f in "$dir"/debs/*.deb; do dpkg -x "$f" "$dir/root"; done
if [ ! -f "$lib/libvulkan_lvp.so" ]; then
  log "no libvulkan_lvp.so in the downloaded packages ($dir/debs)"
  exit 1
fi
api=$(cat "$dir"/root/usr/share/vulkan/icd.d/lvp_icd*.json 2>/dev/null |
  sed -n 's/.*"api_version": *"\([0-9.]*\)".*/\1/p' | head -1 || true)
printf '{"ICD":{"api_version":"%s","library_path":"%s"},"file_format_version":"1.0.0"}\n' \
  "${api:-1.4.305}" "$lib/libvulkan_lvp.so" >"$icd.tmp"
mv "$icd.tmp" "$icd"
log "lavapipe $(ls "$dir"/debs/mesa-vulkan-drivers_*.deb | sed 's/.*_\(.*\)_.*/\1/') in $dir"
print_env
