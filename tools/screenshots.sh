#!/usr/bin/env bash
# Screenshots of the real window's first screen under a virtual X display (Xvfb, software
# OpenGL): in a fresh home (the demo store) and in a project whose datajoint.json names a
# default store; a waveform opened from the command line (plotted at once). Writes
# assets/first-screen-demo.png, assets/first-screen-project.png and assets/plot-stacked.png.
# It also double-clicks a files-table row in the real window (xdotool) and checks that the
# folder opened (the title says where the window is): kittest cannot simulate a double click.
# Needs: apt-get install xvfb imagemagick xdotool; a release build (cargo build --release).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${NPYSCOPE_BIN:-$PWD/target/release/npyscope}
assets=$PWD/assets
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
Xvfb :97 -screen 0 1400x900x24 -nolisten tcp &
export DISPLAY=:97
sleep 1

# shot NAME FOLDER SECONDS [ARGS…]: runs the window in FOLDER with a fresh home, saves it, and
# leaves it open (its window id in $window, its process in $pid).
shot() {
  local name=$1 folder=$2 wait=$3 home=$work/home-$1
  shift 3
  mkdir -p "$home"
  (cd "$folder" && HOME=$home XDG_CONFIG_HOME=$home/.config XDG_DATA_HOME=$home/.local/share \
    exec "$bin" "$@" >"$work/$name.log" 2>&1) &
  pid=$!
  window=""
  for _ in $(seq 60); do
    window=$(xdotool search --pid "$pid" --name '^npyscope' 2>/dev/null | head -1) && [ -n "$window" ] && break
    sleep 0.5
  done
  [ -n "$window" ] || { echo "no window for $name" >&2; cat "$work/$name.log" >&2; exit 1; }
  xdotool windowsize "$window" 1280 800
  sleep "$wait"
  import -window "$window" "$assets/$name.png"
  echo "$name: $(xdotool getwindowname "$window")"
}

# close: ends the window last shot.
close() {
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

# expect_title TITLE WHAT: fails (naming WHAT) unless the window's title is TITLE.
expect_title() {
  local title
  title=$(xdotool getwindowname "$window")
  if [ "$title" != "$1" ]; then
    echo "$2; title: $title" >&2
    exit 1
  fi
}

# A double click on the second row of the schema's files table (recording/, right of its name)
# opens it: the title says so.
double_click_check() {
  xdotool mousemove --window "$window" 224 43 click 1  # the breadcrumb's Up
  sleep 2
  expect_title "npyscope — Demo:_schema/demo_ephys" "Up did not go up to the schema"
  xdotool mousemove --window "$window" 900 162 click --repeat 2 --delay 80 1
  sleep 2
  expect_title "npyscope — Demo:_schema/demo_ephys/recording" \
    "a double click on a row did not open it"
  echo "double click on a row opened it"
}

# A fresh home: the demo store is made on first run and opens at its first table.
shot first-screen-demo "$work" 12
double_click_check
close

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
close

# A waveform from the command line: selected, plotted, named in the title.
waveform=$(ls "$work"/home-first-screen-demo/.local/share/npyscope/demo-store/_schema/demo_ephys/recording/subject_id=mouse01/session=1/waveform_*.npy)
shot plot-stacked "$work" 8 "$waveform"
close
