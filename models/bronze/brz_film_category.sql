-- Film to category links; film_category_key is the composite key as one testable column.
select
    film_id::text || '-' || category_id::text as film_category_key,
    film_id::integer                as film_id,
    category_id::integer            as category_id,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'film_category') }}
