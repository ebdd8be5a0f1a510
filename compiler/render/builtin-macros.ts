/**
 * Macros shipped with the engine. Each is one file's worth of Jinja so that a project macro of the
 * same name replaces it everywhere (macros are looked up by name at call time).
 */
export const BUILTIN_MACROS: Record<string, string> = {
  generate_schema_name: `{% macro generate_schema_name(custom_schema_name, node) -%}
  {%- if custom_schema_name is none or custom_schema_name == '' -%}{{ target.schema }}
  {%- else -%}{{ target.schema }}_{{ custom_schema_name | trim }}{%- endif -%}
{%- endmacro %}`,
  generate_alias_name: `{% macro generate_alias_name(custom_alias_name, node) -%}
  {%- if custom_alias_name is not none and custom_alias_name != '' -%}{{ custom_alias_name | trim }}
  {%- elif node.version is defined and node.version is not none -%}{{ node.name ~ '_v' ~ (node.version | string | replace('.', '_')) }}
  {%- else -%}{{ node.name }}{%- endif -%}
{%- endmacro %}`,
  create_table_as: `{% macro create_table_as(temporary, relation, compiled_code) -%}
create {% if temporary %}temporary {% endif %}table {{ relation }} as (
{{ compiled_code }}
)
{%- endmacro %}`,
  create_view_as: `{% macro create_view_as(relation, compiled_code) -%}
create or replace view {{ relation }} as (
{{ compiled_code }}
)
{%- endmacro %}`,
  test_unique: `{% test unique(model, column_name) %}
select {{ column_name }} as unique_field, count(*) as n_records
from {{ model }}
where {{ column_name }} is not null
group by {{ column_name }}
having count(*) > 1
{% endtest %}`,
  test_not_null: `{% test not_null(model, column_name) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} is null
{% endtest %}`,
  test_accepted_values: `{% test accepted_values(model, column_name, values, quote=true) %}
with all_values as (
  select {{ column_name }} as value_field, count(*) as n_records
  from {{ model }}
  group by {{ column_name }}
)
select value_field, n_records
from all_values
where value_field is not null
  and value_field not in (
  {%- for value in values -%}
    {% if quote %}{{ __strata_literal(value) }}{% else %}{{ value }}{% endif %}{% if not loop.last %}, {% endif %}
  {%- endfor -%}
  )
{% endtest %}`,
  test_relationships: `{% test relationships(model, column_name, to, field) %}
with child as (
  select {{ column_name }} as from_field
  from {{ model }}
  where {{ column_name }} is not null
),
parent as (
  select {{ field }} as to_field
  from {{ to }}
)
select from_field
from child
left join parent on child.from_field = parent.to_field
where parent.to_field is null
{% endtest %}`,
  test_unique_combination_of_columns: `{% test unique_combination_of_columns(model, combination_of_columns) %}
select {{ combination_of_columns | join(', ') }}, count(*) as n_records
from {{ model }}
group by {{ combination_of_columns | join(', ') }}
having count(*) > 1
{% endtest %}`,
  test_expression_is_true: `{% test expression_is_true(model, expression, column_name=none) %}
select *
from {{ model }}
where not ({% if column_name %}{{ column_name }} {% endif %}{{ expression }})
{% endtest %}`,
  test_equal_rowcount: `{% test equal_rowcount(model, compare_model) %}
with a as (select count(*) as n from {{ model }}),
     b as (select count(*) as n from {{ compare_model }})
select a.n as model_rows, b.n as compare_model_rows
from a cross join b
where a.n <> b.n
{% endtest %}`,
};
