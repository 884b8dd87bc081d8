-- Expand: the lower-cased email that will carry a unique index, and where a later account with
-- the same address (in another spelling) points at the first one instead of claiming it too.
alter table accounts add column email_normalized text, add column duplicate_of bigint;

create table backfill_progress (job text primary key, last_id bigint not null);

-- Trimmed (the same whitespace as parity's trim normaliser) and lower-cased; blank means none.
create function email_key(email text) returns text language sql immutable as $$
  select nullif(lower(btrim(email, E' \t\n\r\u000b\u000c\u00a0')), '')
$$;

create index accounts_email_key on accounts (email_key(email));

-- The first account (lowest id) with an address keeps it; later ones point at the first.
-- Recomputes every account holding one of `keys`, so a write to one row settles its whole group.
create function accounts_resolve_emails(keys text[]) returns void language sql as $$
  update accounts a
     set email_normalized = case when g.first_id = a.id then g.key end,
         duplicate_of = case when g.first_id <> a.id then g.first_id end
    from (select id, email_key(email) as key, min(id) over (partition by email_key(email)) as first_id
            from accounts where email_key(email) = any(keys)) g
   where a.id = g.id
     and (a.email_normalized, a.duplicate_of) is distinct from
         (case when g.first_id = a.id then g.key end, case when g.first_id <> a.id then g.first_id end)
$$;
