-- The rate limit counts accepted uploads in a ledger that deleting a scream does not shrink, and
-- every sign-in cookie carries its player's session version, which signing out moves on.

CREATE TABLE upload_attempts (
    id bigint GENERATED ALWAYS AS IDENTITY,
    player_id bigint NOT NULL,
    at timestamp with time zone NOT NULL,
    CONSTRAINT pk_upload_attempts PRIMARY KEY (id),
    CONSTRAINT fk_upload_attempts_players_player_id FOREIGN KEY (player_id) REFERENCES players (id) ON DELETE CASCADE
);

CREATE INDEX ix_upload_attempts_player_id_at ON upload_attempts (player_id, at);

-- The last day's stored screams count, so the upgrade hands no one a fresh day.
INSERT INTO upload_attempts (player_id, at)
SELECT player_id, created_at FROM screams WHERE created_at > now() - interval '1 day';

ALTER TABLE players ADD COLUMN session_version integer NOT NULL DEFAULT 0;
ALTER TABLE players ALTER COLUMN session_version DROP DEFAULT;
