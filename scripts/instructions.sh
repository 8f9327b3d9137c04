#!/usr/bin/env bash
# Instructions per element of each kernel, counted by callgrind (exact, noise-free).
#
#   scripts/instructions.sh [backend] [kernel...]     (backend: avx2 by default)
#
# For each kernel the driver `examples/instructions.rs` runs under
# `valgrind --tool=callgrind` twice, with N calls and with 0 calls; the difference divided by
# N * elements is printed. valgrind does not implement AVX-512: under it, forcing `avx512` fails
# and the count is that of the AVX2 path. Needs valgrind; skips with a message without it.
set -euo pipefail

cd "$(dirname "$0")/.."

if ! command -v valgrind >/dev/null 2>&1; then
    echo "valgrind not found: skipping instruction counts (apt-get install valgrind)"
    exit 0
fi

backend=${1:-avx2}
shift || true
cargo build --release --example instructions --quiet
target_dir=${CARGO_TARGET_DIR:-target}
bin="$target_dir/release/examples/instructions"

if [ "$#" -gt 0 ]; then
    kernels=("$@")
else
    # Every activation of the registry, PReLU, softmax and log-softmax on three shapes.
    mapfile -t kernels < <("$bin" --list)
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT

# Total instructions (Ir) of one run.
count() {
    valgrind --tool=callgrind --callgrind-out-file="$out" "$bin" "$@" >/dev/null 2>&1
    awk '/^(summary|totals):/ { print $2; exit }' "$out"
}

printf '%-20s %8s %8s\n' kernel backend 'Ir/elem'
for kernel in "${kernels[@]}"; do
    case $kernel in
        *:*x*) # every matrix kernel: softmax, log-softmax, their options, backward
            shape=${kernel#*:}
            elements=$(( ${shape%x*} * ${shape#*x} ))
            calls=$(( 4 * 1024 * 1024 / elements )) # 4 Mi elements in all
            [ "$calls" -ge 1 ] || calls=1
            ;;
        *)
            elements=4096
            calls=1000
            ;;
    esac
    with=$(count "$kernel" "$backend" "$calls")
    without=$(count "$kernel" "$backend" 0)
    awk -v a="$with" -v b="$without" -v n="$calls" -v e="$elements" -v k="$kernel" -v be="$backend" \
        'BEGIN { printf "%-20s %8s %8.3f\n", k, be, (a - b) / (n * e) }'
done
