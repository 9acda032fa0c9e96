{#- When each X comment was last returned by an extraction (see the macro). -#}
{{ comment_sightings('x') }}
