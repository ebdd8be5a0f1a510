-- One row per country.
select
    country_id::integer             as country_id,
    country::text                   as country_name,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'country') }}
