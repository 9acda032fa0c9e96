{#- X replies in the shared comment shape. -#}
with

comments as (

    select * from {{ ref('stg_x__comments') }}

),

landed as (

    select comment_id from {{ ref('stg_x__comments') }}

),

final as (

    select
        'x' as platform,
        comments.client_id,
        comments.user_id as account_id,
        comments.post_id,
        comments.comment_id,
        -- a reply whose parent reply is not landed (deleted, which X reports as a partial
        -- error, or older than recent search's reach) hangs from the post itself
        landed.comment_id as parent_comment_id,
        comments.created_at,
        comments.author_id,
        comments.author_name,
        -- X starts a reply with the @handles of the thread it answers: people's handles, so
        -- they are cut (the pseudonymised author is the only identity the marts keep)
        regexp_replace(comments.message, '^(@[A-Za-z0-9_]+[[:space:]]+)+', '') as message,
        comments.like_count,
        -- X's v2 tweet object carries no hidden state (hiding is write-only), and search still
        -- returns hidden replies: none is known hidden
        false as is_hidden,
        -- the account replying in its own post's conversation is the brand
        coalesce(comments.author_id = comments.user_id, false) as is_brand_reply,
        -- a post's own link: X opens any post by id under /i/web/status/
        'https://x.com/i/web/status/' || comments.comment_id as permalink_url,
        comments.loaded_at
    from comments
    left join landed
        on comments.parent_comment_id = landed.comment_id

)

select * from final
