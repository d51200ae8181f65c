# The finance data set of the scale benchmarks (sourced, not run): bench/finance.sh measures its
# reports, bench/journal.sh its general ledger. The caller sources bench/lib.sh and bench/scale.sh
# (hash1, hash2, q) first and sets CUSTOMERS, VENDORS, DEPARTMENTS, EMPLOYEES, DESKS and SPAN.
#
# One SQL text for both backends; shell functions spell what differs. Pseudo-random choices come
# from multiplicative hashes of the invoice's ordinal g (deterministic: the same data every run).
#
# Invoice g (1..N) is issued on day (g-1)*731/N of the last two years (ids follow issue dates).
# Within each block of 20: 16 receivable (80 %), 1 credit note (5 %) against the receivable just
# before it (a tenth of that invoice's first line, same customer, currency and tax rate), 3
# payable (15 %). Customers 1..2000 (10 % in USD, terms 14/30/45/60 days), vendors 2001..2200
# (EUR, 30 days). 1-3 lines (1-12 units at 10.00-499.99, a 10 % discount on some second and third
# lines), one tax rate per invoice (20 % for 70 %, 7 % for 20 %, 0 % for 10 %); nets and taxes
# half-up as the server computes them. Statuses: drafts are 10 % of the last 3 weeks' invoices
# (no number); 2 % void (voided 3 days after issue, nothing paid); of the rest 3 % never pay, 9 %
# pay 40 %, the others pay in full (a quarter in two halves), on a delay of the terms plus a
# customer-like lateness (60 % up to 9 days early, 25 % up to 29 days late, 10 % 30-89 days
# late, 5 % 90-239 days late; vendors are paid within terms + 19 days); payments falling after
# today are not made yet. paid_on = the day of the last payment (or of the credit note, if later).
# Numbers SERIES-YEAR-nnnnnn are gapless per series and year in id order; the counters hold the
# highest. Tickets: N/10 (5 desks, all requested by a customer), 5 time entries each (N/2 in all,
# on the ticket's day and the 4 following, 15-240 minutes, costed half-up at the worker's rate,
# 60 % billable at the desk's rate, none billed yet).
hash3() { printf '(((%s) * 3266489917 + 668265263) %% 4294967291)' "$1"; }
DIV=(0 1 97 9973) # line k's digits of the hashes
units() { printf '(1 + (%s / %s) %% 12)' "$1" "${DIV[$2]}"; }         # hash k: 1..12 units
cents() { printf '(1000 + (%s / %s) %% 49000)' "$1" "${DIV[$2]}"; }   # hash k: 10.00..499.99
disc() { printf '(CASE WHEN (%s / %s) %% 5 = 0 THEN 1000 ELSE 0 END)' "$1" "${DIV[$2]}"; }
rate() { printf '(CASE WHEN %s %% 10 < 7 THEN 2000 WHEN %s %% 10 < 9 THEN 700 ELSE 0 END)' "$1" "$1"; }

