{#- Facebook comments and replies in the shared comment shape. -#}
with

comments as (

    select * from {{ ref('stg_facebook__comments') }}

),

final as (

    select
        'facebook' as platform,
        client_id,
        page_id as account_id,
        post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        author_name,
        message,
        like_count,
        is_hidden,
        -- the Page writing on its own post is the brand
        coalesce(author_id = page_id, false) as is_brand_reply,
        -- the comment's own link (Graph `permalink_url`)
        permalink_url,
        loaded_at
    from comments

)

select * from final
