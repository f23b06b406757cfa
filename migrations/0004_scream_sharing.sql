-- A result's opt-in public link: a random token while shared (null: private, the default), and
-- whether the link also plays the audio.

ALTER TABLE screams ADD COLUMN share_token character varying(32);
ALTER TABLE screams ADD COLUMN share_audio boolean NOT NULL DEFAULT FALSE;

CREATE UNIQUE INDEX ix_screams_share_token ON screams (share_token);