seed_sql() {
  local backend=$1 n=$2 start=$3 t=$(($2 / 10)) with_n with_t with_p with_e from_n from_t from_p from_e
  # jd stays global: day and stamp, defined here, are used by later SQL of the same seed too.
  local true false greatest least fence
  if [ "$backend" = postgres ]; then
    with_n= with_t= with_p= with_e=
    from_n="generate_series(1::bigint, $n::bigint) AS s(g)"
    from_t="generate_series(1::bigint, $t::bigint) AS s(g)"
    from_p="generate_series(1::bigint, $((CUSTOMERS + VENDORS))::bigint) AS s(g)"
    from_e="generate_series(1::bigint, $EMPLOYEES::bigint) AS s(g)"
    true=true false=false greatest=GREATEST least=LEAST
    fence="OFFSET 0" # keeps each layer a subquery: pulled up, the layers' expressions multiply
    day() { printf "(DATE '%s' + CAST((%s) AS INTEGER))" "$start" "$1"; }
    stamp() { printf "(DATE '%s' + CAST((%s) AS INTEGER) + TIME '%s')" "$start" "$1" "$2"; }
    year() { printf "CAST(EXTRACT(YEAR FROM DATE '%s' + CAST((%s) AS INTEGER)) AS INTEGER)" "$start" "$1"; }
    pad6() { printf "lpad(CAST((%s) AS TEXT), 6, '0')" "$1"; }
    echo '\set ON_ERROR_STOP on'
    echo "SET work_mem = '256MB'; SET maintenance_work_mem = '1GB'; SET synchronous_commit = off;"
  else
    with_n="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $n)"
    with_t="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $t)"
    with_p="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $((CUSTOMERS + VENDORS)))"
    with_e="WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < $EMPLOYEES)"
    from_n=s from_t=s from_p=s from_e=s
    true=1 false=0 greatest=max least=min
    fence="LIMIT -1 OFFSET 0" # keeps each layer a subquery: flattened, the expressions multiply
    jd=$(sqlite3 :memory: "SELECT julianday('$start')")
    day() { printf "date(%s + (%s))" "$jd" "$1"; }
    stamp() { printf "(date(%s + (%s)) || ' %s')" "$jd" "$1" "$2"; }
    year() { printf "CAST(strftime('%%Y', %s + (%s)) AS INTEGER)" "$jd" "$1"; }
    pad6() { printf "printf('%%06d', %s)" "$1"; }
    echo '.bail on'
    # A fresh file written in one transaction: no WAL copy of every page (the server turns WAL
    # back on when it connects), a large cache for the index inserts.
    echo 'PRAGMA journal_mode = DELETE;'
    echo 'PRAGMA synchronous = OFF;'
    echo 'PRAGMA cache_size = -1048576;'
    echo 'PRAGMA temp_store = MEMORY;'
  fi
  local created td=$SPAN
  created=$(stamp -400 '08:00:00')
  cat <<SQL
BEGIN;
-- Organisation: departments, employees with a cost rate, desks.
$with_e
INSERT INTO departments (id, code, name, active, created_at, updated_at, version)
SELECT s.g, 'SVC' || s.g, 'Service ' || s.g, $true, $created, $created, 1 FROM $from_e WHERE s.g <= $DEPARTMENTS;
$with_e
INSERT INTO employees (id, employee_number, first_name, last_name, work_email, job_title,
    department_id, employment_type, status, start_date, created_at, updated_at, version)
SELECT s.g, 'E' || (100000 + s.g), 'Agent', 'Number' || s.g, 'agent' || s.g || '@example.com', 'Engineer',
    1 + (s.g - 1) % $DEPARTMENTS, 'full_time', 'active', '2015-01-01', $created, $created, 1
FROM $from_e;
INSERT INTO compensation (employee_id, effective_from, hourly_cost_rate, currency, created_at)
SELECT id, '2015-01-01', 2500 + (id * 7919) % 6000, 'EUR', $created FROM employees ORDER BY id;
INSERT INTO counters (name, value) VALUES ('employee_number', 100000 + $EMPLOYEES);
INSERT INTO desks (id, key, name, department_id, billing_rate, currency, active, created_at, updated_at, version)
SELECT id, 'S' || id, 'Service desk ' || id, id, 12000, 'EUR', $true, $created, $created, 1 FROM departments;

-- Parties: customers 1..$CUSTOMERS, vendors after them.
$with_p
INSERT INTO parties (id, kind, name, email, currency, payment_terms_days, hourly_billing_rate, active,
    external_ref, created_at, updated_at, version)
SELECT s.g, CASE WHEN s.g <= $CUSTOMERS THEN 'customer' ELSE 'vendor' END,
    CASE s.g % 8 WHEN 0 THEN 'Alder' WHEN 1 THEN 'Birch' WHEN 2 THEN 'Cedar' WHEN 3 THEN 'Dune'
        WHEN 4 THEN 'Elm' WHEN 5 THEN 'Fjord' WHEN 6 THEN 'Granite' ELSE 'Harbour' END || ' '
    || CASE (s.g / 8) % 6 WHEN 0 THEN 'Logistics' WHEN 1 THEN 'Retail' WHEN 2 THEN 'Foods'
        WHEN 3 THEN 'Energy' WHEN 4 THEN 'Media' ELSE 'Systems' END || ' ' || s.g
    || CASE WHEN s.g <= $CUSTOMERS THEN ' Ltd' ELSE ' Supplies' END,
    'accounts' || s.g || '@example.com',
    CASE WHEN s.g <= $CUSTOMERS AND s.g % 10 = 0 THEN 'USD' ELSE 'EUR' END,
    CASE WHEN s.g > $CUSTOMERS THEN 30 WHEN s.g % 5 = 0 THEN 14 WHEN s.g % 5 = 3 THEN 45
        WHEN s.g % 5 = 4 THEN 60 ELSE 30 END,
    CASE WHEN s.g <= $CUSTOMERS AND s.g % 3 = 0 THEN 9000 + (s.g % 7) * 1000 END,
    $true, 'crm-' || s.g, $created, $created, 1
FROM $from_p;

-- One row of facts per invoice; the inserts below only spell them. Layers: hashes; kind, party,
-- rate and lines; nets and terms; totals and the plan of payments; payments made by today;
-- status.
CREATE TEMP TABLE bench_i AS
$with_n
SELECT h.*,
    CASE WHEN h.st = 'paid' THEN $greatest(COALESCE(h.p2_dd, h.p1_dd), COALESCE(h.cn_dd, 0)) END AS paid_dd,
    $greatest(h.dd, COALESCE(h.p2_dd, h.p1_dd, h.dd), COALESCE(h.void_dd, h.dd), COALESCE(h.cn_dd, h.dd)) AS upd_dd
FROM (
  SELECT gg.*, COALESCE(gg.p1_amt, 0) + COALESCE(gg.p2_amt, 0) AS paid,
      CASE WHEN gg.kind = 'credit_note' THEN 'issued' WHEN gg.draft = 1 THEN 'draft' WHEN gg.void = 1 THEN 'void'
          WHEN COALESCE(gg.p1_amt, 0) + COALESCE(gg.p2_amt, 0) + gg.credited = gg.total THEN 'paid'
          WHEN COALESCE(gg.p1_amt, 0) + COALESCE(gg.p2_amt, 0) + gg.credited = 0 THEN 'issued'
          ELSE 'partially_paid' END AS st,
      CASE WHEN gg.void = 1 THEN $least(gg.dd + 3, $td) END AS void_dd,
      CASE gg.kind WHEN 'receivable' THEN 'INV' WHEN 'credit_note' THEN 'CN' ELSE 'BILL' END AS series,
      $(year gg.dd) AS yr
  FROM (
    SELECT f.g, f.p, f.dd, f.kind, f.party, f.cur, f.terms, f.rate, f.nl, f.h1, f.h2, f.h3,
        f.a1, f.b1, f.n1, f.a2, f.b2, f.d2, f.n2, f.a3, f.b3, f.d3, f.n3,
        f.sub, f.tax, f.total, f.credited, f.cn_dd, f.draft, f.void,
        CASE WHEN f.q1_dd <= $td THEN f.q1_dd END AS p1_dd, CASE WHEN f.q1_dd <= $td THEN f.q1_amt END AS p1_amt,
        CASE WHEN f.q2_dd <= $td THEN f.q2_dd END AS p2_dd, CASE WHEN f.q2_dd <= $td THEN f.q2_amt END AS p2_amt
    FROM (
      SELECT e.*,
          CASE e.plan WHEN 0 THEN NULL WHEN 3 THEN e.dd + e.delay / 2 ELSE e.dd + e.delay END AS q1_dd,
          CASE e.plan WHEN 0 THEN NULL WHEN 1 THEN (e.total - e.credited) * 4 / 10
              WHEN 2 THEN e.total - e.credited ELSE (e.total - e.credited) / 2 END AS q1_amt,
          CASE WHEN e.plan = 3 THEN e.dd + e.delay END AS q2_dd,
          CASE WHEN e.plan = 3 THEN (e.total - e.credited) - (e.total - e.credited) / 2 END AS q2_amt
      FROM (
        SELECT d.*, d.sub + d.tax AS total,
            CASE WHEN d.kind = 'credit_note' OR d.draft = 1 OR d.void = 1 OR d.u < 3 THEN 0
                WHEN d.u < 12 THEN 1 WHEN d.u % 4 = 0 THEN 3 ELSE 2 END AS plan
        FROM (
          SELECT c.*, c.n1 + c.n2 + c.n3 AS sub, ((c.n1 + c.n2 + c.n3) * c.rate + 5000) / 10000 AS tax,
              CASE WHEN c.p = 15 THEN c.cnsub + (c.cnsub * c.rate + 5000) / 10000 ELSE 0 END AS credited,
              CASE WHEN c.p = 15 THEN c.g * 731 / $n END AS cn_dd,
              CASE WHEN c.kind <> 'credit_note' AND c.p <> 15 AND c.dd >= $((td - 20)) AND c.u < 10 THEN 1 ELSE 0 END AS draft,
              CASE WHEN c.kind <> 'credit_note' AND c.p <> 15 AND NOT (c.dd >= $((td - 20)) AND c.u < 10)
                  AND c.u >= 98 THEN 1 ELSE 0 END AS void,
              $greatest(1, c.terms + CASE WHEN c.kind = 'payable' THEN
                      (CASE WHEN c.v < 80 THEN -(c.v % 5) ELSE c.v % 20 END)
                  ELSE (CASE WHEN c.v < 60 THEN -(c.v % 10) WHEN c.v < 85 THEN c.v % 30
                      WHEN c.v < 95 THEN 30 + c.v % 60 ELSE 90 + (c.v * 7) % 150 END) END) AS delay
          FROM (
            SELECT b.*, b.a1 * b.b1 AS n1,
                CASE WHEN b.nl >= 2 THEN (b.a2 * b.b2 * (10000 - b.d2) + 5000) / 10000 ELSE 0 END AS n2,
                CASE WHEN b.nl >= 3 THEN (b.a3 * b.b3 * (10000 - b.d3) + 5000) / 10000 ELSE 0 END AS n3,
                CASE WHEN b.party <= $CUSTOMERS AND b.party % 10 = 0 THEN 'USD' ELSE 'EUR' END AS cur,
                CASE WHEN b.party > $CUSTOMERS THEN 30 WHEN b.party % 5 = 0 THEN 14 WHEN b.party % 5 = 3 THEN 45
                    WHEN b.party % 5 = 4 THEN 60 ELSE 30 END AS terms,
                (b.h3 / 1000) % 100 AS u, (b.h3 / 100000) % 100 AS v
            FROM (
              SELECT a.g, a.p, a.dd, a.h1, a.h2, a.h3,
                  CASE WHEN a.p < 16 THEN 'receivable' WHEN a.p = 16 THEN 'credit_note' ELSE 'payable' END AS kind,
                  CASE WHEN a.p < 16 THEN 1 + a.h2 % $CUSTOMERS WHEN a.p = 16 THEN 1 + a.t2 % $CUSTOMERS
                      ELSE $CUSTOMERS + 1 + a.h2 % $VENDORS END AS party,
                  CASE WHEN a.p = 16 THEN $(rate a.t3) ELSE $(rate a.h3) END AS rate,
                  CASE WHEN a.p = 16 THEN 1 ELSE 1 + a.h1 % 3 END AS nl,
                  CASE WHEN a.p = 16 THEN 1 ELSE $(units a.h1 1) END AS a1,
                  CASE WHEN a.p = 16 THEN $(units a.t1 1) * $(cents a.t2 1) / 10 ELSE $(cents a.h2 1) END AS b1,
                  $(units a.h1 2) AS a2, $(cents a.h2 2) AS b2, $(disc a.h3 2) AS d2,
                  $(units a.h1 3) AS a3, $(cents a.h2 3) AS b3, $(disc a.h3 3) AS d3,
                  CASE WHEN a.p = 15 THEN $(units a.h1 1) * $(cents a.h2 1) / 10 ELSE 0 END AS cnsub
              FROM (
                SELECT s.g AS g, (s.g - 1) % 20 AS p, (s.g - 1) * 731 / $n AS dd,
                    $(hash1 s.g) AS h1, $(hash2 s.g) AS h2, $(hash3 s.g) AS h3,
                    $(hash1 "s.g - 1") AS t1, $(hash2 "s.g - 1") AS t2, $(hash3 "s.g - 1") AS t3
                FROM $from_n
                $fence
              ) AS a
              $fence
            ) AS b
            $fence
          ) AS c
          $fence
        ) AS d
        $fence
      ) AS e
      $fence
    ) AS f
    $fence
  ) AS gg
) AS h;

INSERT INTO invoices (id, kind, status, customer_id, vendor_id, credited_invoice_id, number, vendor_reference,
    currency, issue_date, due_date, subtotal, tax_total, total, paid_total, credited_total, paid_on,
    void_reason, issued_at, voided_at, created_at, updated_at, version)
SELECT i.g, i.kind, i.st,
    CASE WHEN i.kind <> 'payable' THEN i.party END, CASE WHEN i.kind = 'payable' THEN i.party END,
    CASE WHEN i.kind = 'credit_note' THEN i.g - 1 END,
    CASE WHEN i.draft = 0 THEN i.series || '-' || i.yr || '-'
        || $(pad6 "ROW_NUMBER() OVER (PARTITION BY i.draft, i.series, i.yr ORDER BY i.g)") END,
    CASE WHEN i.kind = 'payable' THEN 'VREF-' || i.h2 END,
    i.cur,
    CASE WHEN i.draft = 0 THEN $(day i.dd) END, CASE WHEN i.draft = 0 THEN $(day "i.dd + i.terms") END,
    i.sub, i.tax, i.total, i.paid, i.credited, $(day i.paid_dd),
    CASE WHEN i.void = 1 THEN 'Issued in error' END,
    CASE WHEN i.draft = 0 THEN $(stamp i.dd '06:10:00') END, $(stamp i.void_dd '06:30:00'),
    $(stamp i.dd '06:00:00'), $(stamp i.upd_dd '06:40:00'),
    1 + (1 - i.draft) + i.void + (CASE WHEN i.p1_amt IS NULL THEN 0 ELSE 1 END) + (CASE WHEN i.p2_amt IS NULL THEN 0 ELSE 1 END)
FROM bench_i i
ORDER BY i.g;

INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price, discount, tax_rate, net,
    department_id, budget_category)
