-- One row per film. rating is the enum mpaa_rating on real Pagila and text in the seeds: cast to text.
select
    film_id::integer                as film_id,
    title::text                     as title,
    description::text               as description,
    release_year::integer           as release_year,
    language_id::integer            as language_id,
    rental_duration::integer        as rental_duration_days,
    rental_rate::numeric(4,2)       as rental_rate,
    length::integer                 as length_minutes,
    replacement_cost::numeric(5,2)  as replacement_cost,
    rating::text                    as rating,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'film') }}
