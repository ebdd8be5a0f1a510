-- One row per film category (genre).
select
    category_id::integer            as category_id,
    name::text                      as category_name,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'category') }}
