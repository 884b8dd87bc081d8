-- Before the migration: emails exactly as typed. "Bob@Example.com" and "bob@example.com " are two
-- accounts, and nothing stops a third.
create table accounts (
  id bigserial primary key,
  email text
);
