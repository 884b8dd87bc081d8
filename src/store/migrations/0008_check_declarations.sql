CREATE TABLE "parity"."check_declarations" (
	"check_id" text NOT NULL,
	"definition_hash" text NOT NULL,
	"declared_at" timestamp with time zone NOT NULL,
	"seen_at" timestamp with time zone NOT NULL,
	CONSTRAINT "check_declarations_check_id_definition_hash_pk" PRIMARY KEY("check_id","definition_hash")
);
--> statement-breakpoint
CREATE INDEX "check_declarations_seen_at_idx" ON "parity"."check_declarations" USING btree ("seen_at");