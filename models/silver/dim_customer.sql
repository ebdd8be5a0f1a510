-- One row per customer known on as_of_date (dim_as_of_date): created by then, or with a rental or a
-- payment by then; with address, city, country and home store.
with as_of as (
    select as_of_date, as_of_end_at from {{ ref('dim_as_of_date') }}
),

customer as (
    select brz_customer.*
    from {{ ref('brz_customer') }} as brz_customer
    cross join as_of
    where brz_customer.created_date <= as_of.as_of_date
       or exists (
           select 1 from {{ ref('brz_rental') }} as rental
           where rental.customer_id = brz_customer.customer_id and rental.rented_at < as_of.as_of_end_at
       )
       or exists (
           select 1 from {{ ref('brz_payment') }} as payment
           where payment.customer_id = brz_customer.customer_id and payment.paid_at < as_of.as_of_end_at
       )
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
