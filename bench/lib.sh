# Shell helpers shared by bench/run.sh and bench/people.sh (sourced, not run). The caller defines
# log and die, and the counters sample_noise updates: PHASES, BACKGROUND_SUM, BACKGROUND_MAX,
# NOISY_PHASES.

install_if_root() { # package
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    log "installing $1 (apt-get)"
    apt-get install -y -q "$1" >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q "$1" >/dev/null 2>&1; }
  fi
}
stop_pid() { # pid: TERM, up to 12 s for actix's graceful shutdown, then KILL
  local pid=$1 i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for i in $(seq 1 120); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
busy_percent() { # CPU busy share of the whole machine over half a second, from /proc/stat
  local u1 n1 s1 i1 w1 q1 sq1 st1 u2 n2 s2 i2 w2 q2 sq2 st2 rest
  read -r _ u1 n1 s1 i1 w1 q1 sq1 st1 rest </proc/stat
  sleep 0.5
  read -r _ u2 n2 s2 i2 w2 q2 sq2 st2 rest </proc/stat
  awk -v b=$(((u2 + n2 + s2 + q2 + sq2 + st2) - (u1 + n1 + s1 + q1 + sq1 + st1))) \
    -v i=$(((i2 + w2) - (i1 + w1))) 'BEGIN { t = b + i; printf "%.0f", (t > 0 ? 100 * b / t : 0) }'
}
sample_noise() {
  local busy
  busy=$(busy_percent)
  PHASES=$((PHASES + 1))
  BACKGROUND_SUM=$((BACKGROUND_SUM + busy))
  [ "$busy" -gt "$BACKGROUND_MAX" ] && BACKGROUND_MAX=$busy
  if [ "$busy" -gt 10 ] || pgrep -x rustc >/dev/null 2>&1; then NOISY_PHASES=$((NOISY_PHASES + 1)); fi
  return 0
}
free_port() { # first last: a port in that range that nothing listens on
  local port
  for port in $(seq "$1" "$2"); do
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
      echo "$port"
      return
    fi
  done
  die "no free port in $1-$2"
}
open_balances_sql() { # what issued receivables and payables still owe (open_balances), from the seeded invoices
  cat <<'SQL'
DELETE FROM open_balances;
INSERT INTO open_balances (kind, party_id, currency, due_date, amount, invoices)
SELECT kind, COALESCE(customer_id, vendor_id), currency, due_date, SUM(total - paid_total - credited_total), COUNT(*)
FROM invoices
WHERE kind IN ('receivable', 'payable') AND status IN ('issued', 'partially_paid') AND total - paid_total - credited_total > 0
GROUP BY kind, COALESCE(customer_id, vendor_id), currency, due_date;
SQL
}
stock_month_totals_sql() { # backend: the stock ledger's monthly rollup (stock_month_totals), from the seeded movements
  local month="date(occurred_on, 'start of month')"
  [ "$1" = postgres ] && month="CAST(date_trunc('month', occurred_on) AS DATE)"
  cat <<SQL
DELETE FROM stock_month_totals;
INSERT INTO stock_month_totals (item_id, month, quantity_delta, value_delta)
SELECT item_id, $month, SUM(quantity_delta), SUM(value_delta) FROM stock_movements GROUP BY item_id, $month;
SQL
}