SELECT i.g, k.k,
    CASE WHEN i.kind = 'credit_note' THEN 'Credit: service level not met'
        WHEN i.kind = 'payable' THEN CASE (i.h1 / 7 + k.k) % 4 WHEN 0 THEN 'Spare parts' WHEN 1 THEN 'Subcontracted work'
            WHEN 2 THEN 'Software subscription' ELSE 'Travel' END
        ELSE CASE (i.h1 / 7 + k.k) % 4 WHEN 0 THEN 'Maintenance contract' WHEN 1 THEN 'On-site support'
            WHEN 2 THEN 'Spare parts' ELSE 'Training day' END END,
    1000 * CASE k.k WHEN 1 THEN i.a1 WHEN 2 THEN i.a2 ELSE i.a3 END,
    100 * CASE k.k WHEN 1 THEN i.b1 WHEN 2 THEN i.b2 ELSE i.b3 END,
    CASE k.k WHEN 1 THEN 0 WHEN 2 THEN i.d2 ELSE i.d3 END,
    i.rate,
    CASE k.k WHEN 1 THEN i.n1 WHEN 2 THEN i.n2 ELSE i.n3 END,
    CASE WHEN i.kind = 'payable' THEN 1 + i.g % $DEPARTMENTS END,
    CASE WHEN i.kind = 'payable' THEN CASE (i.h1 / 7 + k.k) % 4 WHEN 0 THEN 'materials' WHEN 1 THEN 'services'
        WHEN 2 THEN 'software' ELSE 'travel' END END
