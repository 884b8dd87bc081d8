-- Expand: integer cents (exact, and what the payment provider speaks) plus a clean ISO currency.
alter table payments add column amount_cents bigint, add column currency text;

create table backfill_progress (job text primary key, last_id bigint not null);

-- Half a cent rounds away from zero (2.675 → 268, -0.005 → -1): numeric arithmetic, never floats.
-- Amounts whose cents do not fit in bigint raise an error rather than wrap.
create function to_cents(amount numeric) returns bigint language sql immutable as $$
  select round(amount * 100)::bigint
$$;

-- Upper-case ISO code; blank or missing means the shop's home currency, EUR.
create function currency_iso(code text) returns text language sql immutable as $$
  select coalesce(nullif(upper(btrim(code)), ''), 'EUR')
$$;
