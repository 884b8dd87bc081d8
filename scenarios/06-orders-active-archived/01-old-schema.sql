-- Before the migration: every order ever placed, in one table that only grows.
create table orders (
  id bigserial primary key,
  customer text,
  status text,
  placed_at timestamp,
  total numeric
);
