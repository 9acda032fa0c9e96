{#- Business minutes never exceed clock minutes; both are set exactly when a comment is answered. -#}
select
    comment_key,
    response_minutes,
    response_business_minutes,
    is_answered
from {{ ref('fct_comments') }}
where not is_brand_reply
    and (
        response_business_minutes > response_minutes + 1e-9
        or (is_answered and (response_minutes is null or response_business_minutes is null))
        or (not is_answered and (response_minutes is not null or response_business_minutes is not null))
    )
