-- One row per customer, as in the source; typed and renamed to the project's conventions.
select
    customer_id::integer            as customer_id,
    store_id::integer               as store_id,
    first_name::text                as first_name,
    last_name::text                 as last_name,
    email::text                     as email,
    address_id::integer             as address_id,
    activebool::boolean             as is_active_flag,
    active::integer                 as active_status,
    create_date::date               as created_date,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'customer') }}