FROM bench_i i JOIN (SELECT 1 AS k UNION ALL SELECT 2 UNION ALL SELECT 3) AS k ON k.k <= i.nl
ORDER BY i.g, k.k;

INSERT INTO payments (invoice_id, amount, paid_on, method, reference, created_at)
SELECT x.g, x.amount, $(day x.dd), x.method, 'BANK-' || x.g || '-' || x.k, $(stamp x.dd '07:00:00')
FROM (
  SELECT g, p1_amt AS amount, p1_dd AS dd, 1 AS k,
      CASE WHEN h2 % 10 < 7 THEN 'bank_transfer' WHEN h2 % 10 < 9 THEN 'direct_debit' ELSE 'card' END AS method
  FROM bench_i WHERE p1_amt IS NOT NULL
  UNION ALL
  SELECT g, p2_amt, p2_dd, 2, 'bank_transfer' FROM bench_i WHERE p2_amt IS NOT NULL
) AS x
ORDER BY x.dd, x.g, x.k;

INSERT INTO counters (name, value)
SELECT 'invoice:' || series || ':' || yr, COUNT(*) FROM bench_i WHERE draft = 0 GROUP BY series, yr;

-- Tickets of customers ($t), 5 time entries each.
$with_t
INSERT INTO tickets (id, desk_id, number, reference, subject, description, kind, priority, priority_rank, status,
    requester_name, requester_email, requester_customer_id, created_at, updated_at, first_response_due_at,
    first_response_at, resolution_due_at, resolved_at, closed_at, version)
