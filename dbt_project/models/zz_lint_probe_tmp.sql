{% if execute %}{% do run_query('select * from nowhere.missing') %}{% endif %}
select 1 as one
