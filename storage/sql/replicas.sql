-- name: replay_lag
-- How far behind its primary this server replays, in seconds: 0 when it has
-- replayed all it received (an idle primary sends nothing, which is no lag),
-- and 0 on a server that is not a standby.
SELECT CASE
         WHEN NOT pg_is_in_recovery() THEN 0
         WHEN pg_last_wal_receive_lsn() IS NOT DISTINCT FROM pg_last_wal_replay_lsn() THEN 0
         ELSE coalesce(
           EXTRACT(EPOCH FROM clock_timestamp() - pg_last_xact_replay_timestamp()), 0)
       END::float8 AS lag
