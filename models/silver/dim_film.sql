-- One row per film, with its language and category. Pagila links each film to one category; should a
-- film have several, the lowest category_id is kept so the grain stays one row per film.
with film as (
    select * from {{ ref('brz_film') }}
),

film_category as (
    select distinct on (film_id)
        film_id,
        category_id
    from {{ ref('brz_film_category') }}
    order by film_id, category_id
),

category as (
    select * from {{ ref('brz_category') }}
),

language as (
    select * from {{ ref('brz_language') }}
)

select
    film.film_id,
    film.title,
    film.description,
    film.release_year,
    film.language_id,
    language.language_name,
    film_category.category_id,
    category.category_name,
    film.rating,
    film.length_minutes,
    film.rental_duration_days,
    film.rental_rate,
    film.replacement_cost,
    film.updated_at
from film
left join language on language.language_id = film.language_id
left join film_category on film_category.film_id = film.film_id
left join category on category.category_id = film_category.category_id
