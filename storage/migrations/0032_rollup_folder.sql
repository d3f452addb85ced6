-- Rollups off the write path: a write stores its record and claims its key,
-- nothing more; the rollup folder folds committed records into the rollups
-- afterwards, and every reader adds the records not folded yet.
--
-- Each record carries the id of the transaction that wrote it (xid, the
-- top-level transaction's even inside a savepoint; 64 bits with the epoch, so
-- it never wraps). usage_rollup_watermark holds one value W: every record
-- with xid < W is in the rollups (or was voided after it was, and left them
-- by a negative delta). Records with xid >= W are the unfolded tail.
--
-- Why a fold is exact. A fold run takes its bounds under an exclusive
-- advisory lock, in a snapshot S: X = pg_snapshot_xmin(S), the oldest
-- transaction still running. Every transaction with an id below X has
-- finished before S was taken: those that committed are visible to S and to
-- every later snapshot, those that aborted never will be, and no new
-- transaction can take an id below X (ids are handed out in increasing
-- order, all at or above S's xmax). So the records with W <= xid < X visible
-- to S (or to any later snapshot of the same transaction) are all there will
-- ever be. The fold groups exactly those into the hourly, daily and monthly
-- rollups (the upserts the delta merge does) and sets W = X in the same
-- transaction: the records leave the tail and enter the rollups in one
-- commit. A fold may stop short of X (its batch size) at any transaction
-- boundary X' <= X: the argument holds for X'. A transaction that commits
-- late (long, slow, or prepared) holds xmin, and so W, below its id until it
-- ends; it is never skipped, only waited for.
--
-- Why a reader is exact. A reader reads, in one statement (one snapshot R):
-- the rollups, the pending deltas, and the raw records with xid >= W as R
-- sees W. The folds R sees moved every record with xid < W into the rollups
-- (R sees each fold's rollup rows and its W together: one commit), the
-- records with xid >= W are read raw, and no record is in both. So its SUM,
-- COUNT, MIN, MAX are those of a scan of the raw records at every instant.
--
-- Voids and corrections delete the raw record. A folded one (xid < W) also
-- adds a negative delta and marks its hour stale, as before; an unfolded one
-- simply leaves the tail. Which it is is decided under the same advisory
-- lock, taken shared, so no fold runs between the look at W and the commit.
-- Erasure takes it shared too, so that no fold reads a user id it rewrites.
--
-- Existing rows: records stored before this migration have their deltas or
-- rollups already, so they get xid 0 (a constant default: no table rewrite)
-- and W starts at 1: folded. Their pending deltas stay in
-- usage_rollup_deltas and are merged by the rollup job as before; nothing
-- counts them twice. The default then becomes the writing transaction's id.
-- The server stops writing deltas for new records from this version on; a
-- process of an older version must not write while this migration commits.

ALTER TABLE usage_records ADD COLUMN xid xid8 NOT NULL DEFAULT '0';
ALTER TABLE usage_records ALTER COLUMN xid SET DEFAULT pg_current_xact_id();
CREATE INDEX usage_records_xid ON usage_records (xid);

CREATE TABLE usage_rollup_watermark (
    single        boolean PRIMARY KEY DEFAULT true CHECK (single),
    folded_below  xid8 NOT NULL,
    folded_at     timestamptz NOT NULL DEFAULT now()
);
INSERT INTO usage_rollup_watermark (folded_below) VALUES ('1');
