-- One row per customer: the customer with address, city, country and home store.
with customer as (
    select * from {{ ref('brz_customer') }}
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
