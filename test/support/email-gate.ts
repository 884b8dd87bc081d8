/**
 * The evidence tests' world: a users table whose emails are all filled and unique, two sql_assert
 * checks saying so, and the `users-email` migration's `contract` phase requiring both (max_age 1h).
 */
export const EMAIL_GATE_SEED = `create table users (id int primary key, email text); insert into users select g, 'u' || g || '@x' from generate_series(1, 50) g;`;

/** A check no gate requires, reading the same source: a witness of which server `app` reaches. */
export const NOT_EMPTY_WITNESS = `  - { id: users-not-empty, kind: sql_assert, source: app, query: "select 1 where not exists (select 1 from users)" }`;

/** The check file, with `extraChecks` (lines of the checks list, e.g. NOT_EMPTY_WITNESS) after the two required checks. */
export const emailGateYaml = (extraChecks = ''): string => `
checks:
  - { id: users-have-email, kind: sql_assert, source: app, query: "select id from users where email is null" }
  - { id: users-unique-email, kind: sql_assert, source: app, query: "select email from users group by email having count(*) > 1" }
${extraChecks}
migrations:
  - id: users-email
    phases:
      - name: contract
        requires: [users-have-email, users-unique-email]
        max_age: 1h
`;

export const EMAIL_GATE = ['users-email', 'contract'] as const;
