#!/usr/bin/env bash
# The statistics projection's refresh from the registers (issue 8), on a throwaway PostgreSQL cluster:
#   bash bench/stats_refresh.sh [CASES]        (default 50000)
# seed_demo (which ends with a full refresh), then `stats_refresh --full`, then 1% of the cases
# marked changed after the last refresh and `stats_refresh` (changes only). Prints the refresh lines
# with wall time and peak memory (GNU time).
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${1:-50000}
cluster=$(.venv/bin/python scripts/pgcluster.py start)
dir=$(sed -n 1p <<<"$cluster")
export DATABASE_URL=$(sed -n 2p <<<"$cluster") SAFEZONE_VAR_DIR=$(mktemp -d)
trap '.venv/bin/python scripts/pgcluster.py stop "$dir"; rm -rf "$SAFEZONE_VAR_DIR"' EXIT
keep() { grep -E "units|единиц|demo:|Maximum resident|Elapsed|Error"; }
echo "# bash bench/stats_refresh.sh $cases  ($(nproc) cores, $(date -u +%F))"
.venv/bin/python manage.py migrate -v0
/usr/bin/time -v .venv/bin/python manage.py seed_demo --cases "$cases" --seed 1 --today 2026-11-30 2>&1 | keep
echo "== full refresh"
/usr/bin/time -v .venv/bin/python manage.py stats_refresh --full --quiet-progress 2>&1 | keep
echo "== 1% of the cases changed after the last refresh"
.venv/bin/python manage.py shell -v0 -c "
from datetime import timedelta
from django.utils import timezone
from safezone.assessments.models import Assessment
from safezone.cases.models import Case, Incident
from safezone.stats.models import Refresh
old = timezone.now() - timedelta(days=1)
Case.objects.update(updated_at=old); Incident.objects.update(created_at=old); Assessment.objects.update(answered_at=old)
Refresh.objects.update(watermark=timezone.now() - timedelta(hours=1))
ids = list(Case.objects.order_by('pk').values_list('pk', flat=True)[::100])
Case.objects.filter(pk__in=ids).update(updated_at=timezone.now())
print('changed', len(ids))
"
/usr/bin/time -v .venv/bin/python manage.py stats_refresh --quiet-progress 2>&1 | keep
