{#-
    Business minutes between two instants, over a relation of opening intervals.

    `windows` has one row per item: `item_key`, `client_id`, `start_at`, `end_at` (instants).
    `intervals` has the client's opening spans as instants: `client_id`, `open_at`, `close_at`
    (int_business_hours__intervals: DST, holidays and split days already resolved).
    Returns one row per item: `item_key`, `business_minutes` = the length of the part of
    [start_at, end_at] that falls inside opening spans, in minutes (seconds precision). An
    item with no overlap gets 0; an end before the start (clock skew) gets 0, never negative.
-#}
{% macro business_minutes(windows, intervals) -%}
    select
        {{ windows }}.item_key,
        coalesce(
            sum(
                case
                    when {{ intervals }}.open_at is null then 0
                    else {{ minutes_between(
                        'greatest(' ~ intervals ~ '.open_at, ' ~ windows ~ '.start_at)',
                        'least(' ~ intervals ~ '.close_at, ' ~ windows ~ '.end_at)'
                    ) }}
                end
            ),
            0
        ) as business_minutes
    from {{ windows }}
    left join {{ intervals }}
        on {{ windows }}.client_id = {{ intervals }}.client_id
        and {{ intervals }}.open_at < {{ windows }}.end_at
        and {{ intervals }}.close_at > {{ windows }}.start_at
    group by 1
{%- endmacro %}
