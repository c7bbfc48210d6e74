-- What each refresh step last computed from: a step whose inputs' fingerprint is unchanged
-- is skipped (its tables in the working database are still current). step 'trade': the SQL
-- marts, the study and the watch's trade marts, from the trade and tariff batches, the
-- reference data, the models and the study's parameters.
create table if not exists ops.refresh_state (
    step         varchar primary key,
    fingerprint  varchar not null,
    run_id       varchar not null,
    refreshed_at timestamp not null
);
