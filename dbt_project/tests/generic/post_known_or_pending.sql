{#- Every value is a post of `dim_posts`, or a post a comment points at that the next nightly
    extract brings (`int_comment_posts_pending`: a webhook comment on a post published since the
    last night). `relationships` to dim_posts, with that one exception. -#}
{% test post_known_or_pending(model, column_name) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (select post_key from {{ ref('dim_posts') }})
    and {{ column_name }} not in (select post_key from {{ ref('int_comment_posts_pending') }})

{% endtest %}
