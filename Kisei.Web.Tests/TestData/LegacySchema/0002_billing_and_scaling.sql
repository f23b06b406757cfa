-- Money and machines: cost-share snapshots with each active player's share, the scaling runs
-- (also the stabilization window's history), and the simulated cluster's Deployment.

CREATE TABLE share_snapshots (
    id bigint GENERATED ALWAYS AS IDENTITY,
    taken_at timestamp with time zone NOT NULL,
    period date NOT NULL,
    bill_yen bigint NOT NULL,
    cost_per_replica_yen bigint NOT NULL,
    observed_replicas integer NOT NULL,
    is_simulated boolean NOT NULL,
    total_score numeric(14,1) NOT NULL,
    CONSTRAINT pk_share_snapshots PRIMARY KEY (id)
);

CREATE INDEX ix_share_snapshots_taken_at ON share_snapshots (taken_at);

CREATE TABLE player_shares (
    snapshot_id bigint NOT NULL,
    player_id bigint NOT NULL,
    standing numeric(14,1) NOT NULL,
    share_yen bigint NOT NULL,
    CONSTRAINT pk_player_shares PRIMARY KEY (snapshot_id, player_id),
    CONSTRAINT fk_player_shares_players_player_id FOREIGN KEY (player_id) REFERENCES players (id) ON DELETE CASCADE,
    CONSTRAINT fk_player_shares_share_snapshots_snapshot_id FOREIGN KEY (snapshot_id) REFERENCES share_snapshots (id) ON DELETE CASCADE
);

CREATE INDEX ix_player_shares_player_id_snapshot_id ON player_shares (player_id, snapshot_id);

CREATE TABLE scaling_runs (
    id bigint GENERATED ALWAYS AS IDENTITY,
    at timestamp with time zone NOT NULL,
    total_score numeric(14,1) NOT NULL,
    observed_replicas integer,
    replicas_before integer,
    target integer NOT NULL,
    replicas_set integer,
    action character varying(16) NOT NULL,
    error character varying(2000),
    is_simulated boolean NOT NULL,
    CONSTRAINT pk_scaling_runs PRIMARY KEY (id)
);

CREATE INDEX ix_scaling_runs_at ON scaling_runs (at);

CREATE TABLE simulated_cluster_state (
    id integer NOT NULL,
    desired_replicas integer NOT NULL,
    observed_replicas integer NOT NULL,
    desired_changed_at timestamp with time zone NOT NULL,
    CONSTRAINT pk_simulated_cluster_state PRIMARY KEY (id),
    CONSTRAINT ck_simulated_cluster_state_single_row CHECK (id = 1)
);
