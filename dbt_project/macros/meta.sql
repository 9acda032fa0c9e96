{#-
    Meta's own pieces (Graph API and Marketing API), under Meta names: shared layers never call
    them; only the facebook / instagram / meta_ads models do.
-#}

{#- a Graph API timestamp ("2026-11-22T01:46:47+0000", "2026-10-02T00:00:00-0700") → UTC instant -#}
{% macro graph_timestamp(text) -%}
    {{ parse_timestamp(text, '%Y-%m-%dT%H:%M:%S%z') }}
{%- endmacro %}


{#- the Graph insight item's `values` array, one row per value (`value_item`) -#}
{% macro graph_insight_values(record='record') -%}
    unnest(cast({{ record }} -> 'values' as json[]))
{%- endmacro %}


{#- a Meta ad account id as Ruche stores it: the `act_` prefix of Graph ids removed -#}
{% macro meta_account_id(id_expression) -%}
    replace({{ id_expression }}, 'act_', '')
{%- endmacro %}


{#- Meta budgets are in the currency's minor unit ("offset" 100), except currencies without one -#}
{% macro meta_currency_offset(currency) -%}
    case
        when {{ currency }} in ('CLP', 'COP', 'CRC', 'HUF', 'ISK', 'IDR', 'JPY', 'KRW', 'PYG', 'TWD', 'VND')
            then 1
        else 100
    end
{%- endmacro %}

{#- a Meta budget in minor units as an exact amount in major units (money_type): multiplied by
    the decimal 1 / offset, since DuckDB divides as DOUBLE -#}
{% macro meta_major_units(amount_minor, currency) -%}
    cast(
        cast({{ amount_minor }} as decimal(38, 0))
        * (case when {{ meta_currency_offset(currency) }} = 1 then 1.00 else 0.01 end)
        as {{ money_type() }}
    )
{%- endmacro %}


{#- The Meta Ads attribution window reported (var `meta_attribution_window`): its column and label -#}
{% macro meta_attribution_column() -%}
    {%- set window = var('meta_attribution_window') -%}
    {%- set columns = {
        'default': 'default_value',
        '1d_click': 'value_1d_click',
        '7d_click': 'value_7d_click',
        '28d_click': 'value_28d_click',
        '1d_view': 'value_1d_view',
    } -%}
    {%- if window not in columns -%}
        {{ exceptions.raise_compiler_error("var meta_attribution_window must be one of " ~ (columns.keys() | list) ~ ", got " ~ window) }}
    {%- endif -%}
    {{ return(columns[window]) }}
{%- endmacro %}

{% macro meta_attribution_label() -%}
    {%- set window = var('meta_attribution_window') -%}
    {{ return('7d_click_1d_view' if window == 'default' else window) }}
{%- endmacro %}


{#-
    One row per comment Meta pushed by webhook (`events`: a `stg_<p>__comment_events` import CTE)
    that the nightly extract (`extracted`: the `stg_<p>__comments` import CTE) has not loaded:
    the `add` event's time as the creation time, the latest text (`add` or `edited`), the
    author of any event that names one, `loaded_at` of the newest event. A removed comment
    stays (it was received, as a deleted extracted comment does): `int_comment_removals` marks
    it deleted. Shown at once even on a post the warehouse does not hold yet (a post published
    since the last night, where a crisis usually starts): `int_comment_posts_pending` lists
    those posts until the night extracts them. Left out until the extract brings them: a
    comment known only by a `remove`; a reply whose parent comment is neither extracted nor
    itself an event comment shown here.
    Columns: the events' own names (`account_column`, `name_column`, `post_column`).
-#}
{% macro event_comments(events, extracted, posts, post_ids, account_column, name_column, post_column='post_id') -%}
    select
        shown.* replace (
            -- the later of its events', its post's and its parent's loads: `int_comments`'
            -- watermark re-reads the comment when its post arrives (and a reply that became
            -- showable late)
            greatest(
                shown.loaded_at,
                coalesce(known_posts.loaded_at, shown.loaded_at),
                coalesce(known_parents.loaded_at, shown.loaded_at)
            ) as loaded_at
        )
    from (
        select
            {{ events }}.comment_id,
            any_value({{ events }}.client_id) as client_id,
            any_value({{ events }}.{{ account_column }}) as {{ account_column }},
            any_value({{ events }}.{{ post_column }}) as {{ post_column }},
            any_value({{ events }}.parent_comment_id) as parent_comment_id,
            coalesce(
                min({{ events }}.created_at) filter (where {{ events }}.verb = 'add'),
                min({{ events }}.created_at)
            ) as created_at,
            any_value({{ events }}.author_id) filter (where {{ events }}.author_id is not null)
                as author_id,
            any_value({{ events }}.{{ name_column }})
                filter (where {{ events }}.{{ name_column }} is not null) as {{ name_column }},
            arg_max({{ events }}.message, {{ events }}.created_at)
                filter (where {{ events }}.verb in ('add', 'edited') and {{ events }}.message is not null)
                as message,
            max({{ events }}.loaded_at) as loaded_at
        from {{ events }}
        where not exists (
            select 1 from {{ extracted }} where {{ extracted }}.comment_id = {{ events }}.comment_id
        )
        group by {{ events }}.comment_id
        having bool_or({{ events }}.verb in ('add', 'edited'))
    ) as shown
    left join (
        select {{ post_ids }} as post_id, min(loaded_at) as loaded_at
        from {{ posts }}
        group by 1
    ) as known_posts
        on shown.{{ post_column }} = known_posts.post_id
    left join (
        select comment_id, min(loaded_at) as loaded_at
        from {{ extracted }}
        group by 1
    ) as known_parents
        on shown.parent_comment_id = known_parents.comment_id
    where shown.parent_comment_id is null
        or known_parents.comment_id is not null
        or shown.parent_comment_id in (
            select comment_id from {{ events }}
            group by comment_id
            having bool_or(verb in ('add', 'edited'))
        )
{%- endmacro %}


{#-
    The webhook comments `event_comments` shows (independently of staging, for the singular
    tests): `post_id`, `comment_id` per comment of `raw_<platform>.comment_events` with an
    `add` or `edited` (removed or not), not in the raw comments, its parent (if any) extracted
    or itself shown, whether or not its post is extracted yet.
-#}
{% macro meta_raw_event_comments(platform) -%}
    with events as (
        select record ->> 'comment_id' as comment_id, record ->> 'post_id' as post_id,
            record ->> 'parent_comment_id' as parent_id, record ->> 'verb' as verb
        from {{ source('raw_' ~ platform, 'comment_events') }}
    ),
    extracted as (
        select record ->> 'id' as comment_id from {{ source('raw_' ~ platform, 'comments') }}
    ),
    shown as (
        select comment_id, any_value(post_id) as post_id, any_value(parent_id) as parent_id
        from events
        where comment_id not in (select comment_id from extracted)
        group by comment_id
        having bool_or(verb in ('add', 'edited'))
    )
    select post_id, comment_id from shown
    where parent_id is null
        or parent_id in (select comment_id from extracted)
        or parent_id in (select comment_id from shown)
{%- endmacro %}
