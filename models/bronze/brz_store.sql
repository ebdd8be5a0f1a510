-- One row per store.
select
    store_id::integer               as store_id,
    manager_staff_id::integer       as manager_staff_id,
    address_id::integer             as address_id,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'store') }}
