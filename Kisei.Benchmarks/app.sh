#!/usr/bin/env bash
# Measures the running app from outside, as BENCHMARKS.md reports it:
#
#   Kisei.Benchmarks/app.sh memory MODEL [SCREAMS]   resident set after each upload
#   Kisei.Benchmarks/app.sh score  MODEL [SCREAMS]   upload-to-score wall time per upload
#   Kisei.Benchmarks/app.sh pages                    p50/p90/p99 at 200 requests/s (needs hey)
#
# Build first: dotnet build -c Release Kisei.Web. The app runs on its embedded defaults in the
# Development environment (development sign-in), on port $PORT (default 5390). Each run signs
# in a fresh player, so the daily upload limit never interferes. The clip is a 10 s, 48 kHz
# mono sawtooth at half scale, written here with Python's standard library.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-5390}
base=http://127.0.0.1:$port
work=$(mktemp -d)
app=

cleanup() {
    if [[ -n $app ]]; then
        kill "$app" 2>/dev/null || true
        wait "$app" 2>/dev/null || true
    fi
    rm -rf "$work"
}
trap cleanup EXIT

start_app() { # [model]
    (cd "$root/Kisei.Web" && ASPNETCORE_ENVIRONMENT=Development Speech__ModelPath=${1:-} \
        exec dotnet bin/Release/net10.0/Kisei.Web.dll --urls "$base") >"$work/app.log" 2>&1 &
    app=$!
    for _ in $(seq 1 120); do
        curl -sf -o /dev/null "$base/" && return
        sleep 0.5
    done
    echo "the app did not start; its log:" >&2
    cat "$work/app.log" >&2
    exit 1
}

token() { # the antiforgery token of the front page
    curl -s -c "$work/jar" -b "$work/jar" "$base/" |
        grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//'
}

sign_in() {
    curl -s -c "$work/jar" -b "$work/jar" -o /dev/null --fail \
        -d "__RequestVerificationToken=$(token)&name=bench-$RANDOM$RANDOM" "$base/Account/DevSignIn"
}

write_clip() {
    python3 - "$work/clip.wav" <<'EOF'
import struct, sys, wave
rate, seconds, hz = 48000, 10, 220
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(1); w.setsampwidth(2); w.setframerate(rate)
    w.writeframes(b"".join(struct.pack("<h", int(16383 * (2 * ((i * hz / rate) % 1.0) - 1)))
                           for i in range(rate * seconds)))
EOF
}

upload() { # prints the new scream's id
    curl -s -c "$work/jar" -b "$work/jar" --fail -H "Accept: application/json" \
        -F "__RequestVerificationToken=$(token)" -F "audio=@$work/clip.wav;type=audio/wav" "$base/screams" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])'
}

wait_scored() { # id
    local status
    while true; do
        status=$(curl -s -c "$work/jar" -b "$work/jar" "$base/api/screams/$1" | grep -o '"status":"[a-z]*"')
        case $status in
        *'"scored"') return ;;
        *'"failed"') echo "scream $1 failed; the end of the app's log:" >&2; tail -20 "$work/app.log" >&2; exit 1 ;;
        esac
        sleep 0.02
    done
}

resident() {
    awk '/^VmRSS/ { rss = $2 } /^VmHWM/ { hwm = $2 } END { printf "resident %d MB, peak %d MB\n", rss / 1024, hwm / 1024 }' \
        "/proc/$app/status"
}

case ${1:-} in
memory)
    write_clip
    start_app "${2:?model path}"
    echo "started: $(resident)"
    sign_in
    for n in $(seq 1 "${3:-10}"); do
        wait_scored "$(upload)"
        sleep 10
        echo "after scream $n: $(resident)"
    done
    ;;
score)
    write_clip
    start_app "${2:?model path}"
    sign_in
    for n in $(seq 1 "${3:-6}"); do
        started=$(date +%s%N)
        wait_scored "$(upload)"
        echo "scream $n: $((($(date +%s%N) - started) / 1000000)) ms upload to scored"
        sleep 1
    done
    ;;
pages)
    start_app
    sign_in
    cookie=$(awk 'NF >= 7 && (!/^#/ || /^#HttpOnly_/) { printf "%s=%s; ", $6, $7 }' "$work/jar")
    for path in /leaderboard / "/?handler=Status"; do
        hey -z 10s -c 10 -q 20 -H "Cookie: $cookie" "$base$path" >/dev/null
        echo "== $path"
        hey -z 30s -c 10 -q 20 -H "Cookie: $cookie" "$base$path" | grep -E 'Requests/sec|(50|90|99)% in|\[[0-9]{3}\]'
    done
    ;;
*)
    sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
