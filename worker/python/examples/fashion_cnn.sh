#!/usr/bin/env bash
# Trains a small CNN on Fashion-MNIST through byzps: a server that knows nothing of the model
# (--task external), an evaluator and N PyTorch workers, B of them Byzantine.
#
#   worker/python/examples/fashion_cnn.sh [--rounds 500] [--workers 8] [--byzantine 2]
#       [--attack sign-flip:k=4] [--rule flag] [--f B] [--learning-rate 0.05] [--momentum 0.9]
#       [--every 25] [--test-size 10000] [--batch-size 64]
#
# With the Flag Aggregator the attack is filtered out; run it again with --rule mean to see what
# the attack does without a defence: 2 workers pushing −4·g outweigh 6 honest ones, and the mean
# climbs the loss until every gradient is NaN and training stalls (the evaluator then evaluates the
# θ it stalled at and the run ends). Prints the evaluator's progress and ends with "… accuracy 0.NN".
# Needs: node (and npm ci in the repository), /usr/bin/python3 with torch, grpc, grpc_tools, numpy
# (apt-get install python3-torch python3-grpcio python3-grpc-tools python3-numpy dataset-fashion-mnist).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
python="${PYTHON:-/usr/bin/python3}"
rounds=500 workers=8 byzantine=2 attack=sign-flip:k=4 rule=flag f= learning_rate=0.05 momentum=0.9 every=25 test_size=10000 batch_size=64
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds="$2"; shift 2 ;;
    --workers) workers="$2"; shift 2 ;;
    --byzantine) byzantine="$2"; shift 2 ;;
    --attack) attack="$2"; shift 2 ;;
    --rule) rule="$2"; shift 2 ;;
    --f) f="$2"; shift 2 ;;
    --learning-rate) learning_rate="$2"; shift 2 ;;
    --momentum) momentum="$2"; shift 2 ;;
    --every) every="$2"; shift 2 ;;
    --test-size) test_size="$2"; shift 2 ;;
    --batch-size) batch_size="$2"; shift 2 ;;
    -h|--help) sed -n '2,14p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "fashion_cnn.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
f="${f:-$byzantine}"
if [ "$rule" = mean ]; then f=0; fi

work="$(mktemp -d)"
pids=()
cleanup() {
  # Workers and the evaluator first, the server (the first pid) last.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do kill -TERM "${pids[$i]}" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start=$(date +%s.%N)
"$python" "$here/fashion_cnn.py" init --out "$work/theta0.npy"
node "$root/dist/cli/main.js" ps --task external --initial-parameters "$work/theta0.npy" \
  --rule "$rule" --f "$f" --learning-rate "$learning_rate" --momentum "$momentum" \
  --grpc-host 127.0.0.1 --grpc-port 0 --http-host 127.0.0.1 --http-port 0 \
  --round-deadline-ms 60000 --log-level warn >"$work/server.log" 2>"$work/server.err" &
pids+=($!)
for _ in $(seq 1 300); do
  address="$(sed -n 's/^byzps ps: gRPC on \([^,]*\), metrics on \(.*\)$/\1/p' "$work/server.err")"
  [ -n "$address" ] && break
  if ! kill -0 "${pids[0]}" 2>/dev/null; then cat "$work/server.err" >&2; exit 1; fi
  sleep 0.1
done
[ -n "$address" ] || { echo "fashion_cnn.sh: the server did not start" >&2; exit 1; }
metrics="$(sed -n 's/^byzps ps: gRPC on [^,]*, metrics on \(.*\)$/\1/p' "$work/server.err")"
echo "server on $address ($metrics): rule $rule, f=$f; $workers workers, $byzantine of them $attack; $rounds rounds"

honest=$((workers - byzantine))
for i in $(seq 0 $((workers - 1))); do
  behaviour=()
  if [ "$i" -ge "$honest" ]; then behaviour=(--attack "$attack"); fi
  "$python" "$here/fashion_cnn.py" worker --server "$address" --index "$i" --workers "$workers" \
    --batch-size "$batch_size" --rounds "$rounds" "${behaviour[@]}" >"$work/worker-$i.log" 2>&1 &
  pids+=($!)
done

"$python" "$here/fashion_cnn.py" evaluate --server "$address" --every "$every" --until-round "$rounds" --test-size "$test_size" --result "$work/result" &
evaluator=$!
pids+=($evaluator)
wait "$evaluator"
end=$(date +%s.%N)
[ -s "$work/result" ] || { echo "fashion_cnn.sh: the evaluator reported nothing" >&2; exit 1; }
echo "rule $rule, $workers workers ($byzantine $attack), $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s wall time: $(cat "$work/result")"
