/**
 * dbt's cross-database macros as dbt-postgres renders them, one macro per name. Callers use the bare
 * name (`{{ dateadd('day', 1, 'order_date') }}`); macros call each other the same way, which resolves
 * because every macro is a global. Type macros `return()` the type name, as dbt's do, so
 * `cast(x as {{ type_string() }})` prints `cast(x as TEXT)`.
 *
 * Where dbt reads `api.Column.translate_type(...)`, the Postgres answer is written in: string → TEXT,
 * integer → INT, timestamp → TIMESTAMP, float → FLOAT, boolean → BOOLEAN, numeric → numeric(28,6).
 */
import { DATE_MACROS } from './cross-database-date-macros.js';

const TYPE_MACROS: Record<string, string> = {
  type_string: `{% macro type_string() %}{{ return('TEXT') }}{% endmacro %}`,
  type_timestamp: `{% macro type_timestamp() %}{{ return('TIMESTAMP') }}{% endmacro %}`,
  type_float: `{% macro type_float() %}{{ return('FLOAT') }}{% endmacro %}`,
  type_numeric: `{% macro type_numeric() %}{{ return('numeric(28,6)') }}{% endmacro %}`,
  type_int: `{% macro type_int() %}{{ return('INT') }}{% endmacro %}`,
  type_bigint: `{% macro type_bigint() %}{{ return('bigint') }}{% endmacro %}`,
  type_boolean: `{% macro type_boolean() %}{{ return('BOOLEAN') }}{% endmacro %}`,
};

const STRING_MACROS: Record<string, string> = {
  concat: `{% macro concat(fields) -%}{{ fields | join(' || ') }}{%- endmacro %}`,
  hash: `{% macro hash(field) -%}md5(cast({{ field }} as TEXT)){%- endmacro %}`,
  length: `{% macro length(expression) -%}length({{ expression }}){%- endmacro %}`,
  position: `{% macro position(substring_text, string_text) -%}position({{ substring_text }} in {{ string_text }}){%- endmacro %}`,
  replace: `{% macro replace(field, old_chars, new_chars) -%}replace({{ field }}, {{ old_chars }}, {{ new_chars }}){%- endmacro %}`,
  right: `{% macro right(string_text, length_expression) -%}right({{ string_text }}, {{ length_expression }}){%- endmacro %}`,
  // A negative part counts from the end: the part's position is (number of delimiters) + 2 + part,
  // where the delimiters are counted by the length the string loses without them (one-character
  // delimiters, as in dbt).
  split_part: `{% macro split_part(string_text, delimiter_text, part_number) -%}
{%- if part_number >= 0 -%}
split_part({{ string_text }}, {{ delimiter_text }}, {{ part_number }})
{%- else -%}
split_part({{ string_text }}, {{ delimiter_text }}, length({{ string_text }}) - length(replace({{ string_text }}, {{ delimiter_text }}, '')) + 2 + {{ part_number }})
{%- endif -%}
{%- endmacro %}`,
  string_literal: `{% macro string_literal(value) -%}'{{ value }}'{%- endmacro %}`,
  escape_single_quotes: `{% macro escape_single_quotes(expression) -%}{{ expression | replace("'", "''") }}{%- endmacro %}`,
  cast_bool_to_text: `{% macro cast_bool_to_text(field) -%}cast({{ field }} as TEXT){%- endmacro %}`,
  cast: `{% macro cast(field, type) -%}cast({{ field }} as {{ type }}){%- endmacro %}`,
  // Postgres has no try_cast: dbt-postgres's safe_cast is a plain cast, which fails on bad input.
  safe_cast: `{% macro safe_cast(field, type) -%}cast({{ field }} as {{ type }}){%- endmacro %}`,
  // dbt's behaviour flag enable_truthy_nulls_equals_macro (off by default) makes null equal null.
  equals: `{% macro equals(expr1, expr2) -%}
{%- if adapter.behavior.enable_truthy_nulls_equals_macro.no_warn -%}
case when (({{ expr1 }} = {{ expr2 }}) or ({{ expr1 }} is null and {{ expr2 }} is null)) then 0 else 1 end = 0
{%- else -%}
({{ expr1 }} = {{ expr2 }})
{%- endif -%}
{%- endmacro %}`,
};

const AGGREGATE_AND_SET_MACROS: Record<string, string> = {
  any_value: `{% macro any_value(expression) -%}min({{ expression }}){%- endmacro %}`,
  bool_or: `{% macro bool_or(expression) -%}bool_or({{ expression }}){%- endmacro %}`,
  // string_agg has no limit: with one, the ordered array_agg is sliced and joined instead.
  listagg: `{% macro listagg(measure, delimiter_text="','", order_by_clause=none, limit_num=none) -%}
{%- if limit_num -%}
array_to_string((array_agg({{ measure }}{% if order_by_clause %} {{ order_by_clause }}{% endif %}))[1:{{ limit_num }}], {{ delimiter_text }})
{%- else -%}
string_agg({{ measure }}, {{ delimiter_text }}{% if order_by_clause %} {{ order_by_clause }}{% endif %})
{%- endif -%}
{%- endmacro %}`,
  intersect: `{% macro intersect() -%}intersect{%- endmacro %}`,
  except: `{% macro except() -%}except{%- endmacro %}`,
};

const ARRAY_MACROS: Record<string, string> = {
  // An empty array literal has no element type in Postgres: it is cast to data_type[].
  array_construct: `{% macro array_construct(inputs=[], data_type='INT') -%}
{%- if inputs | length > 0 -%}array[ {{ inputs | join(' , ') }} ]{%- else -%}array[]::{{ data_type }}[]{%- endif -%}
{%- endmacro %}`,
  array_append: `{% macro array_append(array, new_element) -%}array_append({{ array }}, {{ new_element }}){%- endmacro %}`,
  array_concat: `{% macro array_concat(array_1, array_2) -%}array_cat({{ array_1 }}, {{ array_2 }}){%- endmacro %}`,
};

/** Name → the Jinja source of that one macro. */
export const CROSS_DATABASE_MACROS: Record<string, string> = {
  ...TYPE_MACROS,
  ...STRING_MACROS,
  ...AGGREGATE_AND_SET_MACROS,
  ...ARRAY_MACROS,
  ...DATE_MACROS,
};
