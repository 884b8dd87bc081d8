-- Before the migration: one free-text name column, filled in by users for years.
create table users (
  id bigserial primary key,
  full_name text
);
