DROP TABLE IF EXISTS "parity"."meta";
