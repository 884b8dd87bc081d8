-- Expand: a lookup table of statuses (with an explicit "unknown" for values nobody recognises)
-- and a reference to it.
create table ticket_statuses (
  id smallint primary key,
  code text not null unique
);
insert into ticket_statuses (id, code) values (1, 'open'), (2, 'in_progress'), (3, 'on_hold'), (4, 'closed'), (99, 'unknown');

alter table tickets add column status_id smallint;

create table backfill_progress (job text primary key, last_id bigint not null);

-- "In Progress", " in-progress", "IN_PROGRESS" → in_progress; blank → NULL.
create function ticket_status_code(status text) returns text language sql immutable as $$
  select nullif(regexp_replace(lower(btrim(status, E' \t\n\r\u000b\u000c\u00a0')), '[ -]+', '_', 'g'), '')
$$;

-- The status's id; values that are not a known code map to "unknown" rather than to NULL.
create function ticket_status_id(status text) returns smallint language sql stable as $$
  select case when ticket_status_code(status) is null then null
              else coalesce((select id from ticket_statuses where code = ticket_status_code(status)), 99) end
$$;
