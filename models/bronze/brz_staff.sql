-- One row per staff member (the password and picture columns of real Pagila are left out).
select
    staff_id::integer               as staff_id,
    first_name::text                as first_name,
    last_name::text                 as last_name,
    address_id::integer             as address_id,
    email::text                     as email,
    store_id::integer               as store_id,
    active::boolean                 as is_active,
    username::text                  as username,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'staff') }}
