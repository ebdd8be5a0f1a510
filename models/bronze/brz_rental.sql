-- One row per rental; return_date is null while the film is still out.
select
    rental_id::integer              as rental_id,
    rental_date::timestamptz        as rented_at,
    return_date::timestamptz        as returned_at,
    inventory_id::integer           as inventory_id,
    customer_id::integer            as customer_id,
    staff_id::integer               as staff_id,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'rental') }}
