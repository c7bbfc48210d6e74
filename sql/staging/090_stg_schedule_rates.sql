-- Schedules of tariff concessions (core.tariff_schedules) as the marts read them: one row
-- per agreement, importing country, beneficiary (null: every AfCFTA State Party), HS6 of
-- the study's revision and schedule year.
--   importer_iso3: each country that applies the schedule (a customs union's members);
--   hs6: the schedule's code converted to the study's revision through ref.hs_conversion
--     where a conversion is loaded for its revision, else as written (a code that splits
--     gets the rate on each target);
--   rate_pct: the simple average of the national lines' rates under the HS6 (as WITS
--     averages lines), with min_rate_pct, max_rate_pct and national_lines;
--   base_rate_pct: the average base rate; category: the lines' category when they share
--     one, else 'mixed'; path_from: 'schedule' or 'modalities' ('mixed' when both).
create or replace view staging.stg_schedule_rates as
with params as (
    select hs_revision from ops.run_parameters
),

lines as (
    select s.agreement, s.party_code, unnest(s.members) as importer_iso3, s.beneficiary_iso3,
           coalesce(c.target_hs6, s.hs6) as hs6, s.national_line, s.category, s.timetable,
           s.base_rate_pct, s.path_from, s.year, s.rate_pct
    from core.tariff_schedules as s
    cross join params as p
    left join ref.hs_conversion as c
      on c.source_revision = s.hs_revision and c.target_revision = p.hs_revision
     and c.source_hs6 = s.hs6
)

select
    agreement,
    any_value(party_code)                                             as party_code,
    importer_iso3,
    beneficiary_iso3,
    hs6,
    year,
    avg(rate_pct)                                                     as rate_pct,
    min(rate_pct)                                                     as min_rate_pct,
    max(rate_pct)                                                     as max_rate_pct,
    count(distinct national_line)                                     as national_lines,
    avg(base_rate_pct)                                                as base_rate_pct,
    case when count(distinct category) = 1 then any_value(category)
         when count(category) = 0 then null else 'mixed' end          as category,
    case when count(distinct timetable) = 1 then any_value(timetable)
         when count(timetable) = 0 then null else 'mixed' end         as timetable,
    case when count(distinct path_from) = 1 then any_value(path_from)
         else 'mixed' end                                             as path_from
from lines
group by agreement, importer_iso3, beneficiary_iso3, hs6, year;
