-- Expand: the new columns, nullable so the old application keeps working, plus the split itself
-- as functions shared by the dual write, the backfill and the new application code, so the three
-- can never disagree on what "split on the first space" means.
alter table users add column first_name text, add column last_name text;

-- Where the backfill has got to; a restarted backfill continues from here.
create table backfill_progress (job text primary key, last_id bigint not null);

-- Whitespace as parity's trim/collapse_whitespace normalisers define it: space, tab, LF, CR, VT,
-- FF and no-break space. Trimmed, and runs collapsed to one space.
create function name_normalized(full_name text) returns text language sql immutable as $$
  select regexp_replace(btrim(full_name, E' \t\n\r\u000b\u000c\u00a0'), E'[ \t\n\r\u000b\u000c\u00a0]+', ' ', 'g')
$$;

-- Everything before the first space ('' for a blank name, NULL for NULL).
create function name_first(full_name text) returns text language sql immutable as $$
  select split_part(name_normalized(full_name), ' ', 1)
$$;

-- Everything after the first space (multi-part surnames stay whole); NULL for single words.
create function name_last(full_name text) returns text language sql immutable as $$
  select nullif(substr(name_normalized(full_name), length(split_part(name_normalized(full_name), ' ', 1)) + 2), '')
$$;
