#!/usr/bin/env bash
# Times `keyrite slip39 recover --allow-pipe` (release build) next to the reference
# `shamir recover` (shamir-mnemonic 0.3.0) on the SAME shares, end to end (process start
# to secret printed), at iteration exponent 0 (the goal: keyrite at least 10x faster)
# and at 2 (for information: there PBKDF2 dominates both).
#
# The shares are made once per exponent with `shamir create custom -t 2 -g 2 3 -g 3 5`
# and kept in a private temp dir that is removed on exit; both tools read the same
# five-share input file on stdin. Uses hyperfine when installed
# (`apt-get install -y hyperfine`), else a loop of RUNS runs timed with `date +%s%N`.
#
# Usage: benches/compare-shamir.sh   (RUNS=20 by default; BENCH_TIMER=loop skips hyperfine)
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS=${RUNS:-20}
EXPONENTS=(0 2)
GOAL=10

if ! command -v shamir >/dev/null 2>&1 || ! shamir --help >/dev/null 2>&1; then
  echo "error: the reference \`shamir\` command is not installed" >&2
  echo "  hint: python3 -m pip install 'shamir-mnemonic[cli]==0.3.0'" >&2
  exit 2
fi
# A pyenv shim adds a shell script and a pyenv lookup in front of Python: time the real
# entry point, to be fair to the reference.
SHAMIR=$(command -v shamir)
if command -v pyenv >/dev/null 2>&1 && real=$(pyenv which shamir 2>/dev/null); then
  SHAMIR=$real
fi

echo "building keyrite (release)..." >&2
cargo build --release --quiet --bin keyrite
KEYRITE=${CARGO_TARGET_DIR:-target}/release/keyrite

tmp=$(mktemp -d)
chmod 700 "$tmp"
trap 'rm -rf "$tmp"' EXIT

# Mean wall time in ms of: $1 < $2 (stdout discarded).
time_with_hyperfine() {
  local cmd=$1 input=$2 json="$tmp/hyperfine.json"
  if ! hyperfine --style none --warmup 3 --runs "$RUNS" --export-json "$json" \
    "$cmd < $input" >/dev/null 2>"$tmp/hyperfine.err"; then
    cat "$tmp/hyperfine.err" >&2
    return 1
  fi
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["results"][0]; print("%.2f %.2f" % (r["mean"]*1e3, r["stddev"]*1e3))' "$json"
}

# The same with a plain loop: the command runs straight from this shell (no extra shell),
# and the cost of the two `date` calls, measured around a no-op, is subtracted.
loop_samples() {
  local i t0 t1
  for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    "$@"
    t1=$(date +%s%N)
    echo $((t1 - t0))
  done
}

time_with_loop() {
  local cmd=$1 input=$2 overhead
  read -ra argv <<<"$cmd"
  for _ in 1 2 3; do "${argv[@]}" <"$input" >/dev/null; done
  overhead=$(loop_samples true | python3 -c 'import statistics,sys; print(statistics.median(int(x) for x in sys.stdin))')
  run_one() { "${argv[@]}" <"$input" >/dev/null; }
  loop_samples run_one | python3 -c 'import statistics,sys; o=float(sys.argv[1]); v=[(int(x)-o)/1e6 for x in sys.stdin]; print("%.2f %.2f" % (statistics.mean(v), statistics.pstdev(v)))' "$overhead"
}

if [[ ${BENCH_TIMER:-} != loop ]] && command -v hyperfine >/dev/null 2>&1; then
  timer=time_with_hyperfine
  how="hyperfine $(hyperfine --version | awk '{print $2}'), $RUNS runs after 3 warmups"
else
  timer=time_with_loop
  how="date +%s%N loop, $RUNS runs after 3 warmups; apt-get install -y hyperfine for better figures"
fi

rows=()
for e in "${EXPONENTS[@]}"; do
  shamir create custom -t 2 -g 2 3 -g 3 5 -E "$e" >"$tmp/create-e$e.txt"
  secret=$(sed -n 's/^Using master secret: //p' "$tmp/create-e$e.txt")
  # Two shares of group 1 (lines 3-4) and three of group 2 (lines 7-9).
  sed -n '3,4p;7,9p' "$tmp/create-e$e.txt" >"$tmp/shares-e$e.txt"
  for tool in "$KEYRITE slip39 recover --allow-pipe" "$SHAMIR recover"; do
    got=$($tool <"$tmp/shares-e$e.txt" | sed -n 's/^Your master secret is: //p')
    if [[ "$got" != "$secret" ]]; then
      echo "error: \`$tool\` did not recover the secret at e=$e" >&2
      exit 1
    fi
  done
  read -r k_mean k_sd < <($timer "$KEYRITE slip39 recover --allow-pipe" "$tmp/shares-e$e.txt")
  read -r s_mean s_sd < <($timer "$SHAMIR recover" "$tmp/shares-e$e.txt")
  ratio=$(python3 -c "print('%.1f' % ($s_mean / $k_mean))")
  rows+=("$e|$k_mean ± $k_sd|$s_mean ± $s_sd|${ratio}x")
  if [[ $e == 0 ]]; then ratio0=$ratio; fi
done

echo
echo "slip39 recover, 2-of-[2of3, 3of5], 5 shares on stdin, 128-bit secret ($how)"
printf '%-4s  %-20s  %-20s  %s\n' "e" "keyrite (ms)" "shamir (ms)" "shamir/keyrite"
for row in "${rows[@]}"; do
  IFS='|' read -r e k s r <<<"$row"
  printf '%-4s  %-20s  %-20s  %s\n' "$e" "$k" "$s" "$r"
done
echo "keyrite: $KEYRITE; shamir: $SHAMIR"
if python3 -c "import sys; sys.exit(0 if $ratio0 >= $GOAL else 1)"; then
  echo "goal met: keyrite is ${ratio0}x faster than shamir at e=0 (goal: ${GOAL}x)"
else
  echo "goal NOT met: keyrite is ${ratio0}x faster than shamir at e=0 (goal: ${GOAL}x)"
  exit 1
fi
