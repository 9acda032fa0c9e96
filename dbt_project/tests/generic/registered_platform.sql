{#- The column holds platforms of Ruche's registry (config.platforms), of `family` if given;
    `also` lists other accepted values (e.g. 'all' for an all-platform row). -#}
{% test registered_platform(model, column_name, family=none, also=[]) %}

select {{ column_name }}
from {{ model }}
where {{ column_name }} is not null
    and {{ column_name }} not in (
        select platform from {{ ref('stg_config__platforms') }}
        {%- if family %}
        where platform_family = '{{ family }}'
        {%- endif %}
    )
    {%- for value in also %}
    and {{ column_name }} <> '{{ value }}'
    {%- endfor %}

{% endtest %}
