#!/bin/sh
# Registers Kafka Connect connectors from JSON files ({"name": ..., "config": {...}}, as Connect's POST /connectors
# takes them) and waits until each runs. Idempotent: PUT /connectors/<name>/config creates or updates, so running it
# again after editing a file applies the edit. Used by the `connect-register` service of compose/docker-compose.yml.
#
#   register-connectors FILE...     in order; each connector runs before the next is registered
#
# A file with "extends": "<other file>" is that file's config with its own "config" keys on top (the per-table source
# connector is the shipped one with another slot, topic prefix and no single-topic router).
#
# Environment: CONNECT_URL (default http://connect:8083); AWAIT_TOPICS, space-separated <connector>:<topic> pairs:
# after that connector runs, wait until it has written to the topic (so readers of the topic can start).
set -eu

CONNECT_URL=${CONNECT_URL:-http://connect:8083}
AWAIT_TOPICS=${AWAIT_TOPICS:-}
TIMEOUT=${TIMEOUT_SECONDS:-180}
body=/tmp/connect-response.json

log() { echo "[connect-register] $*"; }
fail() { echo "[connect-register] ERROR: $*" >&2; exit 1; }

# GET/PUT with the status code on stdout and the response body in $body.
http() {
  method=$1; path=$2; shift 2
  # curl prints 000 itself when it cannot connect
  curl -sS -o "$body" -w '%{http_code}' -X "$method" -H 'Accept: application/json' "$@" "$CONNECT_URL$path" || true
}

await() { # await <what> <command...>: retries the command once a second until it succeeds or TIMEOUT passes
  what=$1; shift
  waited=0
  until "$@"; do
    waited=$((waited + 1))
    [ "$waited" -lt "$TIMEOUT" ] || fail "$what: not within ${TIMEOUT} s"
    sleep 1
  done
}

connect_up() { [ "$(http GET /connectors)" = 200 ]; }

# Prints the connector configuration a file describes.
config_of() {
  file=$1
  base=$(jq -r '.extends // empty' "$file")
  if [ -n "$base" ]; then
    jq -e -s '.[0].config + .[1].config' "$(dirname "$file")/$base" "$file"
  else
    jq -e '.config' "$file"
  fi
}

running() { # running <connector>: true when it and all its tasks run; fails at once when one failed
  [ "$(http GET "/connectors/$1/status")" = 200 ] || return 1
  if jq -e '[.connector.state, .tasks[].state] | index("FAILED")' "$body" >/dev/null; then
    jq -r '"connector: \(.connector.trace // .connector.state)", (.tasks[] | "task \(.id): \(.trace // .state)")' \
      "$body" >&2
    fail "$1 failed (above); fix the configuration and run this service again"
  fi
  jq -e '.connector.state == "RUNNING" and (.tasks | length > 0) and all(.tasks[]; .state == "RUNNING")' "$body" \
    >/dev/null
}

wrote_to() { # wrote_to <connector> <topic>
  [ "$(http GET "/connectors/$1/topics")" = 200 ] && jq -e --arg c "$1" --arg t "$2" '.[$c].topics | index($t)' \
    "$body" >/dev/null
}

[ "$#" -gt 0 ] || fail "usage: register-connectors FILE..."
log "waiting for Kafka Connect at $CONNECT_URL"
await "Kafka Connect at $CONNECT_URL" connect_up

for file in "$@"; do
  name=$(jq -er '.name' "$file") || fail "$file: no \"name\""
  config=$(config_of "$file") || fail "$file: no \"config\" object"
  code=$(printf '%s' "$config" | http PUT "/connectors/$name/config" -H 'Content-Type: application/json' \
    --data-binary @-)
  case $code in
    200) log "$name: configuration updated ($file)" ;;
    201) log "$name: created ($file)" ;;
    *) cat "$body" >&2 2>/dev/null || true; echo >&2; fail "$name: Connect answered $code to PUT /connectors/$name/config" ;;
  esac
  await "$name running" running "$name"
  log "$name: running"
  for pair in $AWAIT_TOPICS; do
    [ "${pair%%:*}" = "$name" ] || continue
    topic=${pair#*:}
    await "$name writing to $topic" wrote_to "$name" "$topic"
    log "$name: writes to $topic"
  done
done
log "done"
