-- Players, their screams and the screams' audio; the Data Protection key ring.

CREATE TABLE players (
    id bigint GENERATED ALWAYS AS IDENTITY,
    github_id bigint,
    login character varying(100) NOT NULL,
    name character varying(200),
    avatar_url character varying(500),
    email character varying(320),
    created_at timestamp with time zone NOT NULL,
    last_seen_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_players PRIMARY KEY (id)
);

CREATE UNIQUE INDEX ix_players_github_id ON players (github_id);
CREATE UNIQUE INDEX ix_players_login ON players (login);
CREATE INDEX ix_players_last_seen_at ON players (last_seen_at);

CREATE TABLE screams (
    id uuid NOT NULL,
    player_id bigint NOT NULL,
    created_at timestamp with time zone NOT NULL,
    period date NOT NULL,
    status character varying(16) NOT NULL,
    attempts integer NOT NULL,
    scoring_started_at timestamp with time zone,
    file_name character varying(255),
    byte_count integer NOT NULL,
    sample_rate_hz integer,
    channels integer,
    duration_seconds double precision,
    mean_rms double precision,
    loudness double precision,
    speech_characters integer,
    speech_factor double precision,
    score numeric(4,1),
    recognizer character varying(32),
    transcript text,
    no_speech_probability double precision,
    average_log_probability double precision,
    failure_reason character varying(1000),
    scored_at timestamp with time zone,
    scoring_milliseconds integer,
    envelope real[],
    frame_rms real[],
    CONSTRAINT pk_screams PRIMARY KEY (id),
    CONSTRAINT fk_screams_players_player_id FOREIGN KEY (player_id) REFERENCES players (id) ON DELETE CASCADE
);

CREATE INDEX ix_screams_period_status_player_id ON screams (period, status, player_id);
CREATE INDEX ix_screams_player_id_created_at ON screams (player_id, created_at);
CREATE INDEX ix_screams_status_created_at ON screams (status, created_at);

CREATE TABLE scream_audio (
    scream_id uuid NOT NULL,
    wav bytea NOT NULL,
    CONSTRAINT pk_scream_audio PRIMARY KEY (scream_id),
    CONSTRAINT fk_scream_audio_screams_scream_id FOREIGN KEY (scream_id) REFERENCES screams (id) ON DELETE CASCADE
);

CREATE TABLE data_protection_keys (
    id integer GENERATED ALWAYS AS IDENTITY,
    friendly_name character varying(200),
    xml text NOT NULL,
    CONSTRAINT pk_data_protection_keys PRIMARY KEY (id)
);
