#!/usr/bin/env bash
# Loads the Bodea/Townsend sample (see README.md) into a running Cohort through the native
# endpoints: POST $COHORT_URL/v1/sources/{sourceId}/native/{object}, one file per request.
#
#   COHORT_URL    base URL            (default http://localhost:8080)
#   COHORT_TOKEN  bearer token        (default cohort-dev-token)
#
#   ./load.sh               rewrite p2's web visit to "2 days ago", so the 30-day segment
#                           matches whatever day the quickstart is run
#   ./load.sh --keep-dates  send the files exactly as they are (visit on 2026-11-20T10:15:00Z)
#   ./load.sh --dry-run     print what would be sent, send nothing
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
url="${COHORT_URL:-http://localhost:8080}"
url="${url%/}"
token="${COHORT_TOKEN:-cohort-dev-token}"
keep_dates=false
dry_run=false
for arg in "$@"; do
  case "$arg" in
    --keep-dates) keep_dates=true ;;
    --dry-run) dry_run=true ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "load.sh: unknown option '$arg' (try --help)" >&2; exit 2 ;;
  esac
done

# The one web visit the story depends on; its date is the only thing ever rewritten.
visit_file="marketo-1/activities.json"
visit_date="2026-11-20T10:15:00Z"

tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

two_days_ago() {
  # GNU date, then BSD/macOS date.
  date -u -d '2 days ago' +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u -v-2d +%Y-%m-%dT%H:%M:%SZ
}

# source id | object | file (relative to this directory); order: CRMs, Marketo copies, MDM.
uploads=(
  "crm-1|query|crm-1/Account.json"
  "crm-1|query|crm-1/Contact.json"
  "crm-1|query|crm-1/Opportunity.json"
  "crm-1|query|crm-1/OpportunityContactRole.json"
  "crm-2|query|crm-2/Account.json"
  "crm-2|query|crm-2/Contact.json"
  "crm-2|query|crm-2/Opportunity.json"
  "crm-2|query|crm-2/OpportunityContactRole.json"
  "marketo-1|companies|marketo-1/companies.json"
  "marketo-1|leads|marketo-1/leads.json"
  "marketo-1|opportunities|marketo-1/opportunities.json"
  "marketo-1|opportunityRoles|marketo-1/opportunityRoles.json"
  "marketo-1|activities|marketo-1/activities.json"
  "marketo-2|companies|marketo-2/companies.json"
  "marketo-2|leads|marketo-2/leads.json"
  "marketo-2|opportunities|marketo-2/opportunities.json"
  "marketo-2|opportunityRoles|marketo-2/opportunityRoles.json"
  "marketo-2|activities|marketo-2/activities.json"
  "mdm|crossReferences|mdm/crossReferences.json"
)

body_for() {
  local rel="$1"
  if [[ "$rel" == "$visit_file" && "$keep_dates" == false ]]; then
    local when out="$tmp/activities.json"
    when="$(two_days_ago)"
    if [[ "$(grep -c "\"$visit_date\"" "$here/$rel")" != 1 ]]; then
      echo "load.sh: expected exactly one activityDate $visit_date in $rel; was the file edited?" >&2
      exit 1
    fi
    sed "s/\"$visit_date\"/\"$when\"/" "$here/$rel" > "$out"
    echo "  (p2's visit to /products/new re-dated $visit_date -> $when; --keep-dates to skip)" >&2
    echo "$out"
  else
    echo "$here/$rel"
  fi
}

echo "Loading the Bodea sample into $url"
loaded=0
for entry in "${uploads[@]}"; do
  IFS='|' read -r source object rel <<< "$entry"
  target="$url/v1/sources/$source/native/$object"
  body="$(body_for "$rel")"
  if [[ "$dry_run" == true ]]; then
    echo "would POST $rel -> $target"
    continue
  fi
  status="$(curl -sS -o "$tmp/response" -w '%{http_code}' -X POST "$target" \
      -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
      --data-binary "@$body")" || { echo "FAILED  $rel: could not reach $target" >&2; exit 1; }
  if [[ "$status" != 2* ]]; then
    echo "FAILED  $rel -> $target: HTTP $status" >&2
    cat "$tmp/response" >&2; echo >&2
    exit 1
  fi
  echo "loaded  $rel -> $source/native/$object (HTTP $status) $(head -c 200 "$tmp/response")"
  loaded=$((loaded + 1))
done
[[ "$dry_run" == true ]] || echo "Done: $loaded files loaded."
