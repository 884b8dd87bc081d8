CREATE TABLE "parity"."counter_snapshots" (
	"check_id" text NOT NULL,
	"scope" text NOT NULL,
	"taken_at" timestamp with time zone NOT NULL,
	"counters" jsonb NOT NULL,
	CONSTRAINT "counter_snapshots_check_id_scope_taken_at_pk" PRIMARY KEY("check_id","scope","taken_at")
);
