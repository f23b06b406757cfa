#!/usr/bin/env bash
# Measures the running app from outside, as BENCHMARKS.md reports it:
#
#   Kisei.Benchmarks/app.sh memory MODEL [SCREAMS]   resident set after each upload
#   Kisei.Benchmarks/app.sh score  MODEL [SCREAMS]   upload-to-score wall time per upload
#   Kisei.Benchmarks/app.sh pages                    p50/p90/p99 at 200 requests/s (needs hey)
#   Kisei.Benchmarks/app.sh burst [UPLOADS]          resident set while UPLOADS (default 50) 10 MB
#                                                    uploads arrive at once, and for a minute after
#   Kisei.Benchmarks/app.sh mixed [MODEL]            home page p50/p90/p99 at 200 requests/s while
#                                                    2 uploads/s are scored (needs hey)
#   Kisei.Benchmarks/app.sh page-score [MODEL]       in Chromium, upload to score on the page; RECORD_MS
#                                                    (default 1500) of the 10 s clip are recorded
#                                                    (build Kisei.Benchmarks in Release too)
#
# Build first: dotnet build -c Release Kisei.Web. The app runs with the container's runtime settings (Dockerfile:
# DOTNET_ReadyToRun=0, tiering off and ConserveMemory from Kisei.Web.csproj). APP_ROOT=DIR runs the app built in another checkout
# (to compare a change with main, say), with this checkout's scripts. The app runs on its embedded defaults in the
# Development environment (development sign-in), on port $PORT (default 5390), with a new private database
# for each run, so runs compare alike. Each run signs in a fresh player, so the daily upload limit never
# interferes. The clip is a 10 s, 48 kHz mono sawtooth at half scale, written here with Python's standard
# library.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
port=${PORT:-5390}
base=http://127.0.0.1:$port
work=$(mktemp -d)
chmod 711 "$work" # so that the private PostgreSQL, run as nobody when we are root, keeps its data here and goes with it
app=

cleanup() {
    if [[ -n $app ]]; then
        kill "$app" 2>/dev/null || true
        wait "$app" 2>/dev/null || true
    fi
    if [[ -n ${KEEP_LOG:-} ]]; then cp "$work/app.log" "$KEEP_LOG"; fi
    rm -rf "$work"
}
trap cleanup EXIT

start_app() { # [model]
    # DOTNET_ReadyToRun=0 as the container sets it (Dockerfile); DOTNET_ReadyToRun=1 in the caller's environment measures without.
    (cd "${APP_ROOT:-$root}/Kisei.Web" && ASPNETCORE_ENVIRONMENT=Development Speech__ModelPath=${1:-} DOTNET_ReadyToRun=${DOTNET_ReadyToRun:-0} \
        Database__DataDirectory="$work/postgres" exec dotnet bin/Release/net10.0/Kisei.Web.dll --urls "$base") >"$work/app.log" 2>&1 &
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

write_big_clip() { # 29.5 s, 44.1 kHz, 32-bit stereo: 10.4 MB, just under the 10 MiB limit
    python3 - "$work/big.wav" <<'EOF'
import struct, sys, wave
rate, frames = 44100, int(44100 * 29.5)
one = b"".join(struct.pack("<ii", v, v) for v in (int(2**30 * (2 * ((i * 220 / rate) % 1.0) - 1)) for i in range(rate)))
with wave.open(sys.argv[1], "wb") as w:
    w.setnchannels(2); w.setsampwidth(4); w.setframerate(rate)
    w.writeframes((one * 30)[: frames * 8])
EOF
}

upload() { # [token]: prints the new scream's id
    curl -s -c "$work/jar" -b "$work/jar" --fail -H "Accept: application/json" \
        -F "__RequestVerificationToken=${1:-$(token)}" -F "audio=@$work/clip.wav;type=audio/wav" "$base/screams" |
        grep -o '"id":"[^"]*"' | cut -d'"' -f4
}

wait_scored() { # id
    # As the result page waits: its long poll answers when the run ends (or after 10 s), so no busy polling
    # takes CPU from the scoring being measured.
    local status
    while true; do
        status=$(curl -s -c "$work/jar" -b "$work/jar" "$base/api/screams/$1" | grep -o '"status":"[a-z]*"')
        case $status in
        *'"scored"') return ;;
        *'"failed"') echo "scream $1 failed; the end of the app's log:" >&2; tail -20 "$work/app.log" >&2; exit 1 ;;
        esac
        curl -s -o /dev/null -b "$work/jar" "$base/screams/$1?handler=Status&wait=true"
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
        form_token=$(token) # the page the player sends from is already loaded
        started=$(date +%s%N)
        id=$(upload "$form_token")
        posted=$(date +%s%N)
        # The clock stops when the result page's own long poll answers with the score: nothing after it counts.
        while status=$(curl -s -b "$work/jar" "$base/screams/$id?handler=Status&wait=true" | grep -o 'data-status="[a-z]*"'); [[ $status != *'"scored"' ]]; do
            if [[ $status == *'"failed"' ]] || (($(date +%s%N) - started > 60000000000)); then
                echo "scream $id was not scored ($status); the end of the app's log:" >&2
                tail -20 "$work/app.log" >&2
                exit 1
            fi
        done
        scored=$(date +%s%N)
        echo "scream $n: $(((scored - started) / 1000000)) ms upload to scored (the upload's answer $(((posted - started) / 1000000)) ms)"
        sleep 1
    done
    ;;