SELECT x.g, x.desk, x.num, 'S' || x.desk || '-' || x.num,
    CASE x.g % 5 WHEN 0 THEN 'Machine down' WHEN 1 THEN 'Quarterly maintenance' WHEN 2 THEN 'Install request'
        WHEN 3 THEN 'Parts replacement' ELSE 'Training session' END,
    'Requested by the customer.', 'request', 'normal', 2,
    CASE WHEN x.dd >= $((td - 14)) THEN 'open' ELSE 'closed' END,
    'Contact of customer ' || x.cust, 'contact' || x.cust || '@example.com', x.cust,
    $(stamp x.dd '08:00:00'), $(stamp "CASE WHEN x.dd >= $((td - 14)) THEN x.dd ELSE x.dd + 5 END" '09:00:00'),
    $(stamp x.dd '12:00:00'), $(stamp x.dd '09:00:00'), $(stamp "x.dd + 1" '08:00:00'),
    CASE WHEN x.dd < $((td - 14)) THEN $(stamp "x.dd + 3" '16:00:00') END,
    CASE WHEN x.dd < $((td - 14)) THEN $(stamp "x.dd + 5" '09:00:00') END, 1
FROM (
  SELECT s.g, 1 + (s.g - 1) % $DESKS AS desk, (s.g - 1) / $DESKS + 1 AS num, (s.g - 1) * 731 / $t AS dd,
      1 + $(hash2 s.g) % $CUSTOMERS AS cust
  FROM $from_t
) AS x
ORDER BY x.g;

