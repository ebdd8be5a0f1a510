-- One row per rental made on or before as_of_date (dim_as_of_date), with the rented film and the store
-- that holds the copy. A return after as_of_date is not known yet: the rental is still out.
with as_of as (
    select as_of_end_at from {{ ref('dim_as_of_date') }}
),

rental as (
    select
        brz_rental.rental_id,
        brz_rental.customer_id,
        brz_rental.inventory_id,
        brz_rental.staff_id,
        brz_rental.rented_at,
        case when brz_rental.returned_at < as_of.as_of_end_at then brz_rental.returned_at end as returned_at,
        brz_rental.updated_at
    from {{ ref('brz_rental') }} as brz_rental
    cross join as_of
    where brz_rental.rented_at < as_of.as_of_end_at
),

inventory as (
    select * from {{ ref('brz_inventory') }}
),

film as (
    select film_id, rental_duration_days, rental_rate from {{ ref('dim_film') }}
)

select
    rental.rental_id,
    rental.customer_id,
    rental.inventory_id,
    inventory.film_id,
    inventory.store_id,
    rental.staff_id,
    rental.rented_at,
    (rental.rented_at at time zone 'UTC')::date                   as rental_date,
    rental.returned_at,
    (rental.returned_at at time zone 'UTC')::date                 as return_date,
    rental.returned_at is not null                                as is_returned,
    round(extract(epoch from rental.returned_at - rental.rented_at) / 86400.0, 2)::numeric(8,2)
                                                                  as rental_duration_days,
    film.rental_duration_days                                     as allowed_rental_days,
    film.rental_rate                                              as film_rental_rate,
    -- Late: returned after the film's allowed rental duration. A rental still out is not counted late.
    coalesce(
        rental.returned_at > rental.rented_at + film.rental_duration_days * interval '1 day',
        false
    )                                                             as is_late,
    rental.updated_at
from rental
left join inventory on inventory.inventory_id = rental.inventory_id
left join film on film.film_id = inventory.film_id
