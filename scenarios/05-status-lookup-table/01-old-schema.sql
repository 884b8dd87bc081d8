-- Before the migration: status as free text, spelt however each client spelt it.
create table tickets (
  id bigserial primary key,
  status text
);
