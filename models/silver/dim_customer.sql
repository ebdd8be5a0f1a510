-- One row per customer known on as_of_date (dim_as_of_date): created by then, or with a rental or a
-- payment by then; with address, city, country and home store.
with as_of as (
    select as_of_date, as_of_end_at from {{ ref('dim_as_of_date') }}
),

-- The customers known by then as one set of ids, joined to the customers once (a hash semi-join): a
-- correlated EXISTS under OR runs again for every customer (over a minute at 60,000 customers and 1.6
-- million rentals).
known_customer_ids as (
    select brz_customer.customer_id
    from {{ ref('brz_customer') }} as brz_customer
    cross join as_of
    where brz_customer.created_date <= as_of.as_of_date
    union
    select rental.customer_id
    from {{ ref('brz_rental') }} as rental
    cross join as_of
    where rental.rented_at < as_of.as_of_end_at
    union
    select payment.customer_id
    from {{ ref('brz_payment') }} as payment
    cross join as_of
    where payment.paid_at < as_of.as_of_end_at
),

customer as (
    select brz_customer.*
    from {{ ref('brz_customer') }} as brz_customer
    where brz_customer.customer_id in (select customer_id from known_customer_ids)
),

address as (
    select * from {{ ref('brz_address') }}
),

city as (
    select * from {{ ref('brz_city') }}
),

country as (
    select * from {{ ref('brz_country') }}
),

store as (
    select * from {{ ref('brz_store') }}
)

select
    customer.customer_id,
    customer.first_name,
    customer.last_name,
    customer.first_name || ' ' || customer.last_name              as full_name,
    customer.email,
    customer.store_id,
    store.address_id                                              as store_address_id,
    store.manager_staff_id                                        as store_manager_staff_id,
    customer.address_id,
    address.address_line1,
    address.address_line2,
    address.district,
    address.postal_code,
    address.phone,
    address.city_id,
    city.city_name,
    city.country_id,
    country.country_name,
    -- Pagila keeps two flags: activebool (always true in practice) and active (0 or 1). Both must agree.
    coalesce(customer.active_status = 1 and customer.is_active_flag, false) as is_active,
    customer.created_date,
    customer.updated_at
from customer
left join address on address.address_id = customer.address_id
left join city on city.city_id = address.city_id
left join country on country.country_id = city.country_id
left join store on store.store_id = customer.store_id
