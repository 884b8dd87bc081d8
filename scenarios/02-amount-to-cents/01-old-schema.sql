-- Before the migration: amounts as unconstrained numeric, currency as typed by whoever entered it.
create table payments (
  id bigserial primary key,
  amount numeric,
  currency_code text
);
