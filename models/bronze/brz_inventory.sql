-- One row per copy of a film held by a store.
select
    inventory_id::integer           as inventory_id,
    film_id::integer                as film_id,
    store_id::integer               as store_id,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'inventory') }}