INSERT INTO time_entries (ticket_id, desk_id, department_id, employee_id, work_date, minutes, billable,
    hourly_cost_rate, cost, cost_currency, billing_rate, billing_currency, billable_amount,
    created_at, updated_at, version)
SELECT y.ticket, y.desk, y.desk, y.emp, $(day y.wd), y.m, CASE WHEN y.k % 5 < 3 THEN $true ELSE $false END,
    2500 + (y.emp * 7919) % 6000, (y.m * (2500 + (y.emp * 7919) % 6000) + 30) / 60, 'EUR',
    CASE WHEN y.k % 5 < 3 THEN 12000 END, CASE WHEN y.k % 5 < 3 THEN 'EUR' END,
    CASE WHEN y.k % 5 < 3 THEN (y.m * 12000 + 30) / 60 END,
    $(stamp y.wd '17:00:00'), $(stamp y.wd '17:00:00'), 1
FROM (
  SELECT t.id AS ticket, t.desk_id AS desk, k.k,
      t.desk_id + $DEPARTMENTS * ((t.id + k.k) % ($EMPLOYEES / $DEPARTMENTS)) AS emp,
      15 + $(hash1 "t.id * 5 + k.k") % 226 AS m,
      $least((t.id - 1) * 731 / $t + k.k, $td) AS wd
  FROM tickets t CROSS JOIN (SELECT 0 AS k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4) AS k
) AS y
ORDER BY y.ticket, y.k;
UPDATE tickets SET time_spent_minutes = (SELECT SUM(e.minutes) FROM time_entries e WHERE e.ticket_id = tickets.id);
INSERT INTO counters (name, value)
SELECT 'ticket:' || d.key, MAX(t.number) FROM tickets t JOIN desks d ON d.id = t.desk_id GROUP BY d.key;
DROP TABLE bench_i;
SQL
  open_balances_sql
  if [ "$backend" = postgres ]; then
    cat <<SQL
SELECT setval(pg_get_serial_sequence('departments', 'id'), $DEPARTMENTS);
SELECT setval(pg_get_serial_sequence('employees', 'id'), $EMPLOYEES);
SELECT setval(pg_get_serial_sequence('desks', 'id'), $DESKS);
SELECT setval(pg_get_serial_sequence('parties', 'id'), $((CUSTOMERS + VENDORS)));
SELECT setval(pg_get_serial_sequence('invoices', 'id'), $n);
SELECT setval(pg_get_serial_sequence('tickets', 'id'), $t);
COMMIT;
VACUUM ANALYZE;
SQL
  else
    cat <<SQL
