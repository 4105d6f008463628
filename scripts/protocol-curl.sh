#!/usr/bin/env bash
# The whole agent protocol by hand, with curl, against a running site (`npm start`):
# sign up, create an agent token, queue a run, then as the agent: hello, claim, heartbeat, start,
# post epoch 1 twice and epoch 2, finish; finally read the run and its epochs back as the user.
#   scripts/protocol-curl.sh [BASE_URL]        (default http://localhost:3000)
# tRPC over HTTP: mutations are POST /api/trpc/<procedure> with body {"json": <input>} (superjson),
# queries are GET /api/trpc/<procedure>?input=<the same, URL-encoded>. Needs curl and node.
set -euo pipefail
BASE=${1:-${AI623_URL:-http://localhost:3000}}
EMAIL=${AI623_EMAIL:-curl-$(date +%s)-$$@example.com}
PASSWORD=${AI623_PASSWORD:-correct-horse-battery}
JAR=$(mktemp)
trap 'rm -f "$JAR"' EXIT

# Print one field of a JSON document: json '<doc>' 'result.data.json.token'
json() { node -e 'let v=JSON.parse(process.argv[1]);for(const k of process.argv[2].split("."))v=v?.[k];process.stdout.write(v===undefined?"":typeof v==="string"?v:JSON.stringify(v))' "$1" "$2"; }
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }
fail() { echo "FAILED: $*" >&2; exit 1; }
# POST a tRPC mutation; $1 procedure, $2 input JSON, then extra curl args (cookie jar or bearer token)
call() {
  local proc=$1 input=$2
  shift 2
  local out
  out=$(curl -sS -X POST "$BASE/api/trpc/$proc" -H 'content-type: application/json' "$@" --data "{\"json\":$input}")
  echo "$out" >&2
  [[ $(json "$out" error) == "" ]] || fail "$proc answered an error"
  echo "$out"
}
get() {
  local proc=$1 input=$2
  shift 2
  local out
  out=$(curl -sS -G "$BASE/api/trpc/$proc" --data-urlencode "input={\"json\":$input}" "$@")
  echo "$out" >&2
  [[ $(json "$out" error) == "" ]] || fail "$proc answered an error"
  echo "$out"
}

step "sign up $EMAIL (better-auth; the session cookie goes to a cookie jar)"
curl -sS -c "$JAR" -X POST "$BASE/api/auth/sign-up/email" -H 'content-type: application/json' -H "origin: $BASE" \
  --data "{\"email\":\"$EMAIL\",\"password\":\"$PASSWORD\",\"name\":\"curl\"}" >&2
USER=(-b "$JAR")

step "create an agent token (shown once)"
out=$(call agents.create '{"name":"curl-agent"}' "${USER[@]}")
TOKEN=$(json "$out" result.data.json.token)
echo "command: $(json "$out" result.data.json.command)" >&2
AGENT=(-H "authorization: Bearer $TOKEN")

step "queue a run"
out=$(call runs.create '{"name":"curl walkthrough","config":{"dataset":"synthetic-cifar10","epochs":2,"imageSize":32}}' "${USER[@]}")
RUN=$(json "$out" result.data.json.id)

step "agent: hello"
call agent.hello '{"host":{"hostname":"curl-box","os":"linux","cpu":"curl","cpuCount":1,"memoryMb":1024,"agentVersion":"curl"}}' "${AGENT[@]}" >/dev/null

step "agent: claim"
out=$(call agent.claim '{"gpu":false}' "${AGENT[@]}")
[[ $(json "$out" result.data.json.run.id) == "$RUN" ]] || fail "claimed a different run than $RUN"

step "agent: heartbeat"
call agent.heartbeat "{\"runId\":\"$RUN\"}" "${AGENT[@]}" >/dev/null

step "agent: start"
call agent.start "{\"runId\":\"$RUN\",\"backend\":\"cpu\",\"backendReason\":\"curl\",\"device\":\"cpu\",\"threads\":1,\"prefixCached\":false,\"resumedFromEpoch\":null,\"weightsSha256\":null}" "${AGENT[@]}" >/dev/null

epoch() { echo "{\"runId\":\"$RUN\",\"metrics\":{\"epoch\":$1,\"trainLoss\":$2,\"trainAcc\":0.5,\"valLoss\":1.1,\"valAcc\":$3,\"lr\":0.001,\"epochSeconds\":10,\"imagesPerSec\":100}}"; }
step "agent: post epoch 1"
call agent.postEpoch "$(epoch 1 2.0 0.40)" "${AGENT[@]}" >/dev/null
step "agent: post epoch 1 again (a retry with newer values)"
call agent.postEpoch "$(epoch 1 1.9 0.45)" "${AGENT[@]}" >/dev/null
step "agent: post epoch 2"
call agent.postEpoch "$(epoch 2 1.5 0.60)" "${AGENT[@]}" >/dev/null

step "agent: finish"
call agent.finish "{\"runId\":\"$RUN\",\"outcome\":\"succeeded\"}" "${AGENT[@]}" >/dev/null

step "the run as its owner sees it"
out=$(get runs.get "{\"runId\":\"$RUN\"}" "${USER[@]}")
status=$(json "$out" result.data.json.status)
step "its epochs"
metrics=$(get metrics.byRun "{\"runId\":\"$RUN\"}" "${USER[@]}")
epochs=$(node -e 'const r=JSON.parse(process.argv[1]).result.data.json;console.log(r.map(m=>`${m.epoch}:${m.valAcc}`).join(","))' "$metrics")

echo >&2
[[ $status == succeeded ]] || fail "run status is $status, expected succeeded"
[[ $epochs == "1:0.45,2:0.6" ]] || fail "epochs are $epochs, expected 1:0.45,2:0.6 (one row per epoch, last values)"
echo "OK: run $RUN succeeded with epochs $epochs (epoch 1 posted twice, one row holding the last values)"
