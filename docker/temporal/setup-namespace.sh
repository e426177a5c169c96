#!/bin/sh
# Creates the Temporal namespace the worker and the watcher use and registers Kubernaut's search
# attributes on it; run by the temporal-setup service of docker-compose.yml (temporalio/admin-tools
# image) once the server is healthy. Idempotent: existing namespaces and attributes are left as they are.
#
# KUBERNAUT_SEARCH_ATTRIBUTES lists "Name=Type" pairs separated by spaces; docker-compose.yml sets it
# and test/deploy/compose.test.ts keeps it equal to SEARCH_ATTRIBUTES in src/domain/names.ts.
set -eu

: "${TEMPORAL_ADDRESS:?TEMPORAL_ADDRESS must be host:port of the Temporal frontend}"
: "${TEMPORAL_NAMESPACE:?TEMPORAL_NAMESPACE must name the namespace to create}"
: "${KUBERNAUT_SEARCH_ATTRIBUTES:?KUBERNAUT_SEARCH_ATTRIBUTES must list Name=Type pairs}"
retention="${TEMPORAL_NAMESPACE_RETENTION:-72h}"

# The server's port opens before its services are ready: wait for a healthy answer (bounded).
attempt=1
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  if [ "$attempt" -ge 60 ]; then
    echo "temporal-setup: Temporal at $TEMPORAL_ADDRESS is not healthy after $attempt attempts" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done

if temporal operator namespace describe --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; then
  echo "temporal-setup: namespace $TEMPORAL_NAMESPACE exists"
else
  temporal operator namespace create --namespace "$TEMPORAL_NAMESPACE" --retention "$retention" \
    --address "$TEMPORAL_ADDRESS"
fi

# A namespace just created is known to every server service only after their caches refresh (seconds).
attempt=1
until registered="$(temporal operator search-attribute list --namespace "$TEMPORAL_NAMESPACE" --address "$TEMPORAL_ADDRESS" 2>&1)"; do
  if [ "$attempt" -ge 60 ]; then
    echo "temporal-setup: cannot list the search attributes of $TEMPORAL_NAMESPACE: $registered" >&2
    exit 1
  fi
  attempt=$((attempt + 1))
  sleep 2
done
for pair in $KUBERNAUT_SEARCH_ATTRIBUTES; do
  name="${pair%%=*}"
  type="${pair#*=}"
  if printf '%s\n' "$registered" | grep -qw -- "$name"; then
    echo "temporal-setup: search attribute $name exists"
  else
    temporal operator search-attribute create --namespace "$TEMPORAL_NAMESPACE" --name "$name" --type "$type" \
      --address "$TEMPORAL_ADDRESS"
  fi
done
echo "temporal-setup: done"