COMMIT;
ANALYZE;
PRAGMA journal_mode = WAL;
SQL
  fi
}

# The drafts the issue phase numbers: ids FIRST..FIRST+COUNT-1, one line each, no dates (the server
# issues them today, due after the customer's terms), spread over the customers.
drafts_sql() { # backend first count
  local backend=$1 first=$2 count=$3 with from now
  if [ "$backend" = postgres ]; then
    with= from="generate_series($first::bigint, $((first + count - 1))::bigint) AS s(g)"
    now="CAST(now() AT TIME ZONE 'UTC' AS TIMESTAMP(0))"
    echo '\set ON_ERROR_STOP on'
  else
    with="WITH RECURSIVE s(g) AS (SELECT $first UNION ALL SELECT g + 1 FROM s WHERE g < $((first + count - 1)))"
    from=s now="datetime('now')"
    echo '.bail on'
    echo '.timeout 30000'
  fi
  cat <<SQL
BEGIN;
$with
INSERT INTO invoices (id, kind, status, customer_id, currency, subtotal, tax_total, total, paid_total,
    credited_total, created_at, updated_at, version)
SELECT s.g, 'receivable', 'draft', 1 + s.g % $CUSTOMERS,
    CASE WHEN (1 + s.g % $CUSTOMERS) % 10 = 0 THEN 'USD' ELSE 'EUR' END,
    10000, 2000, 12000, 0, 0, $now, $now, 1
FROM $from;
INSERT INTO invoice_lines (invoice_id, position, description, quantity, unit_price, discount, tax_rate, net)
SELECT id, 1, 'Bench issue', 1000, 1000000, 0, 2000, 10000 FROM invoices WHERE id >= $first;
SQL
  [ "$backend" = postgres ] && echo "SELECT setval(pg_get_serial_sequence('invoices', 'id'), $((first + count - 1)));"
  echo 'COMMIT;'
}

# seed_check BACKEND URL: rows that break what the server would keep true (all must be 0).
seed_check() {
  local backend=$1 url=$2 greatest=GREATEST
  [ "$backend" = sqlite ] && greatest=max
  q "$backend" "$url" "SELECT
    (SELECT COUNT(*) FROM invoices i WHERE i.paid_total <> COALESCE((SELECT SUM(p.amount) FROM payments p WHERE p.invoice_id = i.id), 0)),
    (SELECT COUNT(*) FROM invoices i WHERE i.credited_total <> COALESCE((SELECT SUM(c.total) FROM invoices c WHERE c.credited_invoice_id = i.id AND c.status NOT IN ('draft', 'void')), 0)),
    (SELECT COUNT(*) FROM invoices i WHERE i.kind <> 'credit_note' AND i.status NOT IN ('draft', 'void') AND
        (CASE WHEN i.paid_total + i.credited_total = i.total THEN 'paid' WHEN i.paid_total + i.credited_total = 0 THEN 'issued' ELSE 'partially_paid' END) <> i.status),
    (SELECT COUNT(*) FROM invoices i WHERE i.status = 'paid' AND i.paid_on IS DISTINCT FROM $greatest(
        (SELECT MAX(p.paid_on) FROM payments p WHERE p.invoice_id = i.id),
        COALESCE((SELECT MAX(c.issue_date) FROM invoices c WHERE c.credited_invoice_id = i.id AND c.status NOT IN ('draft', 'void')), '0001-01-01'))),
    (SELECT COUNT(*) FROM invoices i WHERE i.status <> 'paid' AND i.paid_on IS NOT NULL),
    (SELECT COUNT(*) FROM invoices i WHERE i.subtotal <> (SELECT SUM(l.net) FROM invoice_lines l WHERE l.invoice_id = i.id)),
    (SELECT COUNT(*) FROM counters c WHERE c.name LIKE 'invoice:%' AND c.value <> (SELECT COUNT(*) FROM invoices i
        WHERE i.number LIKE substr(c.name, 9, length(c.name) - 13) || '-' || substr(c.name, length(c.name) - 3) || '-%'))" | tr '|' ' '
}