burst)
    uploads=${2:-50}
    write_big_clip
    start_app
    echo "started: $(resident); clip $(stat -c %s "$work/big.wav") bytes"
    # One player per two uploads (a player may have two in flight), each with its own cookie jar.
    for n in $(seq 1 $(((uploads + 1) / 2))); do
        sign_in
        mv "$work/jar" "$work/jar-$n"
    done
    for n in $(seq 1 "$uploads"); do
        jar="$work/jar-$(((n + 1) / 2))"
        token=$(curl -s -b "$jar" "$base/" | grep -o 'name="__RequestVerificationToken"[^>]*value="[^"]*"' | head -1 | sed 's/.*value="//;s/"$//')
        echo "$jar $token" >>"$work/tokens"
    done
    while read -r jar token; do
        (curl -s -o /dev/null -w '%{http_code}\n' -b "$jar" -H "Accept: application/json" \
            -F "__RequestVerificationToken=$token" -F "audio=@$work/big.wav;type=audio/wav" "$base/screams" >>"$work/codes") &
    done <"$work/tokens"
    while [[ $(jobs -rp | wc -l) -gt 1 ]]; do # the app itself is one of the jobs
        awk '/^VmRSS/ { print $2 / 1024 }' "/proc/$app/status" >>"$work/rss"
        sleep 0.2
    done
    echo "answers: $(sort "$work/codes" | uniq -c | tr -s ' \n' ' ')"
    echo "during the burst: highest sampled resident set $(sort -n "$work/rss" | tail -1 | cut -d. -f1) MB; now $(resident)"
    for s in $(seq 5 5 60); do
        sleep 5
        echo "$s s after: $(resident)"
    done
    ;;
mixed)
    # One player uploads twice a second, far above the default rate limit, which is raised for this run.
    export Screams__UploadsPerMinute=10000 Screams__UploadsPerDay=1000000
    write_clip
    start_app "${2:-}"
    sign_in
    cookie=$(awk 'NF >= 7 && (!/^#/ || /^#HttpOnly_/) { printf "%s=%s; ", $6, $7 }' "$work/jar")
    upload_token=$(token)
    hey -z 10s -c 10 -q 20 -H "Cookie: $cookie" "$base/" >/dev/null
    (
        end=$((SECONDS + 32))
        while ((SECONDS < end)); do
            curl -s -b "$work/jar" -H "Accept: application/json" -w '\n' \
                -F "__RequestVerificationToken=$upload_token" -F "audio=@$work/clip.wav;type=audio/wav" "$base/screams" >>"$work/answers" &
            sleep 0.5
        done
        wait
    ) &
    uploader=$!
    echo "== / signed in, with 2 uploads/s scored alongside ($([[ -n ${2:-} ]] && echo "Whisper model $2" || echo "syllable estimator"))"
    hey -z 30s -c 10 -q 20 -H "Cookie: $cookie" "$base/" | grep -E 'Requests/sec|(50|90|99)% in|\[[0-9]{3}\]'
    wait "$uploader"
    done_uploading=$(date +%s%N)
    grep -o '"id":"[^"]*"' "$work/answers" | cut -d'"' -f4 >"$work/ids"
    echo "uploads accepted: $(wc -l <"$work/ids") of $(wc -l <"$work/answers")"
    while read -r id; do wait_scored "$id"; done <"$work/ids"
    echo "the last was scored $((($(date +%s%N) - done_uploading) / 1000000)) ms after the last upload; $(resident)"
    ;;
page-score)
    export Screams__UploadsPerMinute=10000 Screams__UploadsPerDay=1000000
    write_clip
    start_app "${2:-}"
    dotnet "$root/Kisei.Benchmarks/bin/Release/net10.0/Kisei.Benchmarks.dll" page-score \
        --url "$base" --microphone "$work/clip.wav" --rounds "${ROUNDS:-10}" --record-ms "${RECORD_MS:-1500}"
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
    sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
