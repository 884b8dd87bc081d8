/**
 * Stored definitions that hand SQL text to dblink (`create view export as select * from
 * dblink('loopback', 'select id, full_name from users') …`): the text runs over a connection of
 * its own — possibly back into this database — and Postgres records a dependency on the dblink
 * function only, never on what the text reads. The definition is deparsed and judged like a
 * statement (its string constants are embedded SQL); text built at run time cannot be judged.
 */
import { parseSql } from '../../sql/parser.js';
import { sql, type SQL } from '../../sql/build.js';
import { untag, walkSqlTree } from '../../sql/tree-walk.js';
import type { FaultInfo } from '../../results/fault.js';
import { resolveStatement } from './resolve-statement.js';
import { mayMention, type ShapeTarget } from './targets.js';
import type { Dependency } from './verdict.js';

/** A stored object calling a dblink function, with its definition as SQL the parser reads. */
export type DblinkCallerRow = { kind: string; object: string; definition: string | null };

/**
 * Objects recorded as calling a function named dblink* (the extension's dblink, dblink_exec,
 * dblink_open, dblink_send_query, …, in whatever schema): views and rules, SQL-standard bodies,
 * defaults, constraints, policies, triggers and indexes, each deparsed by the server.
 */
export function planDblinkCallers(): SQL {
  return sql`select distinct
      case d.classid when 'pg_rewrite'::regclass then 'view or rule' when 'pg_proc'::regclass then 'function'
        when 'pg_attrdef'::regclass then 'generated column or default' when 'pg_constraint'::regclass then 'constraint'
        when 'pg_policy'::regclass then 'policy' when 'pg_trigger'::regclass then 'trigger' else 'index' end as kind,
      pg_describe_object(d.classid, d.objid, 0) as object,
      case d.classid
        when 'pg_rewrite'::regclass then pg_get_ruledef(d.objid)
        when 'pg_proc'::regclass then pg_get_functiondef(d.objid)
        when 'pg_attrdef'::regclass then (select 'select ' || pg_get_expr(ad.adbin, ad.adrelid) from pg_attrdef ad where ad.oid operator(pg_catalog.=) d.objid)
        when 'pg_constraint'::regclass then (select 'select ' || pg_get_expr(con.conbin, con.conrelid) from pg_constraint con where con.oid operator(pg_catalog.=) d.objid)
        when 'pg_policy'::regclass then (select 'select ' || concat_ws(', ', pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)) from pg_policy p where p.oid operator(pg_catalog.=) d.objid)
        when 'pg_trigger'::regclass then pg_get_triggerdef(d.objid)
        else pg_get_indexdef(d.objid) end as definition
    from pg_depend d join pg_proc f on d.refclassid operator(pg_catalog.=) 'pg_proc'::regclass and d.refobjid operator(pg_catalog.=) f.oid
    where f.proname::text like 'dblink%' and d.deptype operator(pg_catalog.=) 'n'
      -- Objects that hold an expression; a wrapper's validator (dblink_fdw) runs no SQL text.
      and d.classid in ('pg_rewrite'::regclass, 'pg_proc'::regclass, 'pg_attrdef'::regclass, 'pg_constraint'::regclass,
        'pg_policy'::regclass, 'pg_trigger'::regclass, 'pg_class'::regclass)
    order by 1, 2`;
}

/** True when a dblink call in the tree is given anything but constants: SQL text built at run time. */
function buildsText(tree: unknown): boolean {
  let built = false;
  walkSqlTree(tree, (node) => {
    if (node.type !== 'FuncCall') return;
    const names = (node.fields['funcname'] as unknown[] | undefined) ?? [];
    const last = names.length > 0 ? untag(names[names.length - 1] as Record<string, unknown>).fields['sval'] : undefined;
    if (typeof last !== 'string' || !last.toLowerCase().startsWith('dblink')) return;
    const args = (node.fields['args'] as unknown[] | undefined) ?? [];
    for (const arg of args) {
      let { type, fields } = untag(arg as Record<string, unknown>);
      while (type === 'TypeCast') ({ type, fields } = untag(fields['arg'] as Record<string, unknown>));
      if (type !== 'A_Const') built = true;
    }
  });
  return built;
}

/** The uses dblink callers make, and the callers whose text cannot be judged. */
export function dblinkUses(rows: readonly DblinkCallerRow[], targets: readonly ShapeTarget[]): { uses: Dependency[]; gaps: FaultInfo[] } {
  const uses: Dependency[] = [];
  const gaps: FaultInfo[] = [];
  for (const row of rows) {
    if (row.definition === null) {
      gaps.push({ code: 'remote_sql_unverified', message: `${row.object} calls dblink, and its definition could not be read back: what it reads over that connection (possibly this database) cannot be told` });
      continue;
    }
    const definition = row.definition;
    const use = resolveStatement(definition, targets);
    const named = use.kind === 'resolved' ? use.uses.map((u) => u.target) : targets.filter((t) => mayMention(definition, t)).map((t) => t.label);
    for (const target of new Set(named)) {
      uses.push({ target, kind: row.kind, object: `${row.object} (hands dblink SQL text that names ${target}; Postgres records no dependency)` });
    }
    const parsed = parseSql(definition);
    if (named.length === 0 && (parsed.kind === 'syntax_error' || buildsText(parsed.tree))) {
      gaps.push({ code: 'remote_sql_unverified', message: `${row.object} hands dblink SQL text ${parsed.kind === 'syntax_error' ? 'in a definition the parser cannot read' : 'built at run time'}: what it reads over that connection (possibly this database) cannot be told` });
    }
  }
  return { uses, gaps };
}
