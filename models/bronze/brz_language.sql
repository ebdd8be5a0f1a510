-- One row per language. name is character(20) on real Pagila: trimmed to text.
select
    language_id::integer            as language_id,
    trim(name::text)                as language_name,
    last_update::timestamptz        as updated_at
from {{ source('pagila', 'language') }}
