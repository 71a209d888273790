#!/usr/bin/env bash
# Screenshots of the real window's first screen under a virtual X display (Xvfb, software
# OpenGL): in a fresh home (the demo store) and in a project whose datajoint.json names a
# default store. Writes assets/first-screen-demo.png and assets/first-screen-project.png.
# Needs: apt-get install xvfb imagemagick xdotool; a release build (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=$PWD/target/release/npyscope
assets=$PWD/assets
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
Xvfb :97 -screen 0 1400x900x24 -nolisten tcp &
export DISPLAY=:97
sleep 1

# shot NAME FOLDER SECONDS: runs the window in FOLDER with a fresh home and saves it.
shot() {
  local name=$1 folder=$2 wait=$3 home=$work/home-$1
  mkdir -p "$home"
  (cd "$folder" && HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share \
    "$bin" >"$work/$name.log" 2>&1) &
  local pid=$!
  local window=""
  for _ in $(seq 60); do
    window=$(xdotool search --name '^npyscope' 2>/dev/null | head -1) && [ -n "$window" ] && break
    sleep 0.5
  done
  [ -n "$window" ] || { echo "no window for $name" >&2; cat "$work/$name.log" >&2; exit 1; }
  xdotool windowsize "$window" 1280 800
  sleep "$wait"
  import -window "$window" "$assets/$name.png"
  echo "$name: $(xdotool getwindowname "$window")"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# A fresh home: the demo store is made on first run and opens at its first table.
shot first-screen-demo "$work" 12

# A project: datajoint.json names a default store (a folder of DataJoint-layout arrays, here a
# copy of the demo's ephys schema).
project=$work/project
mkdir -p "$project/store/_schema"
cp -r "$work/home-first-screen-demo/.local/share/npyscope/demo-store/_schema/demo_ephys" \
  "$project/store/_schema/lab_ephys"
cat >"$project/datajoint.json" <<JSON
{"stores": {"default": "raw", "raw": {"protocol": "file", "location": "$project/store"}}}
JSON
shot first-screen-project "$project" 6
