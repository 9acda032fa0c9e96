{#- LinkedIn comments and replies in the shared comment shape. Ids are the composite comment
    URNs (text). LinkedIn has no hidden state (a comment is there or deleted, and then gone):
    `is_hidden` is false. `message` is NULL when comment text is not stored; counts, threads and
    response times do not need it. -#}
with

comments as (

    select * from {{ ref('stg_linkedin_pages__comments') }}

),

final as (

    select
        'linkedin_pages' as platform,
        client_id,
        organization_id as account_id,
        post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        -- LinkedIn gives commenters as person URNs only: no name is read or kept
        cast(null as {{ dbt.type_string() }}) as author_name,
        message,
        like_count,
        false as is_hidden,
        -- the organization writing on its own post is the brand (actor = its URN)
        coalesce(author_id = 'urn:li:organization:' || organization_id, false) as is_brand_reply,
        -- the API gives a comment no link of its own: the digest links the post
        cast(null as {{ dbt.type_string() }}) as permalink_url,
        loaded_at
    from comments

)

select * from final
