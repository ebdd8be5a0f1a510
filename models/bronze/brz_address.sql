-- One row per postal address (customers, staff and stores). Empty strings become null.
select
    address_id::integer             as address_id,
    address::text                   as address_line1,
    nullif(address2::text, '')      as address_line2,
    district::text                  as district,
    city_id::integer                as city_id,
    nullif(postal_code::text, '')   as postal_code,
    nullif(phone::text, '')         as phone,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'address') }}
