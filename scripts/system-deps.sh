#!/usr/bin/env bash
# Installs the system tools zhengji needs (ffmpeg, ffprobe) on Debian or Ubuntu,
# and says clearly what to do where it cannot.
set -euo pipefail

# --browser: also Chromium, node and a CJK font, for the page tests, nginx, and promtool (Debian's
# prometheus package) for the alert rules' checks (make test).
# --bench: also MediaConch, the baseline bench_validator compares with (make bench).
missing=()
if [ "${1:-}" = "--bench" ]; then
  command -v mediaconch >/dev/null 2>&1 || missing+=(mediaconch)
fi
if [ "${1:-}" = "--browser" ]; then
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v node >/dev/null 2>&1 || missing+=(nodejs)  # runs the page's pre-check reader on the test media
  command -v nginx >/dev/null 2>&1 || missing+=(nginx-light)  # nginx -t of deploy/nginx (~1 MB)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|noto sans cjk" || missing+=(fonts-wqy-microhei)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)  # promtool check/test rules (~94 MB)
fi
command -v ffmpeg >/dev/null 2>&1 || missing+=(ffmpeg)
command -v ffprobe >/dev/null 2>&1 || missing+=(ffmpeg)
command -v python3 >/dev/null 2>&1 || missing+=(python3 python3-venv)
[ ${#missing[@]} -eq 0 ] && exit 0

pkgs=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if ! command -v apt-get >/dev/null 2>&1; then
  echo "缺少 / missing: ${pkgs}— 这台机器没有 apt-get：请用系统的包管理器安装这些软件后重试。" >&2
  echo "No apt-get here: install ${pkgs}with your system's package manager, then run make again." >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo="sudo"
  else
    echo "缺少 / missing: ${pkgs}— 需要 root 权限安装：请运行 sudo apt-get install -y ${pkgs}" >&2
    echo "Not root and no passwordless sudo: run 'sudo apt-get install -y ${pkgs}', then make again." >&2
    exit 1
  fi
fi
echo "安装 / installing: ${pkgs}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends ${pkgs} >/dev/null
