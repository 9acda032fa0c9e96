{#- Instagram comments and replies in the shared comment shape. -#}
with

comments as (

    select * from {{ ref('stg_instagram__comments') }}

),

final as (

    select
        'instagram' as platform,
        client_id,
        ig_user_id as account_id,
        media_id as post_id,
        comment_id,
        parent_comment_id,
        created_at,
        author_id,
        -- Instagram gives a username, no display name
        author_username as author_name,
        message,
        like_count,
        is_hidden,
        -- the IG professional account writing on its own media is the brand
        coalesce(author_id = ig_user_id, false) as is_brand_reply,
        -- Instagram gives comments no link of their own: the media's permalink is used instead
        cast(null as {{ dbt.type_string() }}) as permalink_url,
        loaded_at
    from comments

)

select * from final
