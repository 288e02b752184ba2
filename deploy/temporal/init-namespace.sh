#!/bin/sh
# Registers the namespace and every search attribute the workflows upsert, then checks that the server lists each
# of them with its type. Idempotent. Right after a namespace is created the server may not take search attributes
# yet (seen on PostgreSQL-backed 1.32.2), so adding and checking retry with backoff; it exits non-zero, with the
# server's last error, if the attributes are still not listed after INIT_MAX_TRIES attempts.
#
# Environment: TEMPORAL_ADDRESS (required), TEMPORAL_NAMESPACE (default), TEMPORAL_NAMESPACE_RETENTION (30d),
# INIT_MAX_TRIES (12), INIT_MAX_DELAY_SECONDS (10). Needs the `temporal` CLI on PATH.
set -eu

ns="${TEMPORAL_NAMESPACE:-default}"
addr="${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS is required}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-30d}"
max_tries="${INIT_MAX_TRIES:-12}"
max_delay="${INIT_MAX_DELAY_SECONDS:-10}"
# name:Type of every search attribute the workflows upsert (worker/search-attributes.ts checks the same list).
attributes="EkycStage:Keyword EkoUserCode:Keyword AgentState:Keyword DailyAuthDate:Keyword WebhookFailures:Int"

log() { echo "init-namespace: $*"; }
fail() {
  echo "init-namespace: error: $*" >&2
  exit 1
}
upper() { echo "$1" | tr '[:lower:]' '[:upper:]'; }

delay=1
backoff() {
  sleep "$delay"
  delay=$((delay * 2))
  [ "$delay" -le "$max_delay" ] || delay="$max_delay"
}

tries=0
until temporal operator cluster health --address "$addr" >/dev/null 2>&1; do
  tries=$((tries + 1))
  [ "$tries" -lt "$((max_tries * 5))" ] || fail "Temporal at $addr is not serving"
  log "waiting for Temporal at $addr"
  sleep 3
done

# The namespace: describe, else create; "already exists" (another init racing us) is fine.
tries=0
until temporal operator namespace describe --namespace "$ns" --address "$addr" >/dev/null 2>&1; do
  tries=$((tries + 1))
  if out=$(temporal operator namespace create --namespace "$ns" --retention "$retention" --address "$addr" 2>&1); then
    log "namespace $ns created (retention $retention)"
  else
    case "$out" in
      *"already exists"* | *AlreadyExists* | *"already registered"*) ;;
      *) [ "$tries" -lt "$max_tries" ] || fail "could not create namespace $ns: $out" ;;
    esac
  fi
  [ "$tries" -lt "$max_tries" ] || fail "namespace $ns is not visible after $max_tries attempts"
  backoff
done

# The search attributes: add whatever the server does not list with the right type, until it lists them all.
delay=1
tries=0
last_error=""
while :; do
  tries=$((tries + 1))
  missing=""
  if listed=$(temporal operator search-attribute list --namespace "$ns" --address "$addr" --output json 2>&1); then
    for entry in $attributes; do
      name="${entry%%:*}"
      type="${entry#*:}"
      printf '%s' "$listed" | grep -q "\"$name\": *\"INDEXED_VALUE_TYPE_$(upper "$type")\"" || missing="$missing $entry"
    done
  else
    last_error="$listed"
    missing="$attributes"
  fi
  if [ -z "$missing" ]; then
    log "namespace $ns ready with search attributes $attributes"
    exit 0
  fi
  [ "$tries" -le "$max_tries" ] || fail "search attributes still missing in $ns:$missing; last error: ${last_error:-none}"
  for entry in $missing; do
    name="${entry%%:*}"
    type="${entry#*:}"
    if out=$(temporal operator search-attribute create --namespace "$ns" --name "$name" --type "$type" \
      --address "$addr" 2>&1); then
      log "search attribute $name ($type) added"
    else
      case "$out" in
        # Another type under the same name will never become ours by waiting.
        *"different type"*) fail "search attribute $name exists in $ns with another type: $out" ;;
        *"already exists"*) log "search attribute $name already exists" ;;
        *) last_error="$out" ;;
      esac
    fi
  done
  backoff
done
