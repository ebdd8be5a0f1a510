-- One row per city.
select
    city_id::integer                as city_id,
    city::text                      as city_name,
    country_id::integer             as country_id,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'city') }}
