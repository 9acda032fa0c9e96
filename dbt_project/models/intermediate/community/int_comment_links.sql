{#-
    One row per comment, every organic platform: the comment's own link where the platform
    gives one (NULL otherwise). A view over the platforms' conformed comments, apart from
    int_comments so that its incremental table keeps its columns.
-#}
with

links as (

    {{ union_platform_models(
        'int_{platform}__comments', family='organic',
        columns=['platform', 'comment_id', 'permalink_url']
    ) }}

),

final as (

    select
        {{ surrogate_key(['platform', 'comment_id']) }} as comment_key,
        platform,
        comment_id,
        permalink_url
    from links

)

select * from final
